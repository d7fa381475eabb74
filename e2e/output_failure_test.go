//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutputFailure: when the trace cannot be written (a full disk, a
// closed pipe) waittrace says so once and stops writing, while the command
// runs to its end with its waits intact, is not killed by the SIGPIPE that
// a closed pipe raises in waittrace, and waittrace exits with the
// command's status (as strace does).
func TestOutputFailure(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	script := func(done string) []string {
		return []string{"/bin/sh", "-c", `(exit 1) & wait; sleep 0.2; (exit 3) & wait $!; echo $? > ` + done + `; exit 7`}
	}
	check := func(t *testing.T, cmd *exec.Cmd, done string) {
		t.Helper()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Exited() || ws.ExitStatus() != 7 {
			t.Errorf("waittrace ended with %v; want exit 7, the command's", cmd.ProcessState)
		}
		got, err := os.ReadFile(done)
		if err != nil || strings.TrimSpace(string(got)) != "3" {
			t.Errorf("the command did not finish with its wait intact: %q, %v", got, err)
		}
	}
	t.Run("dev-full", func(t *testing.T) {
		if _, err := os.Stat("/dev/full"); err != nil {
			t.Skip("needs /dev/full")
		}
		dir := workDir(t)
		done := filepath.Join(dir, "done")
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append([]string{bin, "-o", "/dev/full"}, script(done)...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		check(t, cmd, done)
		if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "writing the trace") {
			t.Errorf("want one line about writing the trace, got:\n%s", stderr.Bytes())
		}
	})
	t.Run("closed-pipe", func(t *testing.T) {
		dir := workDir(t)
		done := filepath.Join(dir, "done")
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close() // nobody reads the trace
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append([]string{bin, "-f"}, script(done)...)...)
		cmd.Stderr = w
		_ = cmd.Run()
		w.Close()
		check(t, cmd, done)
	})
}
