//go:build linux

package e2e

// The trace goes to a shared /tmp where another user plants things: a
// symlink to a file of root's, a world-writable FILE.PID of its own, a
// FIFO. Each is refused, in one line; the file behind is left alone; the
// traced program runs on and is never left stopped. Run as root with the
// entries owned by uid 65534, whatever the machine's fs.protected_* say.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/cli"
)

// stickyDir returns a directory like /tmp: sticky and world-writable.
func stickyDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to plant entries owned by uid 65534 (nobody)")
	}
	d := filepath.Join(workDir(t), "tmp")
	if err := os.Mkdir(d, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"symlinks", "regular", "fifos"} {
		b, _ := os.ReadFile("/proc/sys/fs/protected_" + name)
		t.Logf("fs.protected_%s=%s (the outcome must not depend on it)", name, strings.TrimSpace(string(b)))
	}
	return d
}

// victim is a file of root's that the attacker wants overwritten.
func victim(t *testing.T) string {
	t.Helper()
	p := filepath.Join(workDir(t), "victim")
	if err := os.WriteFile(p, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkVictim(t *testing.T, p string) {
	t.Helper()
	if b, _ := os.ReadFile(p); string(b) != "precious\n" {
		t.Errorf("%s was written: %q", p, b)
	}
}

// TestPlantedSymlink: root's -o through a symlink another user planted in
// a sticky directory is refused before anything runs.
func TestPlantedSymlink(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	dir := stickyDir(t)
	v := victim(t)
	link := filepath.Join(dir, "trace.txt")
	if err := os.Symlink(v, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, nobodyID, nobodyID); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "ran")
	_, stderr, ws := runAs(t, asSelf, dir, bin, "-o", link, "/bin/sh", "-c", "touch "+marker)
	if !ws.Exited() || ws.ExitStatus() != cli.ExitFailure || !strings.Contains(stderr, "refusing to follow") {
		t.Errorf("exit %#x, stderr %q; want exit %d and a refusal", int(ws), stderr, cli.ExitFailure)
	}
	oneLine(t, stderr)
	checkVictim(t, v)
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the command ran although its trace could not be written")
	}
}

// TestPlantedPerProcessFiles: -ff's FILE.PID, whose names anybody can
// guess, planted as another user's world-writable file or as a FIFO: the
// file is refused (and its content untouched), the FIFO never blocks
// waittrace, and the traced process runs to its end, its calls intact.
func TestPlantedPerProcessFiles(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	for _, kind := range []string{"file", "fifo"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dir := stickyDir(t)
			goFile := filepath.Join(workDir(t), "go")
			cmd, logFile := startHard(t, workDir(t), "attach-go", "3", goFile)
			waitNote(t, logFile, "ready")
			pid := cmd.Process.Pid
			prefix := filepath.Join(dir, "trace")
			planted := fmt.Sprintf("%s.%d", prefix, pid)
			switch kind {
			case "file":
				if err := os.WriteFile(planted, []byte("planted\n"), 0o666); err != nil {
					t.Fatal(err)
				}
				_ = os.Chmod(planted, 0o666)
			case "fifo":
				if err := unix.Mkfifo(planted, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Lchown(planted, nobodyID, nobodyID); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			wt := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-ff", "-o", prefix, "-p", strconv.Itoa(pid))
			var stderr bytes.Buffer
			wt.Stderr = &stderr
			if err := wt.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = wt.Wait(); close(done) }()
			if !waitFor(10*time.Second, func() bool { _, tp, _ := procState(pid); return tp != "0" && tp != "" }) {
				t.Fatalf("never attached\n%s", stderr.Bytes())
			}
			if err := os.WriteFile(goFile, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				st, tp, _ := procState(pid)
				t.Fatalf("waittrace did not end (the traced process is in state %s, TracerPid %s)\n%s", st, tp, stderr.Bytes())
			}
			// The fixture made its three rounds (and its last waits) and
			// exited, traced to its end.
			if calls := logCalls(readLog(logFile)); len(calls) < 3 {
				t.Errorf("the traced process made calls %q; want 3 rounds", calls)
			}
			if ws := wt.ProcessState.Sys().(syscall.WaitStatus); !ws.Exited() || ws.ExitStatus() != cli.ExitFailure {
				t.Errorf("waittrace -p ended %v; want exit %d, the trace failed", wt.ProcessState, cli.ExitFailure)
			}
			if n := strings.Count(stderr.String(), "writing the trace"); n != 1 || !strings.Contains(stderr.String(), planted) {
				t.Errorf("want one line naming %s, got:\n%s", planted, stderr.Bytes())
			}
			if kind == "file" {
				if b, _ := os.ReadFile(planted); string(b) != "planted\n" {
					t.Errorf("the planted file was written: %q", b)
				}
			}
		})
	}
}

// TestHelperEnvironment: nothing in the environment makes waittrace act as
// its own helper, and waittrace's internal names reach the command only as
// the user set them.
func TestHelperEnvironment(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	dir := workDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	env := []string{"WAITTRACE_HELPER=1", "WAITTRACE_SECCOMP=c000003e:", "WAITTRACE_CREDENTIAL=65534:65534:"}
	cmd := command(t, ctx, asSelf.prepare(t), dir, env, bin, "-o", "/dev/null", "/bin/sh", "-c",
		`echo "$WAITTRACE_HELPER $WAITTRACE_SECCOMP $WAITTRACE_CREDENTIAL $(id -u)"; exit 4`)
	out, err := cmd.Output()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Exited() || ws.ExitStatus() != 4 {
		t.Errorf("ended %v (%v); want the command's exit 4", cmd.ProcessState, err)
	}
	if got, want := strings.TrimSpace(string(out)), "1 c000003e: 65534:65534: "+strconv.Itoa(os.Getuid()); got != want {
		t.Errorf("the command saw %q; want %q (the user's variables, unchanged; its own uid)", got, want)
	}
	// Named as the helper, but not started by waittrace: an ordinary run.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("needs bash, for exec -a")
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), runTimeout)
	defer cancel2()
	forged := command(t, ctx2, asSelf.prepare(t), dir, nil, bash, "-c", `exec -a waittrace-helper "$0" -o /dev/null /bin/sh -c "exit 6"`, bin)
	_ = forged.Run()
	if ws := forged.ProcessState.Sys().(syscall.WaitStatus); !ws.Exited() || ws.ExitStatus() != 6 {
		t.Errorf("argv[0] waittrace-helper, no socket from a parent waittrace: ended %v; want an ordinary run (exit 6)", forged.ProcessState)
	}
}

// TestTraceNone: -e trace=none traces nothing, quietly: no false word of a
// refused filter, and the command's waits work (with -f, under the filter).
func TestTraceNone(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	for _, expr := range []string{"trace=none", "trace=!all"} {
		t.Run(expr, func(t *testing.T) {
			dir := workDir(t)
			out := filepath.Join(dir, "trace.out")
			_, stderr, ws := runAs(t, asSelf, dir, bin, "-f", "-e", expr, "-o", out, "/bin/sh", "-c", "(exit 3) & wait $!")
			if !ws.Exited() || ws.ExitStatus() != 3 || stderr != "" {
				t.Errorf("exit %#x, stderr %q; want exit 3 and nothing said", int(ws), stderr)
			}
			if b, _ := os.ReadFile(out); strings.Contains(string(b), "wait") {
				t.Errorf("calls traced:\n%s", b)
			}
		})
	}
}
