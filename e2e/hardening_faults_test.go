//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fixturePid returns the pid that logged the first "note WHAT".
func fixturePid(t *testing.T, logFile, what string) int {
	t.Helper()
	waitNote(t, logFile, what)
	for _, l := range strings.Split(readLog(logFile), "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[1] == "note" && f[2] == what {
			pid, _ := strconv.Atoi(f[0])
			return pid
		}
	}
	t.Fatalf("no note %q", what)
	return 0
}

// gone reports whether pid has exited (gone, or a zombie nobody reaped yet).
func gone(pid int) bool {
	st, _, err := procState(pid)
	return err != nil || st == "Z" || st == "X"
}

// finishBlock ends a "block" fixture by killing its paused child with
// SIGTERM, and checks that its one wait4 call returned that child, its
// status intact: no EINTR, no call lost or doubled by the tracing.
func finishBlock(t *testing.T, logFile string) {
	t.Helper()
	child := waitNote(t, logFile, "child")
	if err := syscall.Kill(child, syscall.SIGTERM); err != nil {
		t.Fatalf("kill the fixture's child %d: %v", child, err)
	}
	status := waitNote(t, logFile, "status")
	if ws := syscall.WaitStatus(status); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("the fixture's wait4 got status %#x; want killed by SIGTERM", status)
	}
	calls := logCalls(readLog(logFile))
	if len(calls) != 1 || !strings.HasSuffix(calls[0], " wait4 "+strconv.Itoa(child)) {
		t.Errorf("the fixture made calls %q; want one wait4 returning %d", calls, child)
	}
}

// TestHardTracerKilled: waittrace dies of SIGKILL. A command it launched
// runs on, untraced and not stopped, its blocked wait4 intact (as under
// strace), with the children it follows; unless it carries the seccomp
// filter (-f), or --kill-on-exit asks: then it dies with waittrace
// (PTRACE_O_EXITKILL), with its followed children. A process it attached to
// runs on, untraced and not stopped, its blocked wait4 intact.
func TestHardTracerKilled(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	for _, tc := range []struct {
		flags          []string
		killed, follow bool
	}{
		{nil, false, false},
		{[]string{"-f", "--seccomp-bpf=false"}, false, true},
		{[]string{"-f"}, true, true},
		{[]string{"--kill-on-exit"}, true, false},
		{[]string{"-f", "--seccomp-bpf=false", "--kill-on-exit"}, true, true},
	} {
		t.Run("launched"+strings.Join(tc.flags, ""), func(t *testing.T) {
			t.Parallel()
			fix := hardFixture(t)
			dir := workDir(t)
			logFile := filepath.Join(dir, "calls.log")
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			argv := append(append([]string{bin, "-o", filepath.Join(dir, "trace.out")}, tc.flags...), fix, logFile, "block")
			cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()
			pid := fixturePid(t, logFile, "child")
			child := waitNote(t, logFile, "child")
			time.Sleep(50 * time.Millisecond) // let it block in wait4
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if !tc.killed {
				// Untraced now, and as it was: blocked in its wait4, whose
				// result is intact.
				notStopped(t, pid, "S")
				notStopped(t, child, "S")
				finishBlock(t, logFile)
				return
			}
			if !waitFor(5*time.Second, func() bool { return gone(pid) }) {
				st, tp, _ := procState(pid)
				t.Errorf("the launched command %d outlived the killed tracer (state %s, TracerPid %s)", pid, st, tp)
			}
			// Its child is traced (and killed) only when it is followed.
			if tc.follow && !waitFor(5*time.Second, func() bool { return gone(child) }) {
				t.Errorf("the followed child %d outlived the killed tracer", child)
			}
			if !tc.follow {
				notStopped(t, child, "S")
			}
		})
	}
	t.Run("attached", func(t *testing.T) {
		t.Parallel()
		dir := workDir(t)
		fix, logFile := startHard(t, dir, "block")
		pid := fix.Process.Pid
		waitNote(t, logFile, "child")
		stderrFile := filepath.Join(dir, "stderr")
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-f", "-p", strconv.Itoa(pid), "-o", filepath.Join(dir, "trace.out"))
		cmd.Stderr = createFile(t, stderrFile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !waitFor(10*time.Second, func() bool { _, tp, _ := procState(pid); return tp != "0" && tp != "" }) {
			t.Fatalf("waittrace never attached\n%s", readLog(stderrFile))
		}
		time.Sleep(100 * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		notStopped(t, pid, "S")
		finishBlock(t, logFile)
	})
}

func createFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestHardDetachSignals: SIGINT, SIGTERM and SIGHUP make waittrace
// detach from every attached process and leave each exactly as it was: one
// blocked in wait4 (the call goes on, and returns what it would have),
// one in a group-stop since before the attach, one in a
// signal-delivery-stop of SIGUSR1 and one in that of SIGSTOP when the
// detach begins (the signals are delivered after it, not lost). To have
// those stops pending at the detach for sure, the trace goes to a FIFO
// that the test stops reading, so that waittrace blocks in a write while a
// busy fifth process fills it.
func TestHardDetachSignals(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(unix.SignalName(sig), func(t *testing.T) {
			t.Parallel()
			testDetachSignal(t, bin, sig)
		})
	}
}

func testDetachSignal(t *testing.T, bin string, sig syscall.Signal) {
	dir := workDir(t)
	type proc struct {
		name string
		pid  int
		log  string
	}
	var procs []*proc
	for _, name := range []string{"in-wait4", "group-stopped", "usr1", "sigstop"} {
		mode, note := "block", "child"
		if name == "usr1" || name == "sigstop" {
			// In no system call: a signal stops it at its delivery at once.
			mode, note = "spin", "ready"
		}
		cmd, logFile := startHard(t, dir, mode)
		waitNote(t, logFile, note)
		procs = append(procs, &proc{name, cmd.Process.Pid, logFile})
	}
	inWait, grouped, usr1, sigstop := procs[0], procs[1], procs[2], procs[3]
	_ = syscall.Kill(grouped.pid, syscall.SIGSTOP)
	if !waitFor(5*time.Second, func() bool { st, _, _ := procState(grouped.pid); return st == "T" }) {
		t.Fatal("SIGSTOP did not stop the fixture")
	}
	goFile := filepath.Join(dir, "go")
	busy, busyLog := startHard(t, dir, "attach-go", "1000000", goFile)
	waitNote(t, busyLog, "ready")

	fifo := filepath.Join(dir, "trace.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Open the reading end first (non-blocking), one page of buffer.
	rfd, err := unix.Open(fifo, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(rfd)
	_, _ = unix.FcntlInt(uintptr(rfd), unix.F_SETPIPE_SZ, 4096)

	stderrFile := filepath.Join(dir, "stderr")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	argv := []string{bin, "-f", "-o", fifo}
	for _, p := range append(procs, &proc{"busy", busy.Process.Pid, busyLog}) {
		argv = append(argv, "-p", strconv.Itoa(p.pid))
	}
	// waittrace honours a SIGPIPE ignored by its parent (as this process
	// may have it, from the tests that call run()): start it with the
	// default disposition, through the fixture.
	argv = append([]string{hardFixture(t), filepath.Join(dir, "unused.log"), "exec-dfl"}, argv...)
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
	cmd.Stderr = createFile(t, stderrFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() { _ = cmd.Process.Kill(); <-done }()
	if !waitFor(10*time.Second, func() bool { return strings.Count(readLog(stderrFile), " attached") == 5 }) {
		t.Fatalf("waittrace did not attach to all five:\n%s", readLog(stderrFile))
	}
	// Let the busy one fill the FIFO: waittrace then blocks writing.
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pending := func() int { n, _ := unix.IoctlGetInt(rfd, unix.TIOCINQ); return n }
	full := func() bool {
		n := pending()
		time.Sleep(100 * time.Millisecond)
		return n > 3000 && pending() == n
	}
	if !waitFor(10*time.Second, full) {
		t.Fatalf("the trace never filled the FIFO (%d bytes)", pending())
	}
	_ = syscall.Kill(usr1.pid, syscall.SIGUSR1)
	_ = syscall.Kill(sigstop.pid, syscall.SIGSTOP)
	for _, p := range []*proc{usr1, sigstop} {
		// "t": stopped by the tracer, at the signal's delivery.
		if !waitFor(5*time.Second, func() bool { st, _, _ := procState(p.pid); return st == "t" }) {
			st, _, _ := procState(p.pid)
			t.Fatalf("%s: state %s, not in a signal-delivery-stop", p.name, st)
		}
	}
	_ = cmd.Process.Signal(sig)
	time.Sleep(100 * time.Millisecond) // for waittrace to take note of it
	// Read the trace to its end, letting waittrace go on.
	var trace []byte
	buf := make([]byte, 1<<16)
	for {
		n, err := unix.Read(rfd, buf)
		if n > 0 {
			trace = append(trace, buf[:n]...)
			continue
		}
		if n == 0 || (err != nil && err != unix.EAGAIN) {
			break // EOF: waittrace closed it
		}
		select {
		case <-done:
		case <-time.After(5 * time.Millisecond):
			continue
		}
		break
	}
	select {
	case <-done:
	case <-time.After(runTimeout):
		t.Fatalf("waittrace did not exit after %v", sig)
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("waittrace ended with %v; want exit 0\nstderr:\n%s", cmd.ProcessState, readLog(stderrFile))
	}
	stderr := readLog(stderrFile)
	for _, p := range procs {
		if !strings.Contains(stderr, fmt.Sprintf("Process %d detached", p.pid)) {
			t.Errorf("%s: no \"Process %d detached\" in stderr:\n%s", p.name, p.pid, stderr)
		}
	}
	notStopped(t, inWait.pid, "S")
	notStopped(t, grouped.pid, "T")
	notStopped(t, sigstop.pid, "T") // its SIGSTOP, pending at the detach, delivered
	notStopped(t, usr1.pid, "R")
	if !waitFor(5*time.Second, func() bool { return len(logNotes(readLog(usr1.log), "usr1")) == 1 }) {
		t.Errorf("the SIGUSR1 pending at the detach was not delivered once: %d times", len(logNotes(readLog(usr1.log), "usr1")))
	}
	_ = syscall.Kill(grouped.pid, syscall.SIGCONT)
	for _, p := range []*proc{inWait, grouped} {
		t.Run(p.name, func(t *testing.T) { finishBlock(t, p.log) })
	}
	// The two signals were pending at the detach, not yet reported.
	for _, p := range []*proc{usr1, sigstop} {
		if regexp.MustCompile(fmt.Sprintf(`(?m)^%d +--- SIG`, p.pid)).Match(trace) {
			t.Errorf("%s: its signal was handled before the detach began: nothing tested\n%s", p.name, trace)
		}
	}
}

// TestHardDetachVfork: Ctrl-C while a traced parent waits, uninterruptibly,
// for its vfork child (which sleeps 4 s instead of exec'ing): waittrace must
// detach without a deadlock (strace's old bug: it waited for the parent,
// which cannot stop before the child runs on) and without waiting for the
// child: an attached parent that cannot stop is left to the kernel's detach
// at waittrace's exit; its wait4 then reaps the child as usual.
func TestHardDetachVfork(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	for _, attach := range []bool{false, true} {
		name := "launched"
		if attach {
			name = "attached"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fix := hardFixture(t)
			dir := workDir(t)
			logFile := filepath.Join(dir, "calls.log")
			stderrFile := filepath.Join(dir, "stderr")
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			var cmd *exec.Cmd
			// The child holds its parent for 4 s.
			fixArgv := []string{fix, logFile, "vfork-hold", "4000"}
			if attach {
				f, l := startHard(t, dir, "vfork-hold", "4000")
				logFile = l
				pid := fixturePid(t, logFile, "ready")
				if !waitFor(5*time.Second, func() bool { st, _, _ := procState(pid); return st == "D" }) {
					t.Fatal("the fixture never entered vfork")
				}
				cmd = command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-f", "-o", filepath.Join(dir, "trace.out"), "-p", strconv.Itoa(f.Process.Pid))
			} else {
				// The filter would keep a launched tree traced to its end.
				cmd = command(t, ctx, asSelf.prepare(t), dir, nil, append([]string{bin, "-f", "--seccomp-bpf=false", "-o", filepath.Join(dir, "trace.out")}, fixArgv...)...)
			}
			cmd.Stderr = createFile(t, stderrFile)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-done }()
			pid := fixturePid(t, logFile, "ready")
			if !waitFor(5*time.Second, func() bool {
				st, tp, _ := procState(pid)
				return st == "D" && tp != "0" && tp != ""
			}) {
				t.Fatal("the traced fixture is not waiting for its vfork child")
			}
			time.Sleep(100 * time.Millisecond)
			// An attached parent is not waited for; a launched one (its
			// child detached first) is, until its child exits: given up
			// on, PTRACE_O_EXITKILL would kill it.
			limit := 2500 * time.Millisecond
			if !attach {
				limit = 7 * time.Second
			}
			start := time.Now()
			_ = cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-done:
			case <-time.After(limit):
				t.Fatalf("waittrace did not finish detaching within %v of SIGINT\nstderr:\n%s", limit, readLog(stderrFile))
			}
			t.Logf("detached in %v", time.Since(start).Round(time.Millisecond))
			// The parent ignores nothing: a launched one got the SIGINT
			// (as under strace), an attached one runs on and reaps.
			if attach {
				if st, tp, _ := procState(pid); tp != "0" {
					t.Errorf("the vfork parent is still traced after waittrace exited: state %s, TracerPid %s", st, tp)
				}
				if !waitFor(10*time.Second, func() bool { return len(logNotes(readLog(logFile), "done")) == 1 }) {
					t.Fatalf("the parent did not finish its wait4 after the detach:\n%s", readLog(logFile))
				}
				if calls := logCalls(readLog(logFile)); len(calls) != 2 || strings.HasSuffix(calls[0], " -1") == strings.HasSuffix(calls[1], " -1") {
					t.Errorf("want one wait4 reaping the child and one ECHILD: %q", calls)
				}
			} else if !waitFor(10*time.Second, func() bool { return gone(pid) }) {
				t.Errorf("the launched fixture %d did not end after the SIGINT passed on", pid)
			}
		})
	}
}
