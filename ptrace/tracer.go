package ptrace

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Options configure a Tracer.
type Options struct {
	// Follow traces children and threads of tracees (-f).
	Follow bool
	// Trace reports whether the system call nr of personality arch (an
	// AUDIT_ARCH_* value) is reported. Others are resumed at once, with no
	// event and no allocation. Nil traces nothing.
	Trace func(arch uint32, nr uint64) bool
	// NoSyscallInfo reads syscall stops from registers even where
	// PTRACE_GET_SYSCALL_INFO exists (to test the fallback).
	NoSyscallInfo bool
	// Seccomp stops a launched command only at the calls in SeccompCalls
	// (AUDIT_ARCH_* -> numbers), with a seccomp filter installed between
	// fork and exec, instead of at every system call. Attached processes
	// are always traced with PTRACE_SYSCALL. Every descendant inherits the
	// filter, and one without a tracer would get ENOSYS from the filtered
	// calls: use it with Follow only. Tracees that carry it are never
	// detached, and are killed if waittrace dies (PTRACE_O_EXITKILL).
	Seccomp      bool
	SeccompCalls map[uint32][]uint64
	// KillOnExit kills the launched command and its followed descendants
	// if waittrace dies (strace's --kill-on-exit); otherwise the kernel
	// detaches them and they run on.
	KillOnExit bool
	// Regs reads the registers a stack is unwound from (Event.Regs) at
	// each reported syscall entry; SignalRegs at each signal stop and
	// group-stop too.
	Regs, SignalRegs bool
	// IP reads the instruction pointer of signal stops too (-i; calls
	// have theirs from their stop).
	IP bool
	// ProcessInfo fills Event.Pid, Parent and Argv from /proc on NewTracee
	// and Exec events. Without it Pid is Tid and the rest are empty: the
	// reads cost about as much as the rest of a fork's stops together.
	ProcessInfo bool
	// SeccompRefused, if set, is told at once when the kernel refused
	// the filter and every call will stop instead (also in Result).
	SeccompRefused func(error)
	// AttachFailed, if set, is told at once of each pid that could not be
	// attached (also in Result).
	AttachFailed func(error)
	// StopTimes reads the rusage of each stop from the wait4 that reports
	// it, to report on SyscallExit the system CPU time the tracee spent in
	// the call (Event.STime), as strace -c does. Without it wait4 gets no
	// rusage.
	StopTimes bool
	// DetachOnExec detaches a tracee when it executes a new program
	// (strace's -b execve), except the command at the exec that starts it;
	// the program then runs untraced, and so do its children. Tracees that
	// carry the seccomp filter are never detached.
	DetachOnExec bool
	// Debug, if set, is told the engine's decisions (-d), one line each.
	Debug func(format string, args ...any)
}

// Spec says what to trace: a command to launch, processes to attach to, or both.
type Spec struct {
	// Path and Argv of the command to launch; Path must be resolved already.
	Path string
	Argv []string
	Env  []string
	// Credential, if set, is what the command runs as (-u): the helper
	// drops to it just before the execve.
	Credential *Credential
	// ClosedStdio: the standard descriptors the command gets closed (they
	// were closed when waittrace started, see ClosedStdio).
	ClosedStdio [3]bool
	// Pids are processes to attach to, with all their threads.
	Pids []int
	// Daemon, instead of Path, is the command of a daemonized trace
	// (-D): waittrace's first process, which execs it once seized.
	Daemon *DaemonCommand
}

// Credential is a user and its groups to run the launched command as.
type Credential struct {
	Uid    uint32   `json:"uid"`
	Gid    uint32   `json:"gid"`
	Groups []uint32 `json:"groups"`
}

// Result is the outcome of a trace.
type Result struct {
	// Launched reports that a command was launched; Status is then its wait
	// status (meaningful only if Reaped).
	Launched bool
	Reaped   bool
	Status   unix.WaitStatus
	// Detached: Detach ended the trace early. A launched command was
	// still waited for, as its parent. KeptFiltered: tracees that carry
	// the seccomp filter were left traced to their end.
	Detached     bool
	KeptFiltered bool
	// Seccomp reports that the seccomp filter is in use; SeccompError
	// says why it is not, when it was asked for and the kernel refused.
	Seccomp      bool
	SeccompError error
	// AttachErrors lists the pids that could not be attached, one error each.
	AttachErrors []error
}

// Tracer traces processes. A Tracer is used once: call Run.
type Tracer struct {
	opts    Options
	handle  func(*Event)
	tracees map[int]*tracee
	// launched is the pid of the launched command, 0 if none.
	launched int
	result   Result
	noInfo   bool
	noVM     bool
	// spin: poll for stops before blocking (see spinFor).
	spin    bool
	ev      Event
	siginfo [128]byte
	// ru is the rusage of the last stop reported, with Options.StopTimes
	// (zero otherwise).
	ru unix.Rusage

	// abandoned: tracees detachWhere gave up waiting for (hardening).
	abandoned map[int]bool
	// exitedEarly: children whose exit came before their parent's fork
	// event, which must then not make them tracees again.
	exitedEarly map[int]bool
	// waker is the sleeping child whose stops wake the loop; wakerTids
	// are its threads, all traced.
	waker     *helper
	wakerTids map[int]bool
	// detached: Detach was carried out.
	detached bool
	// wakerGot: the signals the waker got lately (see Forward).
	wakerGot []forwardRequest
	// delays: the tracees held stopped by a tampered call (tamper.go).
	delays delays

	mu       sync.Mutex
	wakerPid int
	detach   bool // Detach was called
	kicks    int
	forwards []forwardRequest
}

// tracee is the engine's state for one traced thread.
type tracee struct {
	tid int
	// hidden: the launch helper before it has exec'd the command.
	hidden bool
	// filtered: the tracee carries the seccomp filter; it runs under
	// PTRACE_CONT and stops only at the filtered calls.
	filtered bool
	// exitStop: resumed with PTRACE_SYSCALL after a seccomp stop, to
	// catch the call's exit.
	exitStop bool
	// inSyscall and the saved entry, for the exit stop.
	inSyscall bool
	reported  bool
	arch      uint32
	nr        uint64
	args      [6]uint64
	ip        uint64 // at the call's entry
	// stime is its system time at the call's entry (Options.StopTimes).
	stime time.Duration
	// lastNr is the number of the last call it entered (strace's -n on
	// signal and exit lines).
	lastNr uint64
	// listening: in a group-stop, resumed with PTRACE_LISTEN.
	listening bool
	// helperSignals: the command has just been exec'd by the helper and
	// has not made a system call yet; a signal the helper's Go runtime sent
	// itself (SIGURG) may still be pending.
	helperSignals bool
	// announced: a NewTracee event was sent.
	announced bool
	// forked: its parent's fork event was seen (or it was not forked).
	forked bool
	// pid and parentPid are its process and its parent process, when
	// known without /proc (0 otherwise); fromFork: made by fork or vfork,
	// so running its parent's program as its parent's user.
	pid, parentPid int
	fromFork       bool
	origin         Origin
	// tp: its tampering with a call (-e inject=; see tamper.go), nil if
	// none yet.
	tp *tamperState
}

// New returns a Tracer that reports events to handle. handle is called on the
// tracer's own thread while the tracee concerned is stopped.
func New(opts Options, handle func(*Event)) *Tracer {
	return &Tracer{
		opts:    opts,
		handle:  handle,
		tracees: make(map[int]*tracee),
		noInfo:  opts.NoSyscallInfo,
	}
}

// Detach asks the trace to end: every tracee is detached and left running
// as it was, except those that carry the seccomp filter, which are traced
// until they exit (detached, their filtered calls would fail with ENOSYS).
// A launched command is still waited for: Run returns once it has exited.
// No signal is sent to any tracee. Safe from any goroutine; calls after the
// first change nothing.
func (t *Tracer) Detach() {
	t.mu.Lock()
	first := !t.detach
	t.detach = true
	t.mu.Unlock()
	if first {
		t.wake()
	}
}

// Kick makes the engine send a Tick event soon, from its own thread, even
// while every tracee is quiet: a timer's way to reach the handler (the
// zombie alert's deadline). It is safe from any goroutine.
func (t *Tracer) Kick() {
	t.mu.Lock()
	t.kicks++
	t.mu.Unlock()
	t.wake()
}

// pending reports whether Detach was called, and how many Kick calls there
// were so far.
func (t *Tracer) pending() (detach bool, kicks int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.detach, t.kicks
}

// Run launches and attaches as spec says and traces until no tracee is left
// or Interrupt is called. All ptrace requests come from one locked OS thread.
func (t *Tracer) Run(spec Spec) (Result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Go's default GOMAXPROCS counts the CPUs this process may use (by
	// affinity and cgroup CPU limit): polling for stops (spinFor) needs two.
	// And the loop blocks in wait4 holding its P: with a single P, Go's
	// sysmon takes that P back after 20µs of every wait and then polls every
	// 20µs, time taken from the tracees on one CPU. A second, idle P leaves
	// sysmon asleep.
	procs := runtime.GOMAXPROCS(0)
	t.spin = procs > 1
	if procs < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}

	if err := t.startWaker(); err != nil {
		return t.result, err
	}
	t.mu.Lock()
	t.wakerPid = t.waker.pid
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.wakerPid = 0
		t.mu.Unlock()
		t.stopWaker()
	}()
	for _, pid := range spec.Pids {
		if err := t.attach(pid); err != nil {
			t.result.AttachErrors = append(t.result.AttachErrors, err)
			if t.opts.AttachFailed != nil {
				t.opts.AttachFailed(err)
			}
		}
	}
	if spec.Path != "" {
		if err := t.launch(spec); err != nil {
			t.detachAll()
			return t.result, err
		}
	}
	if spec.Daemon != nil {
		if err := t.adopt(spec.Daemon); err != nil {
			t.detachAll()
			return t.result, err
		}
	}
	if len(t.tracees) == 0 {
		return t.result, nil
	}
	err := t.loop()
	t.dropForwards()
	return t.result, err
}

func (t *Tracer) ptraceOptions(hidden, attached, filtered bool) int {
	o := unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC
	// A tracee that carries the filter must not outlive its tracer: its
	// filtered calls would fail with ENOSYS.
	if !attached && (t.opts.KillOnExit || filtered) {
		o |= unix.PTRACE_O_EXITKILL
	}
	if filtered {
		o |= unix.PTRACE_O_TRACESECCOMP
	}
	if t.opts.Follow && !hidden {
		o |= unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE
	}
	return o
}

func seize(tid, opts int) error {
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(tid), 0, uintptr(opts), 0, 0); e != 0 {
		return &os.SyscallError{Syscall: "ptrace(PTRACE_SEIZE)", Err: e}
	}
	if err := unix.PtraceInterrupt(tid); err != nil {
		return &os.SyscallError{Syscall: "ptrace(PTRACE_INTERRUPT)", Err: err}
	}
	return nil
}

func (t *Tracer) emit(ev *Event) {
	if t.handle != nil {
		t.handle(ev)
	}
}

// announce sends the NewTracee event for tr once.
func (t *Tracer) announce(tr *tracee, threads int) {
	if tr.announced || tr.hidden {
		return
	}
	tr.announced = true
	t.ev = Event{Kind: NewTracee, Tid: tr.tid, Origin: tr.origin, Threads: threads, Pid: tr.tid, Time: time.Now()}
	switch {
	case !t.opts.ProcessInfo:
	case tr.fromFork && tr.parentPid != 0:
		// A fork's child: nothing to read (a fork of 2,000 children read
		// /proc about as long as the rest of their stops took).
		t.ev.Pid, t.ev.Parent, t.ev.Forked = tr.pid, tr.parentPid, true
	default:
		t.ev.Pid, t.ev.Parent = procIDs(tr.tid)
		t.ev.Argv = procArgv(tr.tid)
	}
	t.emit(&t.ev)
}

// yieldEvery is how often the stop loop gives up its P, below sysmon's
// 10ms preemption limit.
const yieldEvery = 5 * time.Millisecond

// spinFor is how long the loop polls for the next stop before it blocks
// in wait4. A stop usually follows a resume within microseconds (the next
// system call, the signal after a call's exit), while waking a thread
// blocked on another, idle CPU takes tens of microseconds, and each stop
// costs two such wake-ups: polling removes the tracer's. It is only done
// with a second CPU to poll on, and costs at most this much CPU per stop.
const spinFor = 50 * time.Microsecond

// poll waits for a stop without blocking for up to spinFor, and returns 0
// if none came or on an error (ECHILD), which the blocking wait4 reports.
func poll(ws *unix.WaitStatus, ru *unix.Rusage) int {
	start := time.Now()
	for {
		// Raw: the scheduler need not know about calls that never block.
		r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(ws)), unix.WALL|unix.WNOHANG,
			uintptr(unsafe.Pointer(ru)), 0, 0)
		switch {
		case e != 0:
			return 0
		case r != 0:
			return int(r)
		case time.Since(start) > spinFor:
			return 0
		}
		// Let a tracee waiting for this CPU run to its next stop rather
		// than spin in its way. When the other CPUs are busy, the
		// scheduler wakes the tracee here, and a spin that keeps it
		// waiting costs the whole spinFor and a blocking wait4 on top.
		// With nothing else to run, sched_yield returns at once.
		_, _, _ = unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	}
}

// loop waits for stops and handles them until no tracee is left and a
// launched command, traced or not, has been reaped.
func (t *Tracer) loop() error {
	ticked := 0
	yielded := time.Now()
	for len(t.tracees) > 0 || t.waitingForCommand() {
		// Go's sysmon treats a goroutine that has not been rescheduled for
		// 10ms as a hog: it preempts it, takes its P from the next blocking
		// wait4, and then polls every 20µs for a while, at every such
		// wait. A voluntary yield now and then is far cheaper.
		if time.Since(yielded) > yieldEvery {
			runtime.Gosched()
			yielded = time.Now()
		}
		if fw := t.takeForwards(); len(fw) > 0 {
			t.forward(fw)
			continue // forward handles the stops that are ready: the trace may be over
		}
		detach, kicks := t.pending()
		if kicks > ticked {
			ticked = kicks
			t.ev = Event{Kind: Tick, Time: time.Now()}
			t.emit(&t.ev)
		}
		if t.delays.held > 0 {
			t.resumeDue()
		}
		if detach && !t.detached {
			t.detached, t.result.Detached = true, true
			t.detachWhere(func(tr *tracee) bool { return !tr.filtered })
			t.result.KeptFiltered = len(t.tracees) > 0
			continue
		}
		var ws unix.WaitStatus
		var tid int
		var err error
		if t.spin {
			tid = poll(&ws, t.rusage())
		}
		if tid == 0 {
			tid, err = unix.Wait4(-1, &ws, unix.WALL, t.rusage())
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.ECHILD {
			return nil
		}
		if err != nil {
			return fmt.Errorf("wait4: %w", err)
		}
		t.handleStop(tid, ws)
	}
	return nil
}

// rusage is where wait4 stores the rusage of a stop: nil (none asked for)
// without Options.StopTimes.
func (t *Tracer) rusage() *unix.Rusage {
	if t.opts.StopTimes {
		return &t.ru
	}
	return nil
}

// stopSTime is the system CPU time of the tracee that reported the last
// stop (0 without Options.StopTimes). The kernel fills a stopped child's
// rusage from getrusage(RUSAGE_BOTH): its threads and its reaped children.
func (t *Tracer) stopSTime() time.Duration {
	return time.Duration(t.ru.Stime.Sec)*time.Second + time.Duration(t.ru.Stime.Usec)*time.Microsecond
}

// waitingForCommand: the launched command was detached and has not exited
// yet; waittrace, its parent, waits for it.
func (t *Tracer) waitingForCommand() bool {
	return t.launched != 0 && !t.result.Reaped
}

func (t *Tracer) handleStop(tid int, ws unix.WaitStatus) {
	if t.abandoned[tid] {
		// hardening: given up on by detachWhere, it stopped at last:
		// detach it, keeping a signal it was about to get.
		delete(t.abandoned, tid)
		if ws.Stopped() {
			_, _, _ = unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_DETACH, uintptr(tid), 0, uintptr(pendingSignal(ws)), 0, 0)
		}
		return
	}
	if t.isWaker(tid) {
		// A wake-up, or a signal to waittrace's process group: either way
		// it is ours, not the waker's to handle.
		if ws.Stopped() {
			switch ev := ptraceEventOf(ws); {
			case ev == unix.PTRACE_EVENT_CLONE:
				if msg, err := unix.PtraceGetEventMsg(tid); err == nil {
					t.wakerTids[int(msg)] = true
				}
			case ev == 0:
				t.wakerSignal(ws.StopSignal())
			}
			t.resumeWaker(tid)
		}
		return
	}
	tr := t.tracees[tid]
	if tr == nil {
		if tid == t.launched && (ws.Exited() || ws.Signaled()) {
			// The command, detached, has ended.
			t.result.Reaped, t.result.Status = true, ws
			return
		}
		if ws.Exited() || ws.Signaled() {
			return // a thread we already forgot
		}
		// A new child or thread of a followed tracee can report its first
		// stop before its parent reports the fork event.
		tr = t.newChild(tid, nil)
	}
	switch {
	case ws.Exited(), ws.Signaled():
		t.gone(tr, ws)
	case ws.Stopped():
		t.stopped(tr, ws)
	}
}

func (t *Tracer) gone(tr *tracee, ws unix.WaitStatus) {
	delete(t.tracees, tr.tid)
	if !tr.forked {
		// Its parent's fork event may still come.
		if t.exitedEarly == nil {
			t.exitedEarly = map[int]bool{}
		}
		t.exitedEarly[tr.tid] = true
	}
	if tr.tid == t.launched {
		t.result.Reaped = true
		t.result.Status = ws
	}
	if tr.hidden {
		return
	}
	t.announce(tr, 0)
	if ws.Exited() {
		t.ev = Event{Kind: Exited, Tid: tr.tid, Status: ws.ExitStatus(), Nr: tr.lastNr, Time: time.Now()}
	} else {
		t.ev = Event{Kind: Killed, Tid: tr.tid, Sig: int(ws.Signal()), Core: ws.CoreDump(), Nr: tr.lastNr, Time: time.Now()}
	}
	t.emit(&t.ev)
}

func (t *Tracer) stopped(tr *tracee, ws unix.WaitStatus) {
	sig := ws.StopSignal()
	event := ptraceEventOf(ws)
	switch {
	case sig == unix.SIGTRAP|0x80:
		t.announce(tr, 0)
		t.syscallStop(tr)
		t.resumeCall(tr)
	case event == unix.PTRACE_EVENT_STOP:
		t.announce(tr, 0)
		tr.listening = false
		if isStopSignal(sig) {
			// A group-stop: report it and let it stay stopped, visible to
			// the real parent's waitpid(WUNTRACED), until SIGCONT.
			if !tr.hidden {
				t.ev = Event{Kind: GroupStop, Tid: tr.tid, Sig: int(sig), Mem: t.mem(tr.tid), Time: time.Now()}
				t.readRegs(tr, t.opts.SignalRegs) // strace -k prints a stack here too
				t.emit(&t.ev)
			}
			if err := ptraceReq(unix.PTRACE_LISTEN, tr.tid, 0); err == nil {
				tr.listening = true
				return
			}
		}
		t.resume(tr, 0)
	case event == unix.PTRACE_EVENT_SECCOMP:
		t.announce(tr, 0)
		t.seccompStop(tr)
	case event != 0:
		t.announce(tr, 0)
		t.ptraceEvent(tr, event)
		t.resume(tr, 0)
	default:
		t.announce(tr, 0)
		t.signalStop(tr, sig)
	}
}

// ptraceEventOf returns the PTRACE_EVENT_* in a stop status, or 0. (x/sys's
// TrapCause answers only for SIGTRAP stops, but a group-stop's
// PTRACE_EVENT_STOP comes with the stopping signal.)
func ptraceEventOf(ws unix.WaitStatus) int { return int(ws) >> 16 }

func isStopSignal(sig unix.Signal) bool {
	return sig == unix.SIGSTOP || sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU
}

func ptraceReq(req, tid int, data uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), 0, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// resume restarts tr, delivering sig: to its next stop of any kind under
// the filter, else to its next syscall stop.
func (t *Tracer) resume(tr *tracee, sig unix.Signal) {
	// ESRCH: the tracee was killed meanwhile; its exit is reported next.
	req := uintptr(unix.PTRACE_SYSCALL)
	if tr.filtered && !tr.exitStop {
		req = unix.PTRACE_CONT
	}
	// Raw: a restart never blocks, and telling Go's scheduler about each of
	// these costs more than the request itself.
	_, _, _ = unix.RawSyscall6(unix.SYS_PTRACE, req, uintptr(tr.tid), 0, uintptr(sig), 0, 0)
}

func (t *Tracer) signalStop(tr *tracee, sig unix.Signal) {
	if tr.helperSignals && sig == unix.SIGURG {
		// Go's preemption signal, sent by the helper to itself before the
		// execve: the command would never have seen it.
		t.resume(tr, 0)
		return
	}
	if tr.tp != nil && tr.tp.fakeSig == sig {
		t.kernelSiginfo(tr, sig)
	}
	if !tr.hidden {
		buf := t.siginfo[:]
		if err := ptraceGetSiginfo(tr.tid, buf); err != nil {
			buf = nil
		}
		t.ev = Event{Kind: Signal, Tid: tr.tid, Sig: int(sig), Siginfo: buf, Mem: t.mem(tr.tid), Nr: tr.lastNr, Time: time.Now()}
		if t.opts.IP {
			var info syscallInfo
			if getSyscallInfo(tr.tid, &info) == nil {
				t.ev.IP, t.ev.HasIP = info.IP, true
			}
		}
		t.readRegs(tr, t.opts.SignalRegs)
		t.emit(&t.ev)
	}
	t.resume(tr, sig)
}

func ptraceGetSiginfo(tid int, buf []byte) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafePointer(buf)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func (t *Tracer) mem(tid int) Memory {
	return Memory{tid: tid, noVM: &t.noVM}
}

func (t *Tracer) syscallStop(tr *tracee) {
	var s stopInfo
	if !t.readStop(tr, &s) {
		return
	}
	t.syscall(tr, &s)
}

// syscall handles an entry or exit, however it was stopped at.
func (t *Tracer) syscall(tr *tracee, s *stopInfo) {
	if !s.entry {
		tr.exitStop = false
	}
	if s.entry {
		tr.helperSignals = false
		tr.inSyscall = true
		tr.arch, tr.nr, tr.args, tr.ip, tr.lastNr = s.arch, s.nr, s.args, s.ip, s.nr
		tr.reported = !tr.hidden && t.opts.Trace != nil && t.opts.Trace(s.arch, s.nr)
		if tr.reported {
			tr.stime = t.stopSTime()
			t.ev = Event{Kind: SyscallEntry, Tid: tr.tid, Arch: s.arch, Nr: s.nr, Args: s.args, Mem: t.mem(tr.tid),
				IP: s.ip, HasIP: s.ip != 0, Time: time.Now()}
			t.readRegs(tr, t.opts.Regs)
			t.emit(&t.ev)
			if t.ev.Tamper != nil {
				t.tamperEntry(tr, s)
			}
		}
		return
	}
	wasReported := tr.inSyscall && tr.reported
	tr.inSyscall, tr.reported = false, false
	if !wasReported {
		return
	}
	t.ev = Event{Kind: SyscallExit, Tid: tr.tid, Arch: tr.arch, Nr: tr.nr, Args: tr.args, IP: tr.ip, HasIP: tr.ip != 0,
		Rval: s.rval, IsError: s.isError, Mem: t.mem(tr.tid), Time: time.Now(), STime: t.stopSTime() - tr.stime}
	if tr.tp != nil && tr.tp.active {
		t.tamperExit(tr)
	}
	t.emit(&t.ev)
}

// readStop fills s for the syscall stop tr is in.
func (t *Tracer) readStop(tr *tracee, s *stopInfo) bool {
	if !t.noInfo {
		var info syscallInfo
		err := getSyscallInfo(tr.tid, &info)
		if err == nil && info.decode(s) {
			return true
		}
		if err != unix.EIO && err != unix.EINVAL {
			return false
		}
		// Before Linux 5.3: fall back to registers for good.
		t.noInfo = true
	}
	if err := readStop(tr.tid, !tr.inSyscall, s); err != nil {
		return false
	}
	return true
}

func (t *Tracer) ptraceEvent(tr *tracee, event int) {
	switch event {
	case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
		msg, err := unix.PtraceGetEventMsg(tr.tid)
		if err != nil {
			return
		}
		// Count the child from its parent's fork event, whichever of the two
		// stops comes first, so that the parent's next line already has its
		// "[pid N]" prefix. It may even have exited already.
		if t.exitedEarly[int(msg)] {
			delete(t.exitedEarly, int(msg))
			return
		}
		child := t.tracees[int(msg)]
		if child == nil {
			child = t.newChild(int(msg), tr)
		}
		child.forked = true
		if event != unix.PTRACE_EVENT_CLONE && tr.pid != 0 && t.opts.ProcessInfo {
			// A process of its own (a clone may be a thread: /proc says),
			// whose parent is the caller, unless CLONE_PARENT made it the
			// caller's parent's (/proc says then too).
			if viaParent, ok := cloneParent(tr.tid, t.mem(tr.tid)); ok && !viaParent {
				child.pid, child.parentPid, child.fromFork = child.tid, tr.pid, true
			}
		}
		t.announce(child, 0)
	case unix.PTRACE_EVENT_EXEC:
		msg, err := unix.PtraceGetEventMsg(tr.tid)
		if err == nil && int(msg) != tr.tid {
			t.superseded(tr, int(msg))
		}
		if tr.hidden {
			// The helper has become the command: trace it for real now.
			tr.hidden = false
			tr.helperSignals = true
			_ = unix.PtraceSetOptions(tr.tid, t.ptraceOptions(false, false, tr.filtered))
			t.announce(tr, t.adoptedThreads(tr))
		} else if t.opts.DetachOnExec && !tr.filtered {
			defer t.detachOnExec(tr)
		}
		t.ev = Event{Kind: Exec, Tid: tr.tid, Time: time.Now()}
		if t.opts.ProcessInfo {
			t.ev.Argv = procArgv(tr.tid)
		}
		t.emit(&t.ev)
	}
}

// superseded handles an execve by a non-leader thread: that thread now has
// the leader's tid; the old leader is gone without an exit report.
func (t *Tracer) superseded(leader *tracee, former int) {
	if old := t.tracees[former]; old != nil {
		delete(t.tracees, former)
		leader.inSyscall, leader.reported = old.inSyscall, old.reported
		leader.arch, leader.nr, leader.args = old.arch, old.nr, old.args
	}
	t.ev = Event{Kind: Superseded, Tid: leader.tid, Former: former, Time: time.Now()}
	t.emit(&t.ev)
}

// newChild registers a child or thread first seen at its own stop (parent
// nil: found through /proc) or at its parent's fork event. It inherits the
// filter from its parent.
func (t *Tracer) newChild(tid int, parent *tracee) *tracee {
	if parent == nil {
		pid, ppid := procIDs(tid)
		if parent = t.tracees[pid]; parent == nil || pid == tid {
			parent = t.tracees[ppid]
		}
	}
	c := &tracee{tid: tid, origin: Followed}
	if parent != nil {
		c.filtered = parent.filtered
	} else {
		// An orphan of a tracee killed mid-fork: assume the worst (the
		// filter), which keeps it served rather than failing with ENOSYS.
		c.filtered = t.result.Seccomp
	}
	t.tracees[tid] = c
	return c
}

// seccompStop handles a filtered call's entry: report it and catch its exit
// with one PTRACE_SYSCALL, or let clone and clone3 go after making sure the
// child will be traced.
func (t *Tracer) seccompStop(tr *tracee) {
	var s stopInfo
	tr.inSyscall = false // a seccomp stop is always an entry
	if !t.readStop(tr, &s) {
		t.resume(tr, 0)
		return
	}
	if cl, ok := cloneCalls[s.arch]; ok && (s.nr == cl[0] || s.nr == cl[1]) {
		t.keepTraced(tr, &s, s.nr == cl[1])
		t.resume(tr, 0)
		return
	}
	if tr.hidden {
		// The helper's own call, before the command: no exit stop needed.
		t.resume(tr, 0)
		return
	}
	t.syscall(tr, &s)
	tr.exitStop = true
	t.resumeCall(tr)
}

// keepTraced clears CLONE_UNTRACED from a clone or clone3 about to run: the
// child carries the filter and must be traced, or its wait calls would fail
// with ENOSYS (strace's --seccomp-bpf has this hole).
func (t *Tracer) keepTraced(tr *tracee, s *stopInfo, clone3 bool) {
	if !clone3 {
		if s.args[0]&cloneUntraced != 0 {
			_ = setArg0(tr.tid, s.arch, s.args[0]&^cloneUntraced)
		}
		return
	}
	// struct clone_args begins with the u64 flags.
	var flags [8]byte
	if err := t.mem(tr.tid).ReadMemory(s.args[0], flags[:]); err != nil {
		return
	}
	if le64(flags[:])&cloneUntraced == 0 {
		return
	}
	putLe64(flags[:], le64(flags[:])&^cloneUntraced)
	_, _ = unix.PtracePokeData(tr.tid, uintptr(s.args[0]), flags[:])
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putLe64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// readRegs fills t.ev's registers for tr, if want (an option).
func (t *Tracer) readRegs(tr *tracee, want bool) {
	if !want {
		return
	}
	if r, err := getRegs(tr.tid); err == nil {
		t.ev.Regs, t.ev.HasRegs = r, true
	}
}

// resumeWaker lets a thread of the waker sleep on after a wake-up,
// without the signal.
func (t *Tracer) resumeWaker(tid int) {
	_, _, _ = unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_CONT, uintptr(tid), 0, 0, 0, 0)
}

// clone3Parent reads CLONE_PARENT from clone3's struct clone_args (its
// first field, the u64 flags) at addr.
func clone3Parent(addr uint64, mem Memory) (parent, ok bool) {
	var flags [8]byte
	if mem.ReadMemory(addr, flags[:]) != nil {
		return false, false
	}
	return le64(flags[:])&0x8000 != 0, true
}
