package ptrace

import (
	"encoding/binary"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Tampering with a traced call, as strace's -e inject= does it: the
// handler sets Event.Tamper on a SyscallEntry event, and the engine
//
//   - skips the call (its number becomes -1, or the number of a call
//     without side effects run in its place) and, at its exit stop,
//     writes the result the tracee is to see into the return register;
//   - sends a signal as the call starts: by restarting the entry stop
//     with it (the kernel queues it, si_code SI_KERNEL), or, from a
//     seccomp stop, whose restart drops any signal, with tkill and the
//     siginfo made the kernel's at its delivery stop;
//   - delays the call at its entry or exit: the tracee is left stopped
//     and resumed by a timer, which wakes the loop as Kick does, while the
//     other tracees are served.
//
// Nothing here runs for a tracee that was never tampered with.

// Tamper is what the handler asks the engine to do to the call a
// SyscallEntry event reports, by setting Event.Tamper before it returns.
type Tamper struct {
	// Return: the call is not run (with Substitute, call Nr of the same
	// personality runs instead) and returns Rval: -errno with Error, else
	// the value.
	Return     bool
	Error      bool
	Rval       int64
	Substitute bool
	Nr         uint64
	// Signal is sent to the thread as the call starts (0: none).
	Signal int
	// The thread is held stopped at the call's entry for DelayEnter (with
	// HoldEnter) and at its exit for DelayExit (with HoldExit).
	DelayEnter, DelayExit time.Duration
	HoldEnter, HoldExit   bool
}

// tamperState is a tracee's tampering with its current call, and what is
// still to be done about it.
type tamperState struct {
	want Tamper
	// active: between the entry and the exit of a tampered call.
	active bool
	// injected: the call was skipped; its exit gets want.Rval.
	injected bool
	// delayed: the call was held at its entry or exit.
	delayed bool
	// held: the tracee is left stopped until until.
	held  bool
	until time.Time
	// sig is the signal to resume with, at the entry.
	sig unix.Signal
	// fakeSig was sent with tkill; its siginfo is rewritten at delivery.
	fakeSig unix.Signal
}

// delays are the held tracees' timer.
type delays struct {
	// held counts the held tracees (at most: one may have died meanwhile),
	// and next is when the first is due.
	held  int
	next  time.Time
	timer *time.Timer
	at    time.Time // when timer goes off
}

// tamperEntry carries out t.ev.Tamper, set by the handler, at the entry of
// tr's call s.
func (t *Tracer) tamperEntry(tr *tracee, s *stopInfo) {
	if tr.tp == nil {
		tr.tp = &tamperState{}
	}
	st := tr.tp
	*st = tamperState{want: *t.ev.Tamper, active: true, fakeSig: st.fakeSig}
	if st.want.Return {
		nr := int64(-1)
		if st.want.Substitute {
			nr = int64(st.want.Nr)
		}
		st.injected = setSyscallNr(tr.tid, s.arch, nr) == nil
	}
	st.sig = unix.Signal(st.want.Signal)
	if st.want.HoldEnter {
		t.hold(tr, st.want.DelayEnter)
	}
}

// tamperExit sets the result of tr's tampered call, now at its exit stop,
// and says so in the exit event t.ev.
func (t *Tracer) tamperExit(tr *tracee) {
	st := tr.tp
	st.active = false
	if st.injected && setReturn(tr.tid, tr.arch, st.want.Rval) == nil {
		t.ev.Rval, t.ev.IsError, t.ev.Injected = st.want.Rval, st.want.Error, true
	}
	if st.want.HoldExit {
		t.hold(tr, st.want.DelayExit)
	}
	t.ev.Delayed = st.delayed
}

// resumeCall restarts tr after a syscall stop: at once, with the tampered
// call's signal if there is one, or later if it is held.
func (t *Tracer) resumeCall(tr *tracee) {
	if st := tr.tp; st != nil && (st.held || st.sig != 0) {
		if !st.held {
			t.release(tr)
		}
		return
	}
	t.resume(tr, 0)
}

// release restarts a tracee whose call was tampered with, delivering the
// call's signal.
func (t *Tracer) release(tr *tracee) {
	st := tr.tp
	st.held = false
	sig := st.sig
	st.sig = 0
	if sig != 0 && tr.filtered {
		// Its entry was a seccomp stop: a restart from there drops the
		// signal. Sent now, it is pending as the call starts, as it would
		// have been.
		if _, _, e := unix.RawSyscall(unix.SYS_TKILL, uintptr(tr.tid), uintptr(sig), 0); e == 0 {
			st.fakeSig = sig
		}
		sig = 0
	}
	t.resume(tr, sig)
}

// hold leaves tr stopped for d, and arms the timer that ends the loop's
// wait when the first held tracee is due.
func (t *Tracer) hold(tr *tracee, d time.Duration) {
	st := tr.tp
	st.held, st.delayed, st.until = true, true, time.Now().Add(d)
	t.delays.held++
	if t.delays.next.IsZero() || st.until.Before(t.delays.next) {
		t.delays.next = st.until
	}
	t.armDelay(st.until)
}

func (t *Tracer) armDelay(at time.Time) {
	dl := &t.delays
	if dl.timer != nil && !at.Before(dl.at) && dl.at.After(time.Now()) {
		return // an earlier wake-up is due anyway
	}
	dl.at = at
	if dl.timer == nil {
		dl.timer = time.AfterFunc(time.Until(at), t.wake)
		return
	}
	dl.timer.Reset(time.Until(at))
}

// resumeDue restarts the held tracees whose time has come, and arms the
// timer for the next one.
func (t *Tracer) resumeDue() {
	now := time.Now()
	if now.Before(t.delays.next) {
		return // none is due: the loop comes here at every stop
	}
	var next time.Time
	held := 0
	for _, tr := range t.tracees {
		st := tr.tp
		if st == nil || !st.held {
			continue
		}
		if !now.Before(st.until) {
			t.release(tr)
			continue
		}
		held++
		if next.IsZero() || st.until.Before(next) {
			next = st.until
		}
	}
	t.delays.held, t.delays.next = held, next
	if held > 0 {
		t.armDelay(next)
	}
}

// releaseHeld cuts short the delays of the tracees about to be detached:
// a stopped tracee cannot be interrupted, and a delay is no reason to keep
// it.
func (t *Tracer) releaseHeld(pick func(*tracee) bool) {
	if t.delays.held == 0 {
		return
	}
	for _, tr := range t.tracees {
		if tr.tp != nil && tr.tp.held && pick(tr) {
			t.release(tr)
		}
	}
}

// finishTamper gives a tracee being detached at the exit of a skipped call
// the result it was to get (else it would see the kernel's ENOSYS).
func (t *Tracer) finishTamper(tr *tracee, ws unix.WaitStatus) {
	st := tr.tp
	if st == nil || !st.active || ws.StopSignal() != unix.SIGTRAP|0x80 {
		return
	}
	st.active = false
	if st.injected {
		_ = setReturn(tr.tid, tr.arch, st.want.Rval)
	}
}

// kernelSiginfo makes the siginfo of the signal tr is about to get, which
// the engine sent with tkill, the one the kernel gives a signal a tracer
// injects at a syscall stop: {si_signo=SIG, si_code=SI_KERNEL}.
func (t *Tracer) kernelSiginfo(tr *tracee, sig unix.Signal) {
	tr.tp.fakeSig = 0
	var si [128]byte
	binary.NativeEndian.PutUint32(si[0:], uint32(sig))
	binary.NativeEndian.PutUint32(si[8:], siKernel)
	_, _, _ = unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETSIGINFO, uintptr(tr.tid), 0, uintptr(unsafe.Pointer(&si[0])), 0, 0)
}

// siKernel is SI_KERNEL.
const siKernel = 0x80
