package ptrace

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

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
	// Pids are processes to attach to, with all their threads.
	Pids []int
}

// Credential is a user and its groups to run the launched command as.
type Credential struct {
	Uid, Gid uint32
	Groups   []uint32
}

// Result is the outcome of a trace.
type Result struct {
	// Launched reports that a command was launched; Status is then its wait
	// status (meaningful only if Reaped).
	Launched bool
	Reaped   bool
	Status   unix.WaitStatus
	// Interrupted is the signal that stopped the trace early, or 0.
	Interrupted unix.Signal
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
	ev       Event
	siginfo  [128]byte

	mu        sync.Mutex
	interrupt unix.Signal
	wakePid   int
}

// tracee is the engine's state for one traced thread.
type tracee struct {
	tid int
	// hidden: the launch helper before it has exec'd the command.
	hidden bool
	// inSyscall and the saved entry, for the exit stop.
	inSyscall bool
	reported  bool
	arch      uint32
	nr        uint64
	args      [6]uint64
	// listening: in a group-stop, resumed with PTRACE_LISTEN.
	listening bool
	// helperSignals: the command has just been exec'd by the helper and
	// has not made a system call yet; a signal the helper's Go runtime sent
	// itself (SIGURG) may still be pending.
	helperSignals bool
	// announced: a NewTracee event was sent.
	announced bool
	origin    Origin
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

// Interrupt asks the trace to end: launched commands get sig, attached
// processes are detached and left running. Safe from any goroutine.
func (t *Tracer) Interrupt(sig unix.Signal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.interrupt != 0 {
		return
	}
	t.interrupt = sig
	// The engine sleeps in wait4(2), which Go's SA_RESTART handlers restart
	// after a signal; a child of ours that exits at once wakes it.
	if p, err := startWaker(); err == nil {
		t.wakePid = p
	}
}

func (t *Tracer) interrupted() (unix.Signal, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.interrupt, t.wakePid
}

// Run launches and attaches as spec says and traces until no tracee is left
// or Interrupt is called. All ptrace requests come from one locked OS thread.
func (t *Tracer) Run(spec Spec) (Result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	for _, pid := range spec.Pids {
		if err := t.attach(pid); err != nil {
			t.result.AttachErrors = append(t.result.AttachErrors, err)
		}
	}
	if spec.Path != "" {
		if err := t.launch(spec); err != nil {
			t.detachAll()
			return t.result, err
		}
	}
	if len(t.tracees) == 0 {
		return t.result, nil
	}
	err := t.loop()
	return t.result, err
}

func (t *Tracer) ptraceOptions(hidden bool, attached bool) int {
	o := unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC
	if !attached {
		o |= unix.PTRACE_O_EXITKILL
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
	pid, parent := procIDs(tr.tid)
	t.ev = Event{Kind: NewTracee, Tid: tr.tid, Origin: tr.origin, Threads: threads,
		Pid: pid, Parent: parent, Argv: procArgv(tr.tid), Time: time.Now()}
	t.emit(&t.ev)
}

// loop waits for stops and handles them until no tracee is left.
func (t *Tracer) loop() error {
	for len(t.tracees) > 0 {
		if sig, _ := t.interrupted(); sig != 0 {
			return t.stopTracing(sig)
		}
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL, nil)
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

func (t *Tracer) handleStop(tid int, ws unix.WaitStatus) {
	tr := t.tracees[tid]
	if tr == nil {
		if ws.Exited() || ws.Signaled() {
			return // the waker, or a thread we already forgot
		}
		// A new child or thread of a followed tracee can report its first
		// stop before its parent reports the fork event.
		tr = &tracee{tid: tid, origin: Followed}
		t.tracees[tid] = tr
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
	if tr.tid == t.launched {
		t.result.Reaped = true
		t.result.Status = ws
	}
	if tr.hidden {
		return
	}
	t.announce(tr, 0)
	if ws.Exited() {
		t.ev = Event{Kind: Exited, Tid: tr.tid, Status: ws.ExitStatus(), Time: time.Now()}
	} else {
		t.ev = Event{Kind: Killed, Tid: tr.tid, Sig: int(ws.Signal()), Core: ws.CoreDump(), Time: time.Now()}
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
		t.resume(tr, 0)
	case event == unix.PTRACE_EVENT_STOP:
		t.announce(tr, 0)
		tr.listening = false
		if isStopSignal(sig) {
			// A group-stop: report it and let it stay stopped, visible to
			// the real parent's waitpid(WUNTRACED), until SIGCONT.
			if !tr.hidden {
				t.ev = Event{Kind: GroupStop, Tid: tr.tid, Sig: int(sig), Time: time.Now()}
				t.emit(&t.ev)
			}
			if err := ptraceReq(unix.PTRACE_LISTEN, tr.tid, 0); err == nil {
				tr.listening = true
				return
			}
		}
		t.resume(tr, 0)
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

// resume restarts tr to its next syscall stop, delivering sig.
func (t *Tracer) resume(tr *tracee, sig unix.Signal) {
	// ESRCH: the tracee was killed meanwhile; its exit is reported next.
	_ = unix.PtraceSyscall(tr.tid, int(sig))
}

func (t *Tracer) signalStop(tr *tracee, sig unix.Signal) {
	if tr.helperSignals && sig == unix.SIGURG {
		// Go's preemption signal, sent by the helper to itself before the
		// execve: the command would never have seen it.
		t.resume(tr, 0)
		return
	}
	if !tr.hidden {
		buf := t.siginfo[:]
		if err := ptraceGetSiginfo(tr.tid, buf); err != nil {
			buf = nil
		}
		t.ev = Event{Kind: Signal, Tid: tr.tid, Sig: int(sig), Siginfo: buf, Mem: t.mem(tr.tid), Time: time.Now()}
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
	if s.entry {
		tr.helperSignals = false
		tr.inSyscall = true
		tr.arch, tr.nr, tr.args = s.arch, s.nr, s.args
		tr.reported = !tr.hidden && t.opts.Trace != nil && t.opts.Trace(s.arch, s.nr)
		if tr.reported {
			t.ev = Event{Kind: SyscallEntry, Tid: tr.tid, Arch: s.arch, Nr: s.nr, Args: s.args, Mem: t.mem(tr.tid), Time: time.Now()}
			t.emit(&t.ev)
		}
		return
	}
	wasReported := tr.inSyscall && tr.reported
	tr.inSyscall, tr.reported = false, false
	if !wasReported {
		return
	}
	t.ev = Event{Kind: SyscallExit, Tid: tr.tid, Arch: tr.arch, Nr: tr.nr, Args: tr.args,
		Rval: s.rval, IsError: s.isError, Mem: t.mem(tr.tid), Time: time.Now()}
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
		// "[pid N]" prefix.
		child := t.tracees[int(msg)]
		if child == nil {
			child = &tracee{tid: int(msg), origin: Followed}
			t.tracees[child.tid] = child
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
			_ = unix.PtraceSetOptions(tr.tid, t.ptraceOptions(false, false))
			t.announce(tr, 0)
		}
		t.ev = Event{Kind: Exec, Tid: tr.tid, Argv: procArgv(tr.tid), Time: time.Now()}
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
