//go:build linux

package e2e

// Transparency: the traced program sees what it sees untraced. Each test
// runs a self-checking program of testdata/signals/ untraced, under
// strace (without -f: what proves the test right) and under waittrace in
// each mode that applies, and requires the same outcome.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// signalsFixtures builds the programs of testdata/signals/ once.
var signalsFixtures struct {
	sync.Mutex
	built map[string]string
	errs  map[string]error
}

// signalsFixture returns the path of testdata/signals/NAME.c, built with
// gcc (flags added), or skips without gcc.
func signalsFixture(t *testing.T, name string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	f := &signalsFixtures
	f.Lock()
	defer f.Unlock()
	if f.built == nil {
		f.built, f.errs = map[string]string{}, map[string]error{}
	}
	if _, done := f.built[name]; !done {
		out := filepath.Join(buildDir, "signals-"+name)
		args := append(append([]string{"-O2", "-Wall"}, flags...), "-o", out, filepath.Join("..", "testdata", "signals", name+".c"))
		if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			f.errs[name] = fmt.Errorf("gcc %s: %v\n%s", strings.Join(args, " "), err, b)
		} else {
			_ = os.Chmod(out, buildDirMode)
		}
		f.built[name] = out
	}
	if err := f.errs[name]; err != nil {
		t.Fatal(err)
	}
	return f.built[name]
}

// way is one way of running a program: untraced, or under a tracer.
type way struct {
	name  string
	argv  func(t *testing.T, dir string) []string // the tracer's argv before the program; nil: untraced
	strac bool
}

func wtWay(name string, flags ...string) way {
	return way{name: name, argv: func(t *testing.T, dir string) []string {
		bin := tracer{"waittrace", "", nil}.use(t)
		return append([]string{bin}, expand(flags, dir)...)
	}}
}

// expand puts dir into the flags that name a file there.
func expand(flags []string, dir string) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = strings.ReplaceAll(f, "DIR", dir)
	}
	return out
}

var (
	untraced  = way{name: "untraced"}
	straceWay = way{name: "strace", strac: true, argv: func(t *testing.T, dir string) []string {
		return []string{tracer{"strace", stracePath, nil}.use(t), "-o", filepath.Join(dir, "trace.out")}
	}}
	wtToFile   = wtWay("waittrace-o", "-o", "DIR/trace.out")
	wtToStderr = wtWay("waittrace-stderr")
	wtFollow   = wtWay("waittrace-f", "-f", "-o", "DIR/trace.out")
	wtFollowNo = wtWay("waittrace-f-nobpf", "-f", "--seccomp-bpf=false", "-o", "DIR/trace.out")
)

// noFollowWays are the ways without -f: the program's descendants must be
// untouched.
var noFollowWays = []way{untraced, straceWay, wtToFile, wtToStderr}

// run runs argv the way w says, in dir, and returns its exit status, its
// stdout and its stderr.
func (w way) run(t *testing.T, dir string, argv ...string) (syscall.WaitStatus, string, string) {
	t.Helper()
	if w.argv != nil {
		argv = append(w.argv(t, dir), argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
	// Files, not pipes: a background child the program leaves behind
	// would hold a pipe open, and the wait for it is not the program's.
	stdout, stderr := createFile(t, filepath.Join(dir, "stdout")), createFile(t, filepath.Join(dir, "stderr"))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	_ = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out\nstderr:\n%s", strings.Join(argv, " "), readLog(stderr.Name()))
	}
	return cmd.ProcessState.Sys().(syscall.WaitStatus), readLog(stdout.Name()), readLog(stderr.Name())
}

// TestTransparentTraceme: a child of the traced program can use
// PTRACE_TRACEME (its parent debugs it), as untraced.
func TestTransparentTraceme(t *testing.T) {
	prog := signalsFixture(t, "traceme")
	for _, w := range noFollowWays {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			ws, out, errs := w.run(t, workDir(t), prog)
			if !ws.Exited() || ws.ExitStatus() != 0 {
				t.Errorf("traceme ended %#x: %s%s", int(ws), out, errs)
			}
		})
	}
}

// TestTransparentTracerPid: the program's grandchild sees no tracer in
// /proc/self/status.
func TestTransparentTracerPid(t *testing.T) {
	prog := signalsFixture(t, "tracerpid")
	for _, w := range noFollowWays {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			ws, out, errs := w.run(t, workDir(t), prog)
			if !ws.Exited() || ws.ExitStatus() != 0 || !strings.Contains(out, "grandchild=0") {
				t.Errorf("tracerpid ended %#x: %s%s", int(ws), out, errs)
			}
		})
	}
}

// TestTransparentNestedTracers: a debugger, strace and LeakSanitizer work
// in the traced program's children.
func TestTransparentNestedTracers(t *testing.T) {
	t.Run("strace", func(t *testing.T) {
		if _, err := os.Stat(stracePath); err != nil {
			t.Skipf("strace not installed at %s", stracePath)
		}
		for _, w := range noFollowWays {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				ws, out, errs := w.run(t, workDir(t), "/bin/sh", "-c", stracePath+" -o /dev/null /bin/true")
				if !ws.Exited() || ws.ExitStatus() != 0 {
					t.Errorf("strace as a descendant ended %#x: %s%s", int(ws), out, errs)
				}
			})
		}
	})
	t.Run("gdb", func(t *testing.T) {
		gdb, err := exec.LookPath("gdb")
		if err != nil {
			t.Skip("gdb not installed")
		}
		for _, w := range noFollowWays {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				ws, out, errs := w.run(t, workDir(t), "/bin/sh", "-c", gdb+" -nx -batch -ex run --args /bin/true 2>&1")
				if !ws.Exited() || ws.ExitStatus() != 0 || strings.Contains(out, "not permitted") || !strings.Contains(out, "exited normally") {
					t.Errorf("gdb as a descendant ended %#x: %s%s", int(ws), out, errs)
				}
			})
		}
	})
	t.Run("lsan", func(t *testing.T) {
		if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/libasan.so.8"); err != nil {
			t.Skip("libasan not installed (Debian package libasan8)")
		}
		prog := signalsFixture(t, "lsan", "-g", "-fsanitize=address")
		for _, w := range noFollowWays {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				ws, out, errs := w.run(t, workDir(t), prog, "-c")
				if !ws.Exited() || ws.ExitStatus() != 0 || !strings.Contains(out, "lsan: report") {
					t.Errorf("LeakSanitizer's report lost: exit %#x: %s%s", int(ws), out, errs)
				}
			})
		}
	})
}

// TestTransparentReturn: "waittrace CMD" returns when CMD does, not when
// the background child CMD leaves behind does.
func TestTransparentReturn(t *testing.T) {
	for _, w := range noFollowWays {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			ws, out, errs := w.run(t, workDir(t), "/bin/sh", "-c", "sleep 5 & exit 3")
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("returned after %v; the command returned at once", d.Round(time.Millisecond))
			}
			if !ws.Exited() || ws.ExitStatus() != 3 {
				t.Errorf("ended %#x, want exit 3: %s%s", int(ws), out, errs)
			}
		})
	}
}

// TestTransparentFds: the program starts with the descriptors it would
// have untraced, and no others: with the standard ones given, and with
// all three closed.
func TestTransparentFds(t *testing.T) {
	prog := signalsFixture(t, "fds")
	// What the program gets untraced (this test's own environment may pass
	// on more than 0, 1 and 2).
	openSet := func(t *testing.T, w way, closeStd bool) string {
		t.Helper()
		dir := workDir(t)
		report := filepath.Join(dir, "fds.out")
		argv := []string{prog, "-x", "", "-o", report}
		if w.argv != nil {
			argv = append(w.argv(t, dir), argv...)
		}
		script := `"$@"`
		if closeStd {
			script = `"$@" <&- >&- 2>&-`
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append([]string{"/bin/sh", "-c", script, "sh"}, argv...)...)
		if b, err := cmd.CombinedOutput(); err != nil && !strings.Contains(err.Error(), "exit status 1") {
			t.Fatalf("%v: %s", err, b)
		}
		b, _ := os.ReadFile(report)
		for _, line := range strings.Split(string(b), "\n") {
			if set, ok := strings.CutPrefix(line, "open="); ok {
				set, _, _ = strings.Cut(set, " ")
				return set
			}
		}
		t.Fatalf("no open= line from the program:\n%s", b)
		return ""
	}
	for _, closeStd := range []bool{false, true} {
		name := "given"
		if closeStd {
			name = "closed"
		}
		t.Run(name, func(t *testing.T) {
			want := openSet(t, untraced, closeStd)
			for _, w := range []way{straceWay, wtToFile, wtFollow, wtFollowNo} {
				t.Run(w.name, func(t *testing.T) {
					t.Parallel()
					if got := openSet(t, w, closeStd); got != want {
						t.Errorf("the program starts with descriptors %s; untraced %s", got, want)
					}
				})
			}
		})
	}
}

// sigcountRun is the sigcount fixture started in a session of its own,
// under a tracer or not, waiting to be signalled.
type sigcountRun struct {
	cmd    *exec.Cmd
	pgid   int
	result string
	done   chan struct{}
	stderr bytes.Buffer
}

// startSigcount starts sigcount, with args, the way w says, as the leader
// of a new session (as a shell's job would be a group), and waits until
// its handlers are in place.
func startSigcount(t *testing.T, w way, dir string, args ...string) *sigcountRun {
	t.Helper()
	prog := signalsFixture(t, "sigcount")
	ready, result := filepath.Join(dir, "ready"), filepath.Join(dir, "result")
	argv := append([]string{prog, "-r", ready, "-o", result}, args...)
	if w.argv != nil {
		argv = append(w.argv(t, dir), argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	t.Cleanup(cancel)
	r := &sigcountRun{result: result, done: make(chan struct{})}
	r.cmd = command(t, ctx, &syscall.SysProcAttr{Setsid: true}, dir, nil, argv...)
	r.cmd.Stderr = &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { _ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL); <-r.done })
	if !waitFor(10*time.Second, func() bool { _, err := os.Stat(ready); return err == nil }) {
		t.Fatalf("sigcount never got ready\nstderr:\n%s", r.stderr.Bytes())
	}
	r.pgid = r.cmd.Process.Pid
	return r
}

// finish waits for the run to end and returns sigcount's line and the
// exit status of what was started (the tracer, or sigcount).
func (r *sigcountRun) finish(t *testing.T) (string, syscall.WaitStatus) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("did not end\nstderr:\n%s", r.stderr.Bytes())
	}
	line, _ := os.ReadFile(r.result)
	return strings.TrimSpace(string(line)), r.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

var terminalSignals = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// TestTransparentGroupSignals: a signal sent to the program's process
// group, as a terminal sends Ctrl-C, reaches it once, with no SIGCONT,
// whatever the tracer does with its own copy; and the tracer ends with
// the program's status.
func TestTransparentGroupSignals(t *testing.T) {
	for _, w := range []way{untraced, straceWay, wtToFile, wtToStderr, wtFollow, wtFollowNo} {
		for _, sig := range terminalSignals {
			name := strings.TrimPrefix(sigName(sig), "SIG")
			t.Run(w.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				r := startSigcount(t, w, workDir(t), "-n", "1", "-g", "300", "-e", "7", "-x", name+"=1,CONT=0")
				if err := syscall.Kill(-r.pgid, sig); err != nil {
					t.Fatal(err)
				}
				line, ws := r.finish(t)
				if strings.Contains(line, "MISMATCH") || !strings.Contains(line, name+"=1 ") || !strings.Contains(line, "CONT=0") {
					t.Errorf("the program saw %q; want %s=1 and CONT=0\nstderr:\n%s", line, name, r.stderr.Bytes())
				}
				if !ws.Exited() || ws.ExitStatus() != 7 {
					t.Errorf("ended %#x; want exit 7, the program's\nstderr:\n%s", int(ws), r.stderr.Bytes())
				}
			})
		}
	}
}

// TestTransparentDirectSignals: a signal sent to waittrace's pid alone
// would, untraced, have been sent to the program (whose pid waittrace
// holds): it reaches the program once, from waittrace, with no SIGCONT.
// (strace blocks such a signal with -o FILE, or kills and detaches: not
// what an untraced run sees, so it is no oracle here; the untraced run
// signals the program itself.) INT then TERM close together reach it in
// that order, and the trace still ends.
func TestTransparentDirectSignals(t *testing.T) {
	for _, w := range []way{untraced, wtToFile, wtToStderr, wtFollow, wtFollowNo} {
		for _, sig := range terminalSignals {
			name := strings.TrimPrefix(sigName(sig), "SIG")
			t.Run(w.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				r := startSigcount(t, w, workDir(t), "-n", "1", "-g", "300", "-e", "7", "-x", name+"=1,CONT=0")
				if err := r.cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				line, ws := r.finish(t)
				if strings.Contains(line, "MISMATCH") || !strings.Contains(line, name+"=1 ") {
					t.Errorf("the program saw %q; want %s=1 and CONT=0\nstderr:\n%s", line, name, r.stderr.Bytes())
				}
				if !ws.Exited() || ws.ExitStatus() != 7 {
					t.Errorf("ended %#x; want exit 7, the program's\nstderr:\n%s", int(ws), r.stderr.Bytes())
				}
			})
		}
		t.Run(w.name+"/INT+TERM", func(t *testing.T) {
			t.Parallel()
			r := startSigcount(t, w, workDir(t), "-n", "2", "-g", "300", "-e", "7", "-x", "INT=1,TERM=1,CONT=0")
			_ = r.cmd.Process.Signal(syscall.SIGINT)
			_ = r.cmd.Process.Signal(syscall.SIGTERM)
			line, ws := r.finish(t)
			if strings.Contains(line, "MISMATCH") || !strings.Contains(line, "senders=INT:") {
				t.Errorf("the program saw %q; want INT, then TERM, once each\nstderr:\n%s", line, r.stderr.Bytes())
			}
			if !ws.Exited() || ws.ExitStatus() != 7 {
				t.Errorf("ended %#x; want exit 7, the program's\nstderr:\n%s", int(ws), r.stderr.Bytes())
			}
		})
	}
}

// TestTransparentTimeout: timeout(1) signals its child, waittrace, and
// then its whole process group, with SIGCONT after: a group-stopped
// command dies of the SIGTERM as it does untraced, and waittrace with it,
// promptly; nothing is left behind. Repeated, for the races.
func TestTransparentTimeout(t *testing.T) {
	to, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("timeout(1) not installed")
	}
	for _, w := range []way{untraced, wtToFile, wtToStderr, wtFollow} {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			for i := 0; i < 5; i++ {
				dir := workDir(t)
				start := time.Now()
				ws, out, errs := w.runUnder(t, dir, []string{to, "0.5"}, "/bin/sh", "-c", "echo $$ > pid; kill -STOP $$; exit 5")
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("timeout took %v to end it", d.Round(time.Millisecond))
				}
				if !ws.Exited() || ws.ExitStatus() != 124 {
					t.Errorf("timeout ended %#x, want 124 (timed out)\n%s%s", int(ws), out, errs)
				}
				b, _ := os.ReadFile(filepath.Join(dir, "pid"))
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && !waitFor(2*time.Second, func() bool { return gone(pid) }) {
					st, tp, _ := procState(pid)
					t.Errorf("the command %d is left behind: state %s, TracerPid %s", pid, st, tp)
				}
			}
		})
	}
}

// runUnder runs wrapper ARGS... TRACER... argv: the way w says, itself run
// by a wrapper such as timeout(1).
func (w way) runUnder(t *testing.T, dir string, wrapper []string, argv ...string) (syscall.WaitStatus, string, string) {
	t.Helper()
	if w.argv != nil {
		argv = append(w.argv(t, dir), argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append(wrapper, argv...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("timed out\nstderr:\n%s", stderr.Bytes())
	}
	return cmd.ProcessState.Sys().(syscall.WaitStatus), stdout.String(), stderr.String()
}

// TestTransparentDetachSignals: waittrace -p PID, then SIGINT and SIGTERM
// together: it detaches, ends, and leaves the process untraced and
// running, every time.
func TestTransparentDetachSignals(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	for i := 0; i < 10; i++ {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			dir := workDir(t)
			fix, logFile := startHard(t, dir, "block")
			pid := fix.Process.Pid
			waitNote(t, logFile, "child")
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-p", strconv.Itoa(pid), "-o", filepath.Join(dir, "trace.out"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if !waitFor(10*time.Second, func() bool { _, tp, _ := procState(pid); return tp != "0" && tp != "" }) {
				t.Fatalf("never attached\n%s", stderr.Bytes())
			}
			_ = cmd.Process.Signal(syscall.SIGINT)
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("waittrace did not end after SIGINT and SIGTERM\n%s", stderr.Bytes())
			}
			notStopped(t, pid, "S")
			finishBlock(t, logFile)
		})
	}
}

// TestAttachErrorAtOnce: of two -p, the bad one is reported as soon as it
// fails, while the good one is traced.
func TestAttachErrorAtOnce(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	dir := workDir(t)
	fix, logFile := startHard(t, dir, "block")
	waitNote(t, logFile, "child")
	stderrFile := filepath.Join(dir, "stderr")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-p", strconv.Itoa(fix.Process.Pid), "-p", strconv.Itoa(unusedPID(t)), "-o", filepath.Join(dir, "trace.out"))
	cmd.Stderr = createFile(t, stderrFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return strings.Contains(readLog(stderrFile), "no such process") }) {
		t.Errorf("the bad pid was not reported while tracing:\n%s", readLog(stderrFile))
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	finishBlock(t, logFile)
}

// sigName is a signal's name, as strace prints it.
func sigName(sig syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT"}[sig]
}

// TestTransparentIgnoredSignals: SIGHUP and SIGINT ignored by whoever
// starts waittrace (nohup, a shell's background job) are still ignored in
// the command, as untraced. (Go's runtime cannot tell waittrace that
// SIGQUIT, SIGTERM or SIGPIPE were ignored: see the README's limits.)
func TestTransparentIgnoredSignals(t *testing.T) {
	sigIgn := func(t *testing.T, w way) string {
		t.Helper()
		dir := workDir(t)
		var prefix string
		if w.argv != nil {
			prefix = `"$@" `
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		script := `trap "" HUP INT; exec ` + prefix + `/bin/sh -c 'grep SigIgn /proc/self/status'`
		var argv []string
		if w.argv != nil {
			argv = w.argv(t, dir)
		}
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, append([]string{"/bin/sh", "-c", script, "sh"}, argv...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	want := sigIgn(t, untraced)
	for _, w := range []way{straceWay, wtToFile, wtFollow} {
		t.Run(w.name, func(t *testing.T) {
			if got := sigIgn(t, w); got != want {
				t.Errorf("the command's ignored signals: %s; untraced %s", got, want)
			}
		})
	}
}
