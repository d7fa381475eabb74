//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/waittrace/waittrace/cli"
)

// runWaittrace runs waittrace with args to its end; it returns stderr and
// the exit status.
func runWaittrace(t *testing.T, dir string, args ...string) (string, syscall.WaitStatus) {
	t.Helper()
	bin := tracer{"waittrace", "", nil}.use(t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append([]string{bin}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("waittrace %s timed out\nstderr:\n%s", strings.Join(args, " "), stderr.Bytes())
	}
	return stderr.String(), cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// oneLine checks that msg is a single line, free of control characters.
func oneLine(t *testing.T, msg string) {
	t.Helper()
	body, ok := strings.CutSuffix(msg, "\n")
	if !ok || strings.ContainsFunc(body, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		t.Errorf("want one line without control characters, got %q", msg)
	}
}

// TestHardAttachZombie: a zombie cannot be traced; the message says it has
// exited and names the parent that has not reaped it, not a permission
// problem, and the exit status is that of "no such process".
func TestHardAttachZombie(t *testing.T) {
	t.Parallel()
	dir := workDir(t)
	z := exec.Command(hardFixture(t), filepath.Join(dir, "calls.log"), "exit")
	if err := z.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = z.Wait() }() // not before the test is done: a zombie till then
	if !waitFor(5*time.Second, func() bool { st, _, _ := procState(z.Process.Pid); return st == "Z" }) {
		t.Fatal("the child never became a zombie")
	}
	stderr, ws := runWaittrace(t, dir, "-p", strconv.Itoa(z.Process.Pid))
	oneLine(t, stderr)
	want := fmt.Sprintf("attach to %d: no such process: it has exited (a zombie, not yet reaped by its parent %d)", z.Process.Pid, os.Getpid())
	if !strings.Contains(stderr, want) || !ws.Exited() || ws.ExitStatus() != cli.ExitNoProcess {
		t.Errorf("got exit %#x, %q; want exit %d, %q", int(ws), stderr, cli.ExitNoProcess, want)
	}
}

// TestHardAttachKernelThread: a kernel thread is refused with a message
// that says so.
func TestHardAttachKernelThread(t *testing.T) {
	t.Parallel()
	if b, err := os.ReadFile("/proc/2/comm"); err != nil || strings.TrimSpace(string(b)) != "kthreadd" {
		t.Skip("needs a kernel thread visible as pid 2 (kthreadd): not in this pid namespace")
	}
	stderr, ws := runWaittrace(t, workDir(t), "-p", "2")
	oneLine(t, stderr)
	if !strings.Contains(stderr, "attach to 2: permission denied: it is a kernel thread") || ws.ExitStatus() != cli.ExitPermission {
		t.Errorf("got exit %#x, %q", int(ws), stderr)
	}
}

// TestHardAttachTraced: a process already traced by another tracer is
// refused naming that tracer's pid (from /proc); the tracer's name, chosen
// by the tracer (here escape sequences and a newline), is escaped.
func TestHardAttachTraced(t *testing.T) {
	t.Parallel()
	dir := workDir(t)
	cmd, logFile := startHard(t, dir, "evil-tracer")
	traced := waitNote(t, logFile, "traced")
	_, tracerPid, err := procState(traced)
	if err != nil || tracerPid != strconv.Itoa(cmd.Process.Pid) {
		t.Fatalf("the fixture's child: TracerPid %q, %v; want %d", tracerPid, err, cmd.Process.Pid)
	}
	stderr, ws := runWaittrace(t, dir, "-p", strconv.Itoa(traced))
	oneLine(t, stderr)
	want := fmt.Sprintf("attach to %d: permission denied: already traced by process %s (%q)", traced, tracerPid, "\x1b[2J\n+++ x\r")
	if !strings.Contains(stderr, want) || ws.ExitStatus() != cli.ExitPermission {
		t.Errorf("got exit %#x, %q; want %q", int(ws), stderr, want)
	}
}

// TestHardAttachSome: of several -p pids, the ones that exist are traced
// in full, and the one that does not is named.
func TestHardAttachSome(t *testing.T) {
	t.Parallel()
	dir := workDir(t)
	goFile := filepath.Join(dir, "go")
	a, logA := startHard(t, dir, "attach-go", "100", goFile)
	b, logB := startHard(t, dir, "attach-go", "100", goFile)
	waitNote(t, logA, "ready")
	waitNote(t, logB, "ready")
	missing := unusedPID(t)
	traceFile := filepath.Join(dir, "trace.out")
	bin := tracer{"waittrace", "", nil}.use(t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-f", "-o", traceFile,
		"-p", strconv.Itoa(a.Process.Pid), "-p", strconv.Itoa(missing), "-p", strconv.Itoa(b.Process.Pid))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{a.Process.Pid, b.Process.Pid} {
		if !waitFor(10*time.Second, func() bool { _, tp, _ := procState(p); return tp != "0" && tp != "" }) {
			t.Fatalf("%d was never attached", p)
		}
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // both exit after their 100 rounds
	if ctx.Err() != nil {
		t.Fatalf("timed out\nstderr:\n%s", stderr.Bytes())
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("waittrace ended with %v; want exit 0: some were traced", cmd.ProcessState)
	}
	if want := fmt.Sprintf("waittrace: attach to %d: no such process\n", missing); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.Bytes())
	}
	trace, _ := os.ReadFile(traceFile)
	made := append(logCalls(readLog(logA)), logCalls(readLog(logB))...)
	if len(made) != 2*101 {
		t.Fatalf("the fixtures made %d calls, want %d", len(made), 2*101)
	}
	if d := diffCalls(made, traceCalls(string(trace))); d != "" {
		t.Error(d)
	}
}

// TestHardAttachExiting: attaching to processes that exit meanwhile (some
// before, some during the attach, some after) never hangs: each run traces
// the process to its end or says it does not exist, in one line.
func TestHardAttachExiting(t *testing.T) {
	t.Parallel()
	dir := workDir(t)
	outcomes := map[string]int{}
	for i := 0; i < 20; i++ {
		us := rand.IntN(3000)
		cmd, _ := startHard(t, dir, "usleep", strconv.Itoa(us))
		pid := cmd.Process.Pid
		stderr, ws := runWaittrace(t, dir, "-p", strconv.Itoa(pid), "-o", filepath.Join(dir, "trace.out"))
		switch {
		case ws.Exited() && ws.ExitStatus() == 0 && strings.Contains(stderr, fmt.Sprintf("Process %d attached", pid)):
			outcomes["traced"]++
		case ws.Exited() && ws.ExitStatus() == cli.ExitNoProcess && strings.HasPrefix(stderr, fmt.Sprintf("waittrace: attach to %d: no such process", pid)):
			oneLine(t, stderr)
			outcomes["gone"]++
		default:
			t.Errorf("pid %d (sleeping %d us): exit %#x, stderr %q", pid, us, int(ws), stderr)
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestHardAttachPidNamespace attaches to a process that is pid 1 of its own
// pid namespace (an init reaping children): its calls, which return pids
// of that namespace, are traced in full.
func TestHardAttachPidNamespace(t *testing.T) {
	t.Parallel()
	if err := exec.Command("unshare", "--pid", "--fork", "true").Run(); err != nil {
		t.Skipf("cannot create a pid namespace (needs unshare(1) and CAP_SYS_ADMIN): %v", err)
	}
	dir := workDir(t)
	goFile := filepath.Join(dir, "go")
	logFile := filepath.Join(dir, "calls.log")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	ns := command(t, ctx, asSelf.prepare(t), dir, nil, "unshare", "--pid", "--fork", "--kill-child", hardFixture(t), logFile, "attach-go", "100", goFile)
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-ns.Process.Pid, syscall.SIGKILL); _ = ns.Wait() }()
	if waitNote(t, logFile, "ready") != 1 {
		t.Fatalf("the fixture is not pid 1 in its namespace:\n%s", readLog(logFile))
	}
	var pid int
	waitFor(5*time.Second, func() bool {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", ns.Process.Pid, ns.Process.Pid))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return pid > 0
	})
	traceFile := filepath.Join(dir, "trace.out")
	bin := tracer{"waittrace", "", nil}.use(t)
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-f", "-o", traceFile, "-p", strconv.Itoa(pid))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { _, tp, _ := procState(pid); return tp != "0" && tp != "" }) {
		t.Fatalf("%d was never attached", pid)
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatal("timed out")
	}
	trace, _ := os.ReadFile(traceFile)
	// The fixture logs its own pid as the namespace sees it: 1.
	made := strings.Split(strings.ReplaceAll("\n"+strings.Join(logCalls(readLog(logFile)), "\n"), "\n1 ", fmt.Sprintf("\n%d ", pid)), "\n")[1:]
	if len(made) != 101 {
		t.Fatalf("the fixture made %d calls, want 101", len(made))
	}
	if d := diffCalls(made, traceCalls(string(trace))); d != "" {
		t.Error(d)
	}
}
