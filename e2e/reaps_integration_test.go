//go:build linux

package e2e

// Integration tests of --reaps, --alert and -c/-C: the fixtures in
// testdata/reaps/ make each situation happen for real (a double fork, a
// subreaper, SIGCHLD ignored, a zombie, a core dump, a WNOHANG loop) and
// print the pids and counts they saw; the tests check waittrace's report,
// alerts, exit status and summary against them.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var reapsFixtures = []string{"doublefork", "sigign", "zombie", "coredump", "wnohang"}

var (
	reapsOnce     sync.Once
	reapsBuildErr error
)

// reapsFixture builds testdata/reaps/*.c once into the TestMain build dir.
func reapsFixture(t *testing.T, name string) string {
	t.Helper()
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no fixtures for %s", runtime.GOARCH)
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	dir := filepath.Join(buildDir, "reaps")
	reapsOnce.Do(func() {
		if reapsBuildErr = os.MkdirAll(dir, buildDirMode); reapsBuildErr != nil {
			return
		}
		for _, f := range reapsFixtures {
			out, err := exec.Command("gcc", "-O0", "-Wall", "-o", filepath.Join(dir, f),
				filepath.Join("..", "testdata", "reaps", f+".c")).CombinedOutput()
			if err != nil {
				reapsBuildErr = fmt.Errorf("gcc %s.c: %v\n%s", f, err, out)
				return
			}
		}
	})
	if reapsBuildErr != nil {
		t.Fatal(reapsBuildErr)
	}
	return filepath.Join(dir, name)
}

type reapsRun struct {
	trace  string // the -o file: trace, alerts, report
	stdout string // the fixture's own account
	stderr string
	exit   int
}

// runReaps runs bin with the tracer flags and -o FILE, then argv.
func runReaps(t *testing.T, bin string, flags []string, argv ...string) reapsRun {
	t.Helper()
	dir := workDir(t)
	out := filepath.Join(dir, "trace.out")
	args := append(append([]string{bin, "-o", out}, flags...), "--")
	args = append(args, argv...)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, &syscall.SysProcAttr{Setpgid: true}, dir, nil, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s timed out\nstderr:\n%s", strings.Join(args, " "), stderr.Bytes())
	}
	code := cmd.ProcessState.ExitCode()
	if code == 77 {
		t.Fatalf("fixture failed its self-check under %s\nstderr:\n%s", bin, stderr.Bytes())
	}
	trace, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return reapsRun{trace: string(trace), stdout: stdout.String(), stderr: stderr.String(), exit: code}
}

// waittraceReaps runs waittrace (built by TestMain).
func waittraceReaps(t *testing.T, flags []string, argv ...string) reapsRun {
	t.Helper()
	return runReaps(t, tracer{name: "waittrace"}.use(t), flags, argv...)
}

// ints extracts NAME=<int> pairs from a fixture's output.
func ints(t *testing.T, s string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, kv := range regexp.MustCompile(`(\w+)=(\d+)`).FindAllStringSubmatch(s, -1) {
		m[kv[1]], _ = strconv.Atoi(kv[2])
	}
	if len(m) == 0 {
		t.Fatalf("fixture printed no values: %q", s)
	}
	return m
}

// reportLine returns the report's tree line of pid.
func reportLine(t *testing.T, trace string, pid int) string {
	t.Helper()
	_, report, ok := strings.Cut(trace, "=== waittrace --reaps: who reaped whom ===\n")
	if !ok {
		t.Fatalf("no report in:\n%s", trace)
	}
	re := regexp.MustCompile(`(?m)^[│├└─ ]*` + strconv.Itoa(pid) + ` .*$`)
	line := re.FindString(report)
	if line == "" {
		t.Fatalf("pid %d not in the report:\n%s", pid, report)
	}
	return line
}

// rootPid is the launched command's pid: the first tree line.
func rootPid(t *testing.T, trace string) int {
	t.Helper()
	_, report, _ := strings.Cut(trace, "=== waittrace --reaps: who reaped whom ===\n")
	f := strings.Fields(report)
	if len(f) == 0 {
		t.Fatalf("empty report:\n%s", trace)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatalf("report does not start with a pid:\n%s", report)
	}
	return pid
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func TestReapsShellPipeline(t *testing.T) {
	r := waittraceReaps(t, []string{"-f", "--reaps"}, "/bin/sh", "-c", "echo hi | cat >/dev/null; exit 0")
	root := rootPid(t, r.trace)
	mustContain(t, "root line", reportLine(t, r.trace, root), "exited 0", "reaped by waittrace")
	children := regexp.MustCompile(`(?m)^[├└]─ (\d+) `).FindAllStringSubmatch(r.trace, -1)
	if len(children) != 2 {
		t.Fatalf("want the 2 processes of the pipeline under the shell:\n%s", r.trace)
	}
	for _, c := range children {
		pid, _ := strconv.Atoi(c[1])
		mustContain(t, "child line", reportLine(t, r.trace, pid), "exited 0", fmt.Sprintf("reaped by %d sh", root))
	}
	mustContain(t, "report", r.trace, fmt.Sprintf("  %d sh: ", root), "2 found a child")
}

func TestReapsDoubleForkSubreaper(t *testing.T) {
	bin := reapsFixture(t, "doublefork")
	r := waittraceReaps(t, []string{"-f", "--reaps", "--alert=lost,unreaped"}, bin, "subreaper")
	v := ints(t, r.stdout)
	root := rootPid(t, r.trace)
	mustContain(t, "B", reportLine(t, r.trace, v["B"]), fmt.Sprintf("reaped by %d", root))
	mustContain(t, "C", reportLine(t, r.trace, v["C"]), "exited 7", fmt.Sprintf("reaped by %d", root),
		fmt.Sprintf("(reparented when %d exited)", v["B"]))
	if strings.Contains(r.trace, "!!! ALERT") {
		t.Errorf("a subreaper collected everything: no alert expected:\n%s", r.trace)
	}
}

func TestReapsDoubleForkToInit(t *testing.T) {
	bin := reapsFixture(t, "doublefork")
	r := waittraceReaps(t, []string{"-f", "--reaps", "--alert=unreaped"}, bin)
	v := ints(t, r.stdout)
	mustContain(t, "C", reportLine(t, r.trace, v["C"]), "exited 7",
		fmt.Sprintf("reparented when %d exited, then reaped by no traced process", v["B"]))
	mustContain(t, "trace", r.trace, fmt.Sprintf("!!! ALERT unreaped: %d (doublefork) exited 7", v["C"]))
}

func TestReapsSigchldIgnored(t *testing.T) {
	bin := reapsFixture(t, "sigign")
	r := waittraceReaps(t, []string{"-f", "--reaps", "--alert=echild,lost"}, bin)
	v := ints(t, r.stdout)
	root := rootPid(t, r.trace)
	mustContain(t, "child", reportLine(t, r.trace, v["child"]), "auto-reaped by the kernel", fmt.Sprintf("%d sigign ignores SIGCHLD", root))
	mustContain(t, "trace", r.trace,
		fmt.Sprintf("!!! ALERT echild: wait4 in %d (sigign) found no child (waiting for any child): ECHILD !!!", root),
		fmt.Sprintf("!!! ALERT lost: %d (sigign) exited 0, auto-reaped", v["child"]),
		"1 ECHILD")
}

func TestReapsZombieAlertExit(t *testing.T) {
	bin := reapsFixture(t, "zombie")
	flags := []string{"-f", "--reaps", "--alert=zombie,lost", "--zombie-after=100ms"}
	r := waittraceReaps(t, append(flags, "--alert-exit=42"), bin, "300")
	v := ints(t, r.stdout)
	root := rootPid(t, r.trace)
	if r.exit != 42 {
		t.Errorf("exit status %d; want 42 (--alert-exit, the command succeeded)\nstderr:\n%s", r.exit, r.stderr)
	}
	zombie := regexp.MustCompile(fmt.Sprintf(`(?m)^!!! ALERT zombie: %d \(zombie\) unreaped by %d \(zombie\) for 0\.[1-9]s !!!$`, v["child"], root))
	if !zombie.MatchString(r.trace) {
		t.Errorf("no zombie alert for %d:\n%s", v["child"], r.trace)
	}
	mustContain(t, "trace", r.trace, fmt.Sprintf("!!! ALERT lost: %d (zombie) exited 0, never reaped by %d (zombie), which exited first !!!", v["child"], root))
	// The alerts come before the report, and the zombie's before its parent's exit line.
	if strings.Index(r.trace, "!!! ALERT zombie") > strings.Index(r.trace, fmt.Sprintf("%-5d +++ exited with 0 +++", root)) {
		t.Errorf("the zombie alert must precede the parent's exit:\n%s", r.trace)
	}
	mustContain(t, "child", reportLine(t, r.trace, v["child"]), fmt.Sprintf("never reaped by %d, which exited first", root))

	// Without --alert-exit, or with no alert, waittrace exits as the command.
	if r := waittraceReaps(t, flags, bin, "300"); r.exit != 0 {
		t.Errorf("exit status %d without --alert-exit; want 0", r.exit)
	}
	if r := waittraceReaps(t, []string{"-f", "--alert=coredump", "--alert-exit=42"}, bin, "0"); r.exit != 0 || strings.Contains(r.trace, "ALERT") {
		t.Errorf("exit status %d with no alert fired; want 0:\n%s", r.exit, r.trace)
	}
}

// TestReapsZombieAlertOnTime: the zombie alert fires when its deadline
// passes, not at the next traced event: the fixture makes no wait call
// (and so, under the seccomp filter, never stops) while it watches the
// trace file for the alert, for up to 10 seconds.
func TestReapsZombieAlertOnTime(t *testing.T) {
	bin := reapsFixture(t, "zombie")
	r := waittraceReaps(t, []string{"-f", "--alert=zombie", "--zombie-after=100ms"}, bin, "10000", "trace.out")
	v := ints(t, r.stdout)
	if v["seen"] != 1 {
		t.Errorf("the fixture did not see the zombie alert while it waited (seen=%d):\n%s", v["seen"], r.trace)
	}
}

func TestReapsCoreDump(t *testing.T) {
	bin := reapsFixture(t, "coredump")
	r := waittraceReaps(t, []string{"-f", "--reaps", "--alert=coredump,signaled"}, bin)
	v := ints(t, r.stdout)
	line := reportLine(t, r.trace, v["child"])
	mustContain(t, "child", line, "killed by SIGABRT", fmt.Sprintf("reaped by %d", rootPid(t, r.trace)))
	mustContain(t, "trace", r.trace, fmt.Sprintf("!!! ALERT signaled: %d (coredump) killed by SIGABRT", v["child"]))
	core := strings.Contains(line, "(core dumped)")
	if core != (v["core"] == 1) {
		t.Errorf("report says core dumped=%v, the parent saw WCOREDUMP=%d:\n%s", core, v["core"], line)
	}
	if fired := strings.Contains(r.trace, "!!! ALERT coredump:"); fired != core {
		t.Errorf("coredump alert fired=%v, core=%v:\n%s", fired, core, r.trace)
	}
}

var summaryRow = regexp.MustCompile(`(?m)^ *[0-9.]+ +[0-9.]+ +\d+ +(\d+) +(\d*) (wait4|total)$`)

// checkSummary checks strace's table for the wnohang fixture's calls.
func checkSummary(t *testing.T, who, out string, zeros int) {
	t.Helper()
	rows := summaryRow.FindAllStringSubmatch(out, -1)
	if len(rows) != 2 {
		t.Fatalf("%s: no wait4 and total rows:\n%s", who, out)
	}
	for _, row := range rows {
		if calls, _ := strconv.Atoi(row[1]); calls != zeros+2 || row[2] != "1" {
			t.Errorf("%s: %s row: %s calls, %q errors; want %d calls (%d polls returning 0, the reap, ECHILD), 1 error:\n%s",
				who, row[3], row[1], row[2], zeros+2, zeros, out)
		}
	}
	mustContain(t, who, out, "% time     seconds  usecs/call     calls    errors syscall\n"+
		"------ ----------- ----------- --------- --------- ----------------\n")
}

func TestReapsSummary(t *testing.T) {
	bin := reapsFixture(t, "wnohang")
	// strace itself, to prove the fixture and the table's shape.
	if _, err := os.Stat(stracePath); err == nil {
		r := runReaps(t, stracePath, []string{"-c", "-f", "-e", traceFilter}, bin)
		checkSummary(t, "strace -c", r.trace, ints(t, r.stdout)["zeros"])
	}
	r := waittraceReaps(t, []string{"-c", "-f"}, bin)
	v := ints(t, r.stdout)
	checkSummary(t, "waittrace -c", r.trace, v["zeros"])
	if strings.Contains(r.trace, "wait4(") || strings.Contains(r.trace, "+++") || strings.Contains(r.trace, "none yet") {
		t.Errorf("-c prints strace's table only:\n%s", r.trace)
	}
	// With --reaps, waittrace's table of outcomes follows strace's.
	r = waittraceReaps(t, []string{"-c", "-f", "--reaps"}, bin)
	v = ints(t, r.stdout)
	checkSummary(t, "waittrace -c --reaps", r.trace, v["zeros"])
	outcome := fmt.Sprintf("%9d %9d %9d %9d %13d %13d wait4\n", v["zeros"]+2, 1, v["zeros"], 1, 0, 0)
	mustContain(t, "outcomes", r.trace, outcome)

	r = waittraceReaps(t, []string{"-C", "-f"}, bin)
	v = ints(t, r.stdout)
	checkSummary(t, "waittrace -C", r.trace, v["zeros"])
	exit := strings.Index(r.trace, "+++ exited with 0 +++\n% time")
	polls := regexp.MustCompile(`(?m)WNOHANG, NULL\) += 0$`).FindAllString(r.trace, -1)
	if exit < 0 || len(polls) != v["zeros"] {
		t.Errorf("-C prints the trace, then the table:\n%s", r.trace)
	}
}
