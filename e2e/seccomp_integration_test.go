//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSeccompInterrupt checks what Ctrl-C does to a launched command that
// carries the seccomp filter: it cannot be left untraced (its waits would
// fail with ENOSYS), so the first SIGINT is passed on and the tree is
// traced until it exits, its waits still working; a second one kills it.
func TestSeccompInterrupt(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	t.Run("first-sigint-drains", func(t *testing.T) {
		t.Parallel()
		dir := workDir(t)
		out := filepath.Join(dir, "trace.out")
		ready := filepath.Join(dir, "ready")
		// The shell ignores SIGINT, so it survives the forwarded one; after
		// it, it reaps a child that exits 3 and exits with that status.
		script := `trap "" INT; : > ` + ready + `; sleep 0.5; (exit 3) & wait $!; exit $?`
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-o", out, "-e", traceFilter, "/bin/sh", "-c", script)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !waitFor(10*time.Second, func() bool { _, err := os.Stat(ready); return err == nil }) {
			t.Fatalf("the shell never started\nstderr:\n%s", stderr.Bytes())
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		if ctx.Err() != nil {
			t.Fatalf("timed out\nstderr:\n%s", stderr.Bytes())
		}
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Exited() || ws.ExitStatus() != 3 {
			t.Fatalf("waittrace ended with %v (%v); want exit 3, the shell's, whose wait must have worked\nstderr:\n%s",
				cmd.ProcessState, err, stderr.Bytes())
		}
		trace, _ := os.ReadFile(out)
		if !strings.Contains(string(trace), "--- SIGINT {si_signo=SIGINT, si_code=SI_USER") {
			t.Errorf("trace lacks the SIGINT passed on to the shell:\n%s", trace)
		}
		if !strings.Contains(string(trace), "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]") || !strings.HasSuffix(string(trace), "+++ exited with 3 +++\n") {
			t.Errorf("trace lacks the shell's wait after the interrupt:\n%s", trace)
		}
	})
	t.Run("second-sigint-kills", func(t *testing.T) {
		t.Parallel()
		dir := workDir(t)
		ready := filepath.Join(dir, "ready")
		script := `trap "" INT; : > ` + ready + `; sleep 30`
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-o", filepath.Join(dir, "trace.out"), "/bin/sh", "-c", script)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !waitFor(10*time.Second, func() bool { _, err := os.Stat(ready); return err == nil }) {
			t.Fatal("the shell never started")
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		time.Sleep(200 * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGINT)
		start := time.Now()
		_ = cmd.Wait()
		if ctx.Err() != nil || time.Since(start) > 10*time.Second {
			t.Fatalf("waittrace did not end after the second SIGINT")
		}
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Errorf("waittrace ended with %v; want killed by SIGKILL like the shell it killed", cmd.ProcessState)
		}
	})
}

// TestSeccompRefused: where the kernel refuses the filter, waittrace says so
// in one line and traces as exactly, stopping at every call.
func TestSeccompRefused(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	noseccomp := fixture(t, "noseccomp")
	fix := fixture(t, "wait4")
	dir := workDir(t)
	out := filepath.Join(dir, "trace.out")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, noseccomp, bin, "-o", out, "-e", traceFilter, fix)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.Bytes())
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 ||
		!strings.Contains(lines[0], "refused the seccomp filter") {
		t.Errorf("want one warning line about the refused filter, got:\n%s", stderr.Bytes())
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, stdout.Bytes()) {
		t.Errorf("trace differs from the fixture's expectation (-want +got):\n%s", lineDiff(stdout.String(), string(got)))
	}
}
