//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSeccompInterrupt checks what a fatal signal to waittrace alone does
// to a launched command that carries the seccomp filter (-f): it cannot be
// left untraced (its waits would fail with ENOSYS), so it is traced until
// it exits, its waits still working, whatever the signals; each signal is
// passed on to it once, as it would have reached it untraced, and nothing
// kills it.
func TestSeccompInterrupt(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"to-file", []string{"-o", "trace.out"}},                    // -I3: never interrupted
		{"to-stderr", []string{"-o", "/dev/null", "-I", "waiting"}}, // -I2: detaches what it can
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := workDir(t)
			ready := filepath.Join(dir, "ready")
			// The shell ignores SIGINT, so it survives the ones passed on;
			// after them, it reaps a child that exits 3 and exits with that
			// status.
			script := `trap "" INT; : > ` + ready + `; sleep 0.5; (exit 3) & wait $!; exit $?`
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			args := append([]string{bin, "-f", "-e", traceFilter}, tc.flags...)
			cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append(args, "/bin/sh", "-c", script)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if !waitFor(10*time.Second, func() bool { _, err := os.Stat(ready); return err == nil }) {
				t.Fatalf("the shell never started\nstderr:\n%s", stderr.Bytes())
			}
			_ = cmd.Process.Signal(syscall.SIGINT)
			time.Sleep(100 * time.Millisecond)
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
			if tc.name != "to-file" {
				if !strings.Contains(stderr.String(), "traced to their end") {
					t.Errorf("no word that the filtered tree could not be detached:\n%s", stderr.Bytes())
				}
				return
			}
			trace, _ := os.ReadFile(filepath.Join(dir, "trace.out"))
			if n := strings.Count(string(trace), "--- SIGINT {si_signo=SIGINT, si_code=SI_USER"); n != 2 {
				t.Errorf("the shell got %d SIGINTs, want the 2 sent to waittrace alone, passed on:\n%s", n, trace)
			}
			if !strings.Contains(string(trace), "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]") || !strings.HasSuffix(string(trace), "+++ exited with 3 +++\n") {
				t.Errorf("trace lacks the shell's wait after the signals:\n%s", trace)
			}
		})
	}
}

// TestSeccompRefused: where the kernel refuses the filter (-f asks for it),
// waittrace says so in one line and traces as exactly, stopping at every
// call: the command's own lines are the fixture's.
func TestSeccompRefused(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	noseccomp := fixture(t, "noseccomp")
	fix := fixture(t, "wait4")
	dir := workDir(t)
	out := filepath.Join(dir, "trace.out")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, noseccomp, bin, "-f", "-o", out, "-e", traceFilter, fix)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.Bytes())
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 ||
		!strings.Contains(lines[0], "refused the seccomp filter") {
		t.Errorf("want one warning line about the refused filter, got:\n%s", stderr.Bytes())
	}
	trace, _ := os.ReadFile(out)
	// With -f every line starts with "PID ", which counts towards the "= "
	// column, and a call cut by a child's exit is resumed: keep the
	// command's own lines, joined, with the padding squeezed.
	squeeze := regexp.MustCompile(`\) +=`)
	var got, want strings.Builder
	first, _, _ := strings.Cut(string(trace), " ")
	held := ""
	for _, line := range strings.Split(string(trace), "\n") {
		rest, ok := strings.CutPrefix(line, first+" ")
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " ") // "%-5d " pads short pids
		if call, ok := strings.CutSuffix(rest, " <unfinished ...>"); ok {
			held = call
			continue
		}
		if _, resumed, ok := strings.Cut(rest, " resumed>"); ok && held != "" {
			rest, held = held+resumed, ""
		}
		got.WriteString(squeeze.ReplaceAllString(rest, ") =") + "\n")
	}
	for _, line := range strings.SplitAfter(stdout.String(), "\n") {
		want.WriteString(squeeze.ReplaceAllString(line, ") ="))
	}
	if got.String() != want.String() {
		t.Errorf("trace differs from the fixture's expectation (-want +got):\n%s", lineDiff(want.String(), got.String()))
	}
}
