package session

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// nsSleeper starts a sleep that is pid 1 of a pid namespace of its own,
// leading its own group there (setsid), and returns its pid in ours; it
// skips the test where no namespace can be made.
func nsSleeper(t *testing.T) int {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare(1) is not installed: no pid namespace to test with")
	}
	if err := exec.Command(unshare, "--pid", "--fork", "true").Run(); err != nil {
		t.Skipf("cannot make a pid namespace (needs CAP_SYS_ADMIN): %v", err)
	}
	cmd := exec.Command(unshare, "--pid", "--fork", "--kill-child", "setsid", "sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// The sleep is unshare's child; wait until it is sleep, in its session.
	children := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task/" + strconv.Itoa(cmd.Process.Pid) + "/children"
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(children)
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if ids := nsIDs("/proc/"+strconv.Itoa(pid), "NSpgid:"); strings.TrimSpace(string(comm)) == "sleep" && len(ids) == 2 && ids[1] == 1 {
			return pid
		}
	}
	t.Fatal("the namespaced sleep did not start")
	return 0
}

func TestPidnsTranslates(t *testing.T) {
	pid := nsSleeper(t)
	p := newPidns(true)
	if got, ok := p.translate(pid, 1, false); !ok || got != pid {
		t.Errorf("pid 1 of %d's namespace: %d, %v; want %d", pid, got, ok, pid)
	}
	if got, ok := p.translate(pid, 1, true); !ok || got != pid {
		t.Errorf("group 1 of %d's namespace: %d, %v; want %d", pid, got, ok, pid)
	}
	// Cached, and checked again.
	if got, ok := p.translate(pid, 1, false); !ok || got != pid {
		t.Errorf("pid 1 again: %d, %v; want %d", got, ok, pid)
	}
	if got, ok := p.translate(pid, 2, false); ok {
		t.Errorf("pid 2 does not exist in %d's namespace, translated to %d", pid, got)
	}
	// Our own namespace: nothing to translate, whether the pid exists or not.
	if got, ok := p.translate(os.Getpid(), 123456789, false); !ok || got != 123456789 {
		t.Errorf("our namespace: %d, %v", got, ok)
	}
	// A tracee that is gone: nothing known.
	p.forget(pid)
	if _, ok := p.translate(1<<30, 1, false); ok {
		t.Error("translated for a tracee that does not exist")
	}
}

// TestPidnsSiblings: the same pid in a sibling namespace (another
// container) is not the tracee's.
func TestPidnsSiblings(t *testing.T) {
	a, b := nsSleeper(t), nsSleeper(t)
	p := newPidns(true)
	if got, ok := p.translate(a, 1, false); !ok || got != a {
		t.Errorf("pid 1 of %d's namespace: %d, %v", a, got, ok)
	}
	if got, ok := p.translate(b, 1, false); !ok || got != b {
		t.Errorf("pid 1 of %d's namespace: %d, %v (the sibling's?)", b, got, ok)
	}
}

func TestPidfdPid(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep(1): %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	n := &procNames{pidfds: true, tid: os.Getpid()}
	if pid, ok := n.PidfdPid(fd); !ok || pid != cmd.Process.Pid {
		t.Errorf("PidfdPid(%d) = %d, %v; want %d", fd, pid, ok, cmd.Process.Pid)
	}
	if _, ok := n.PidfdPid(0); ok {
		t.Error("stdin taken for a pidfd")
	}
	n.pidfds = false
	if _, ok := n.PidfdPid(fd); ok {
		t.Error("a pidfd decoded without -yy")
	}
}
