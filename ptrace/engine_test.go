package ptrace

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests here run real processes under the engine; none runs in parallel,
// since the engine's wait4(-1) would collect other tests' children.

// one returns the only event that matches, failing the test otherwise.
func one(t *testing.T, r *recorder, what string, match func(rec) bool) rec {
	t.Helper()
	got := r.find(match)
	if len(got) != 1 {
		t.Fatalf("want exactly one %s event, got %d; events:\n%s", what, len(got), r.dump())
	}
	return got[0]
}

func indexOf(r *recorder, match func(rec) bool) int {
	for i, e := range r.events {
		if match(e) {
			return i
		}
	}
	return -1
}

// TestLaunchFollowShellWait: a launched shell that reaps a background child
// with wait4. The shell's wait4 is reported at entry and exit with the
// child's pid and the status the kernel stored, the child is followed, and
// both exits are reported and the launched one is the result.
func TestLaunchFollowShellWait(t *testing.T) { forModes(t, testLaunchFollowShellWait) }

func testLaunchFollowShellWait(t *testing.T, m mode) {
	var r recorder
	tr := New(m.options(Options{Follow: true, Trace: waitCalls}), r.handle)
	res := run(t, tr, Spec{Path: "/bin/sh", Argv: []string{"sh", "-c", "(exit 3) & wait $!; exit 5"}}, 20*time.Second)
	m.check(t, res)

	if !res.Launched || !res.Reaped || !res.Status.Exited() || res.Status.ExitStatus() != 5 {
		t.Fatalf("result: Launched=%v Reaped=%v Status=%#x; want a launched command reaped with exit status 5",
			res.Launched, res.Reaped, uint32(res.Status))
	}
	if res.Detached || len(res.AttachErrors) != 0 {
		t.Fatalf("result: Detached=%v AttachErrors=%v", res.Detached, res.AttachErrors)
	}
	sh := one(t, &r, "NewTracee(Launched)", func(e rec) bool { return e.Kind == NewTracee && e.Origin == Launched }).Tid
	child := one(t, &r, "NewTracee(Followed)", func(e rec) bool { return e.Kind == NewTracee && e.Origin == Followed }).Tid
	if child == sh {
		t.Fatalf("child and shell have the same tid %d", sh)
	}
	if r.events[0].Kind != NewTracee || r.events[0].Tid != sh {
		t.Errorf("first event is %v, want the shell's NewTracee", r.events[0])
	}

	// The wait4 that reaped the child: exactly one exit returns its pid.
	exit := one(t, &r, "wait4 exit returning the child", func(e rec) bool {
		return e.Kind == SyscallExit && e.Tid == sh && e.Nr == unix.SYS_WAIT4 && e.Rval == int64(child)
	})
	if exit.IsError || exit.Arch != nativeArch {
		t.Errorf("wait4 exit: %v arch %#x", exit, exit.Arch)
	}
	if !exit.HasWord {
		t.Fatalf("could not read the status word at %#x through Event.Mem", exit.Args[1])
	}
	if ws := unix.WaitStatus(exit.Word); !ws.Exited() || ws.ExitStatus() != 3 {
		t.Errorf("status word at %#x is %#x, want WIFEXITED with WEXITSTATUS 3", exit.Args[1], exit.Word)
	}
	// Its entry is the shell's previous syscall event, with the same args.
	ei := indexOf(&r, func(e rec) bool {
		return e.Kind == SyscallExit && e.Tid == sh && e.Nr == unix.SYS_WAIT4 && e.Rval == int64(child)
	})
	var entry *rec
	for i := ei - 1; i >= 0; i-- {
		if e := r.events[i]; e.Tid == sh && (e.Kind == SyscallEntry || e.Kind == SyscallExit) {
			entry = &r.events[i]
			break
		}
	}
	if entry == nil || entry.Kind != SyscallEntry || entry.Nr != unix.SYS_WAIT4 || entry.Args != exit.Args || entry.Arch != nativeArch {
		t.Errorf("the event before the wait4 exit is %v, want its entry with args %#x; events:\n%s", entry, exit.Args, r.dump())
	}
	// Every traced event is a wait call of the native personality.
	for _, e := range r.events {
		if (e.Kind == SyscallEntry || e.Kind == SyscallExit) && !waitCalls(e.Arch, e.Nr) {
			t.Errorf("untraced call reported: %v", e)
		}
	}

	ce := one(t, &r, "Exited(child)", func(e rec) bool { return (e.Kind == Exited || e.Kind == Killed) && e.Tid == child })
	if ce.Kind != Exited || ce.Status != 3 {
		t.Errorf("child: %v, want exited 3", ce)
	}
	se := one(t, &r, "Exited(shell)", func(e rec) bool { return (e.Kind == Exited || e.Kind == Killed) && e.Tid == sh })
	if se.Kind != Exited || se.Status != 5 {
		t.Errorf("shell: %v, want exited 5", se)
	}
	// A traced zombie is reaped by the tracer before its parent can: the
	// child's exit comes before the wait4 that returns it, and the shell's
	// exit last.
	if ci := indexOf(&r, func(e rec) bool { return e.Kind == Exited && e.Tid == child }); ci > ei {
		t.Errorf("child's exit reported after the wait4 that reaped it; events:\n%s", r.dump())
	}
	if last := r.events[len(r.events)-1]; last.Kind != Exited || last.Tid != sh {
		t.Errorf("last event %v, want the shell's exit", last)
	}
}

// callKey is what must not depend on how a syscall stop was read.
type callKey struct {
	Kind    Kind
	Arch    uint32
	Nr      uint64
	Pid     string // the pid argument (wait4's first, waitid's second), normalized
	Opts    uint64
	Rval    string // normalized: a child's pid becomes "child1", "child2"
	IsError bool
}

// waitSeq traces the waitseq fixture and returns its traced calls, with the
// children's pids replaced by their order of birth.
func waitSeq(t *testing.T, m mode, noInfo bool) ([]callKey, *Tracer) {
	t.Helper()
	path := fixture(t, "waitseq")
	var r recorder
	tr := New(m.options(Options{Follow: true, Trace: waitCalls, NoSyscallInfo: noInfo}), r.handle)
	res := run(t, tr, Spec{Path: path, Argv: []string{"waitseq"}}, 20*time.Second)
	m.check(t, res)
	if !res.Reaped || !res.Status.Exited() || res.Status.ExitStatus() != 0 {
		t.Fatalf("NoSyscallInfo=%v: fixture status %#x, want exit 0 (it checks its own wait calls); events:\n%s",
			noInfo, uint32(res.Status), r.dump())
	}
	parent := one(t, &r, "NewTracee(Launched)", func(e rec) bool { return e.Kind == NewTracee && e.Origin == Launched }).Tid
	names := map[int64]string{}
	for _, e := range r.find(func(e rec) bool { return e.Kind == NewTracee && e.Origin == Followed }) {
		names[int64(e.Tid)] = "child" + strconv.Itoa(len(names)+1)
	}
	if len(names) != 2 {
		t.Fatalf("NoSyscallInfo=%v: %d children followed, want 2; events:\n%s", noInfo, len(names), r.dump())
	}
	norm := func(v int64) string {
		if n, ok := names[v]; ok {
			return n
		}
		return strconv.FormatInt(v, 10)
	}
	var keys []callKey
	for _, e := range r.events {
		if e.Kind != SyscallEntry && e.Kind != SyscallExit {
			continue
		}
		if e.Tid != parent {
			t.Errorf("NoSyscallInfo=%v: traced call from %d, not the parent %d: %v", noInfo, e.Tid, parent, e)
		}
		k := callKey{Kind: e.Kind, Arch: e.Arch, Nr: e.Nr, IsError: e.IsError}
		switch e.Nr {
		case unix.SYS_WAIT4:
			k.Pid, k.Opts = norm(int64(int32(e.Args[0]))), e.Args[2]
		case unix.SYS_WAITID:
			k.Pid, k.Opts = fmt.Sprintf("%d:%s", e.Args[0], norm(int64(int32(e.Args[1])))), e.Args[3]
		}
		if e.Kind == SyscallExit {
			k.Rval = norm(e.Rval)
		}
		keys = append(keys, k)
	}
	return keys, tr
}

// TestRegisterFallbackMatchesSyscallInfo: the register fallback
// (NoSyscallInfo) reports the same calls, arguments, return values and error
// flags as PTRACE_GET_SYSCALL_INFO, on a fixture whose wait calls do not
// depend on timing: wait4 of a child, waitid of another, and a wait4 that
// fails with ECHILD.
func TestRegisterFallbackMatchesSyscallInfo(t *testing.T) {
	forModes(t, testRegisterFallbackMatchesSyscallInfo)
}

func testRegisterFallbackMatchesSyscallInfo(t *testing.T, m mode) {
	withInfo, tr := waitSeq(t, m, false)
	if tr.noInfo {
		t.Log("PTRACE_GET_SYSCALL_INFO is unavailable here: both runs read registers")
	}
	withRegs, tr2 := waitSeq(t, m, true)
	if !tr2.noInfo {
		t.Fatal("NoSyscallInfo run did not use the register fallback")
	}
	w4, wid := uint64(unix.SYS_WAIT4), uint64(unix.SYS_WAITID)
	entry := func(nr uint64, pid string, opts uint64) callKey {
		return callKey{Kind: SyscallEntry, Arch: nativeArch, Nr: nr, Pid: pid, Opts: opts}
	}
	exit := func(nr uint64, pid string, opts uint64, rval string, isErr bool) callKey {
		return callKey{Kind: SyscallExit, Arch: nativeArch, Nr: nr, Pid: pid, Opts: opts, Rval: rval, IsError: isErr}
	}
	pidWaitid := fmt.Sprintf("%d:child2", unix.P_PID)
	want := []callKey{
		entry(w4, "child1", 0),
		exit(w4, "child1", 0, "child1", false),
		entry(wid, pidWaitid, unix.WEXITED),
		exit(wid, pidWaitid, unix.WEXITED, "0", false),
		entry(w4, "-1", 0),
		exit(w4, "-1", 0, strconv.Itoa(-int(unix.ECHILD)), true),
	}
	if !reflect.DeepEqual(withInfo, want) {
		t.Errorf("with PTRACE_GET_SYSCALL_INFO:\n got %+v\nwant %+v", withInfo, want)
	}
	if !reflect.DeepEqual(withRegs, withInfo) {
		t.Errorf("register fallback differs from PTRACE_GET_SYSCALL_INFO:\nregs %+v\ninfo %+v", withRegs, withInfo)
	}
}

// TestGroupStopTransparent: a followed child stopped by SIGSTOP is reported
// as a GroupStop and left in the group-stop, so that its real parent's
// waitpid(WUNTRACED) sees it stopped and, after SIGCONT, its
// waitpid(WCONTINUED) sees it continued; and it does run again (it handles
// a SIGUSR1 and exits 42: a child left stopped would hang the trace).
func TestGroupStopTransparent(t *testing.T) { forModes(t, testGroupStopTransparent) }

func testGroupStopTransparent(t *testing.T, m mode) {
	path := fixture(t, "stopfix")
	// The fixture checks what its own waitpid calls return; untraced, it
	// must succeed.
	if out, err := exec.Command(path).CombinedOutput(); err != nil {
		t.Fatalf("fixture fails untraced: %v %s", err, out)
	}

	var r recorder
	tr := New(m.options(Options{Follow: true, Trace: waitCalls}), r.handle)
	res := run(t, tr, Spec{Path: path, Argv: []string{"stopfix"}}, 20*time.Second)
	m.check(t, res)
	if !res.Reaped || !res.Status.Exited() || res.Status.ExitStatus() != 0 {
		t.Fatalf("fixture status %#x under the tracer, want exit 0 (see stopfix.c for the codes); events:\n%s",
			uint32(res.Status), r.dump())
	}
	parent := one(t, &r, "NewTracee(Launched)", func(e rec) bool { return e.Kind == NewTracee && e.Origin == Launched }).Tid
	child := one(t, &r, "NewTracee(Followed)", func(e rec) bool { return e.Kind == NewTracee && e.Origin == Followed }).Tid

	gs := one(t, &r, "GroupStop(child)", func(e rec) bool { return e.Kind == GroupStop && e.Tid == child })
	if gs.Sig != int(unix.SIGSTOP) {
		t.Errorf("group-stop by signal %d, want SIGSTOP", gs.Sig)
	}
	if n := r.find(func(e rec) bool { return e.Kind == GroupStop && e.Tid != child }); len(n) != 0 {
		t.Errorf("unexpected group-stops: %v", n)
	}
	// The signals the child got, re-injected by the engine: SIGSTOP first,
	// then SIGUSR1 and, in either order or not at all, the SIGCONT queued
	// meanwhile (a pending SIGCONT is only dequeued if the child does not
	// exit first).
	var sigs []int
	for _, e := range r.find(func(e rec) bool { return e.Kind == Signal && e.Tid == child }) {
		sigs = append(sigs, e.Sig)
		if len(e.Siginfo) < 4 || int(int32(binary.NativeEndian.Uint32(e.Siginfo))) != e.Sig {
			t.Errorf("signal %d: siginfo %x does not start with its si_signo", e.Sig, e.Siginfo)
		}
	}
	if len(sigs) > 0 {
		rest := map[int]int{}
		for _, s := range sigs[1:] {
			rest[s]++
		}
		ok := sigs[0] == int(unix.SIGSTOP) && rest[int(unix.SIGUSR1)] == 1 && rest[int(unix.SIGCONT)] <= 1 && len(rest) <= 2
		if !ok {
			t.Errorf("child's signals %v, want SIGSTOP then SIGUSR1 and at most one SIGCONT", sigs)
		}
	} else {
		t.Errorf("no signal reported for the child")
	}
	if si, gi := indexOf(&r, func(e rec) bool { return e.Kind == Signal && e.Tid == child }),
		indexOf(&r, func(e rec) bool { return e.Kind == GroupStop }); si > gi {
		t.Errorf("group-stop reported before the SIGSTOP that caused it")
	}

	// The parent's wait4 calls that returned the child, and what they stored.
	var statuses []string
	for _, e := range r.find(func(e rec) bool {
		return e.Kind == SyscallExit && e.Tid == parent && e.Nr == unix.SYS_WAIT4 && e.Rval == int64(child)
	}) {
		if !e.HasWord {
			t.Fatalf("status of %v unreadable", e)
		}
		ws := unix.WaitStatus(e.Word)
		switch {
		case ws.Stopped():
			statuses = append(statuses, "stopped "+strconv.Itoa(int(ws.StopSignal())))
		case ws.Continued():
			statuses = append(statuses, "continued")
		case ws.Exited():
			statuses = append(statuses, "exited "+strconv.Itoa(ws.ExitStatus()))
		default:
			statuses = append(statuses, fmt.Sprintf("%#x", e.Word))
		}
	}
	want := []string{"stopped " + strconv.Itoa(int(unix.SIGSTOP)), "continued", "exited 42"}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("parent's wait4 statuses %q, want %q; events:\n%s", statuses, want, r.dump())
	}
	ce := one(t, &r, "end of child", func(e rec) bool { return (e.Kind == Exited || e.Kind == Killed) && e.Tid == child })
	if ce.Kind != Exited || ce.Status != 42 {
		t.Errorf("child: %v, want exited 42 (from its SIGUSR1 handler)", ce)
	}
}

// TestAttachInterruptLeavesWaitIntact: a process blocked in wait4 on an
// untraced child is attached, its wait4 is seen, and Interrupt ends the
// trace: the process is detached, not stopped, still in its wait4, and
// that wait4 returns the child's status when the child exits later.
func TestAttachInterruptLeavesWaitIntact(t *testing.T) {
	path := fixture(t, "blockfix")
	hold, release, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer release.Close()
	cmd := exec.Command(path)
	cmd.ExtraFiles = []*os.File{hold}
	stdout, said, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	cmd.Stdout = said
	err = cmd.Start()
	hold.Close()
	said.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Wait only once the trace is over: our own waitid on a child we trace
	// would be given its ptrace-stops (the kernel treats the real parent's
	// thread group as the tracer), taking them from the engine.
	exited := make(chan error, 1)
	waiting, finished := false, false
	wait := func() error {
		if !waiting {
			waiting = true
			go func() { exited <- cmd.Wait() }()
		}
		select {
		case err := <-exited:
			finished = true
			return err
		case <-time.After(10 * time.Second):
			return errors.New("fixture still running after 10s")
		}
	}
	defer func() {
		if !finished {
			cmd.Process.Kill()
			wait()
		}
	}()
	pid := cmd.Process.Pid
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("fixture said %q, %v", line, err)
	}
	wait4nr := strconv.Itoa(unix.SYS_WAIT4)
	if !eventually(5*time.Second, func() bool { return procSyscall(pid) == wait4nr }) {
		t.Fatalf("fixture not blocked in wait4: /proc/%d/syscall says %q", pid, procSyscall(pid))
	}

	var r recorder
	seen := make(chan struct{}, 1)
	r.hook = func(ev *Event) {
		if ev.Kind == SyscallEntry && ev.Tid == pid && ev.Nr == unix.SYS_WAIT4 {
			select {
			case seen <- struct{}{}:
			default:
			}
		}
	}
	tr := New(Options{Follow: false, Trace: waitCalls}, r.handle)
	go func() {
		select {
		case <-seen:
		case <-time.After(5 * time.Second):
			// Interrupt anyway; the missing entry is reported below.
		}
		tr.Detach()
	}()
	res := run(t, tr, Spec{Pids: []int{pid}}, 20*time.Second)

	if res.Launched || !res.Detached || len(res.AttachErrors) != 0 {
		t.Errorf("result: Launched=%v Detached=%v AttachErrors=%v", res.Launched, res.Detached, res.AttachErrors)
	}
	nt := one(t, &r, "NewTracee", func(e rec) bool { return e.Kind == NewTracee })
	if nt.Tid != pid || nt.Origin != Attached || nt.Threads != 1 {
		t.Errorf("NewTracee %v, want pid %d attached with 1 thread", nt, pid)
	}
	// The wait4 interrupted by the attach is restarted, and seen at its entry.
	entries := r.find(func(e rec) bool { return e.Kind == SyscallEntry && e.Nr == unix.SYS_WAIT4 && e.Tid == pid })
	if len(entries) == 0 {
		t.Errorf("no wait4 entry seen after attaching; events:\n%s", r.dump())
	} else if c := int(int32(entries[0].Args[0])); c <= 0 {
		t.Errorf("wait4 entry for pid %d, want the fixture's child", c)
	}
	if n := r.find(func(e rec) bool { return e.Kind == SyscallExit }); len(n) != 0 {
		t.Errorf("wait4 returned while attached: %v", n)
	}
	one(t, &r, "Detached", func(e rec) bool { return e.Kind == Detached && e.Tid == pid })
	if last := r.events[len(r.events)-1]; last.Kind != Detached {
		t.Errorf("last event %v, want Detached", last)
	}

	// Detached, running (asleep in wait4), not stopped.
	if tp := procField(pid, "TracerPid:"); tp != "0" {
		t.Errorf("TracerPid of %d is %q after the trace, want 0", pid, tp)
	}
	if !eventually(2*time.Second, func() bool { s := procState(pid); return s != "T" && s != "t" && s != "" }) {
		t.Errorf("process %d left in state %q", pid, procState(pid))
	}
	if !eventually(2*time.Second, func() bool { return procSyscall(pid) == wait4nr }) {
		t.Errorf("process %d no longer blocked in wait4 after the detach: /proc/%d/syscall %q", pid, pid, procSyscall(pid))
	}

	// Let the child exit: the parent's wait4 must return it (exit 7).
	release.Close()
	err = wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		t.Errorf("fixture exited 0, want 7 (its child's status)")
	case errors.As(err, &ee):
		if c := ee.ExitCode(); c != 7 {
			t.Errorf("fixture exit code %d (%v), want 7: its wait4 did not return the child's status", c, ee)
		}
	default:
		t.Errorf("fixture: %v", err)
	}
}

// TestAttachErrors: attach failures are reported per pid, classified.
func TestAttachErrors(t *testing.T) {
	t.Run("NoProcess", func(t *testing.T) {
		// A pid that existed a moment ago and is now reaped.
		c := exec.Command("/bin/sh", "-c", "exit 0")
		if err := c.Run(); err != nil {
			t.Fatal(err)
		}
		pid := c.Process.Pid
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Skipf("pid %d was reused", pid)
		}
		for _, p := range []int{pid, 0, -1} {
			tr := New(Options{Trace: waitCalls}, func(ev *Event) { t.Errorf("event %v", ev.Kind) })
			res := run(t, tr, Spec{Pids: []int{p}}, 10*time.Second)
			if len(res.AttachErrors) != 1 {
				t.Fatalf("pid %d: AttachErrors %v, want one", p, res.AttachErrors)
			}
			err := res.AttachErrors[0]
			var ae *AttachError
			if !errors.As(err, &ae) || ae.Pid != p || !errors.Is(err, ErrNoProcess) || errors.Is(err, ErrPermission) {
				t.Errorf("pid %d: %#v (%v), want an AttachError for it wrapping ErrNoProcess", p, err, err)
			}
			if res.Launched || res.Detached {
				t.Errorf("pid %d: result %+v", p, res)
			}
		}
	})

	t.Run("AlreadyTraced", func(t *testing.T) {
		strace, err := exec.LookPath("strace")
		if err != nil {
			t.Skip("strace not installed")
		}
		cmd := exec.Command(strace, "-o", "/dev/null", "sleep", "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		spid := cmd.Process.Pid
		var victim int
		defer func() {
			if victim > 0 {
				unix.Kill(victim, unix.SIGKILL)
			}
			cmd.Process.Kill()
			cmd.Wait()
		}()
		// Strace's child, once it runs sleep traced by strace (strace also
		// forks short-lived children of its own to probe the kernel).
		ok := eventually(10*time.Second, func() bool {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", spid, spid))
			for _, f := range strings.Fields(string(b)) {
				pid, _ := strconv.Atoi(f)
				comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
				if strings.TrimSpace(string(comm)) == "sleep" && procField(pid, "TracerPid:") == strconv.Itoa(spid) {
					victim = pid
					return true
				}
			}
			return false
		})
		if !ok {
			t.Fatalf("strace (%d) never traced its child", spid)
		}
		tr := New(Options{Trace: waitCalls}, func(ev *Event) { t.Errorf("event %v", ev.Kind) })
		res := run(t, tr, Spec{Pids: []int{victim}}, 10*time.Second)
		if len(res.AttachErrors) != 1 {
			t.Fatalf("AttachErrors %v, want one", res.AttachErrors)
		}
		err = res.AttachErrors[0]
		var ae *AttachError
		if !errors.As(err, &ae) || ae.Pid != victim || !errors.Is(err, ErrPermission) {
			t.Fatalf("%#v (%v), want an AttachError for %d wrapping ErrPermission", err, err, victim)
		}
		want := fmt.Sprintf("already traced by process %d ", spid)
		if !strings.HasPrefix(ae.Reason, want) || !strings.Contains(ae.Reason, "strace") {
			t.Errorf("Reason %q, want %q and the tracer's name (strace)", ae.Reason, want)
		}
		if !strings.Contains(err.Error(), ae.Reason) {
			t.Errorf("Error() %q does not give the reason %q", err.Error(), ae.Reason)
		}
		// The failed attach left strace's tracee alone.
		if tp := procField(victim, "TracerPid:"); tp != strconv.Itoa(spid) {
			t.Errorf("victim's TracerPid is now %q", tp)
		}
	})
}

// TestKickSendsTick: Kick reaches the handler, on the engine's thread,
// while the only tracee is blocked opening a FIFO; the handler's answer to
// the Tick (writing to the FIFO) is what lets the tracee finish.
func TestKickSendsTick(t *testing.T) { forModes(t, testKickSendsTick) }

func testKickSendsTick(t *testing.T, m mode) {
	fifo := filepath.Join(t.TempDir(), "go")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	var w *os.File
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	var r recorder
	r.hook = func(ev *Event) {
		if ev.Kind == Tick && w == nil {
			// O_RDWR does not block; kept open, so that the line waits
			// in the pipe for a reader that opens it later.
			var err error
			if w, err = os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
				_, _ = w.WriteString("go\n")
			}
		}
	}
	tr := New(m.options(Options{Trace: waitCalls}), r.handle)
	kicked := time.AfterFunc(100*time.Millisecond, tr.Kick)
	defer kicked.Stop()
	res := run(t, tr, Spec{Path: "/bin/sh", Argv: []string{"sh", "-c", "read x < " + fifo}}, 20*time.Second)
	m.check(t, res)
	if !res.Reaped || !res.Status.Exited() || res.Status.ExitStatus() != 0 {
		t.Fatalf("result: Reaped=%v Status=%#x; want sh reaped with exit status 0", res.Reaped, uint32(res.Status))
	}
	if n := len(r.find(func(e rec) bool { return e.Kind == Tick })); n != 1 {
		t.Errorf("%d Tick events for one Kick; events:\n%s", n, r.dump())
	}
}
