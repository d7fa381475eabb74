//go:build linux

package e2e

// Shared helpers of the hardening tests (hardening_*_test.go): the fixture
// testdata/hard/hard.c, built once, and the comparison of the calls it logs
// with the calls a trace shows.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	hardOnce     sync.Once
	hardBin      string
	hardBuildErr error
)

// hardFixture builds testdata/hard/hard.c once, or skips without gcc.
func hardFixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	hardOnce.Do(func() {
		hardBin = filepath.Join(buildDir, "hard")
		out, err := exec.Command("gcc", "-O0", "-Wall", "-pthread", "-o", hardBin, filepath.Join("..", "testdata", "hard", "hard.c")).CombinedOutput()
		if err != nil {
			hardBuildErr = fmt.Errorf("gcc testdata/hard/hard.c: %v\n%s", err, out)
			return
		}
		hardBuildErr = os.Chmod(hardBin, buildDirMode)
	})
	if hardBuildErr != nil {
		t.Fatal(hardBuildErr)
	}
	return hardBin
}

// hardRun is one finished run of a tracer over the hard fixture.
type hardRun struct {
	trace, log, stderr string
	status             syscall.WaitStatus
}

// runHard runs "TRACER -o TRACE flags... hard LOG mode args..." to its end.
func runHard(t *testing.T, bin string, flags []string, mode string, args ...string) hardRun {
	t.Helper()
	fix := hardFixture(t)
	dir := workDir(t)
	traceFile, logFile := filepath.Join(dir, "trace.out"), filepath.Join(dir, "calls.log")
	argv := append([]string{bin, "-o", traceFile, "-e", traceFilter}, flags...)
	argv = append(append(argv, "--", fix, logFile, mode), args...)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out\nstderr:\n%s", strings.Join(argv, " "), stderr.Bytes())
	}
	tr, _ := os.ReadFile(traceFile)
	lg, _ := os.ReadFile(logFile)
	return hardRun{trace: string(tr), log: string(lg), stderr: stderr.String(), status: cmd.ProcessState.Sys().(syscall.WaitStatus)}
}

// logCalls returns the calls the fixture logged, "TID CALL RET" each.
func logCalls(log string) []string {
	var calls []string
	for _, l := range strings.Split(log, "\n") {
		if f := strings.Fields(l); len(f) == 3 && (f[1] == "wait4" || f[1] == "waitid") {
			calls = append(calls, l)
		}
	}
	sort.Strings(calls)
	return calls
}

// logNotes returns the values of the fixture's "TID note WHAT VALUE" lines.
func logNotes(log, what string) []int {
	var vals []int
	for _, l := range strings.Split(log, "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[1] == "note" && f[2] == what {
			v, _ := strconv.Atoi(f[3])
			vals = append(vals, v)
		}
	}
	return vals
}

// A finished call in a -f -o trace: a complete line or a resumed one.
var traceCallLine = regexp.MustCompile(`^(\d+) +(?:<\.\.\. (wait4|waitid) resumed>|(wait4|waitid)\().* = (-?\d+)(?: [A-Z].*)?$`)

// traceCalls returns the finished calls of a trace written with -f -o,
// "TID CALL RET" each, as logCalls does.
func traceCalls(trace string) []string {
	var calls []string
	sc := bufio.NewScanner(strings.NewReader(trace))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := traceCallLine.FindStringSubmatch(sc.Text()); m != nil {
			calls = append(calls, m[1]+" "+m[2]+m[3]+" "+m[4])
		}
	}
	sort.Strings(calls)
	return calls
}

// diffCalls says how two sorted call lists differ, "" if they do not.
func diffCalls(made, traced []string) string {
	count := map[string]int{}
	for _, c := range made {
		count[c]++
	}
	for _, c := range traced {
		count[c]--
	}
	var b strings.Builder
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch n := count[k]; {
		case n > 0:
			fmt.Fprintf(&b, "  made, not traced (x%d): %s\n", n, k)
		case n < 0:
			fmt.Fprintf(&b, "  traced, never made (x%d): %s\n", -n, k)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return fmt.Sprintf("made %d calls, traced %d:\n%s", len(made), len(traced), b.String())
}

// notStopped waits until pid is neither stopped nor traced, or fails.
func notStopped(t *testing.T, pid int, wantState string) {
	t.Helper()
	var state, tracerPid string
	var err error
	if !waitFor(5*time.Second, func() bool {
		state, tracerPid, err = procState(pid)
		if err != nil || tracerPid != "0" {
			return false
		}
		if wantState != "" {
			return state == wantState
		}
		return state != "T" && state != "t"
	}) {
		t.Errorf("process %d: state %q, TracerPid %q, err %v; want untraced, state %q", pid, state, tracerPid, err, wantState)
	}
}

// startHard starts the hard fixture untraced (to attach to) in its own
// process group, killed at the end of the test; it returns the command and
// its log file.
func startHard(t *testing.T, dir string, mode string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	fix := hardFixture(t)
	logFile := filepath.Join(dir, fmt.Sprintf("calls-%d.log", time.Now().UnixNano()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*runTimeout)
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append([]string{fix, logFile, mode}, args...)...)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		cancel()
	})
	return cmd, logFile
}

// readLog returns the current content of a fixture's log.
func readLog(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// waitNote waits for a "note WHAT" line in the log and returns its value.
func waitNote(t *testing.T, logFile, what string) int {
	t.Helper()
	var v []int
	if !waitFor(10*time.Second, func() bool { v = logNotes(readLog(logFile), what); return len(v) > 0 }) {
		t.Fatalf("the fixture never logged %q:\n%s", what, readLog(logFile))
	}
	return v[0]
}
