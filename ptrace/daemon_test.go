package ptrace

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// A socket waittrace made itself, or one no parent made, gives no role:
// only the parent's own socket proves that waittrace started us as I or T.
func TestParentMadeSocket(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if parentMadeSocket(fds[1]) {
		t.Error("a socket of our own taken for the parent's")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if parentMadeSocket(int(r.Fd())) {
		t.Error("a pipe taken for the parent's socket")
	}
	if _, _, ok := RunDaemonRole(); ok {
		t.Error("the test binary taken for -D's tracer")
	}
}

func TestDaemonizeLevels(t *testing.T) {
	for _, level := range []int{0, 4} {
		if err := Daemonize(DaemonExec{Path: "/bin/true", Argv: []string{"true"}, Level: level}); err == nil {
			t.Errorf("level %d accepted", level)
		}
	}
}
