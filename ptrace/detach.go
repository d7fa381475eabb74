package ptrace

import (
	"time"

	"golang.org/x/sys/unix"
)

// stopTracing ends the trace after Interrupt(sig): the launched command gets
// sig (as strace gives it), and every tracee is detached and left running.
func (t *Tracer) stopTracing(sig unix.Signal) error {
	t.result.Interrupted = sig
	if t.launched != 0 && t.tracees[t.launched] != nil {
		_ = unix.Kill(t.launched, unix.SIGCONT)
		_ = unix.Kill(t.launched, sig)
	}
	t.detachAll()
	return nil
}

// detachAll detaches every tracee. A tracee can only be detached in a
// ptrace-stop, and all of them are running (or listening), so each is
// interrupted first; the stops are then collected in whatever order they
// come, each tracee detached at its own stop with any signal it was about to
// get re-injected. Waiting for any stop rather than one tid at a time keeps a
// vfork parent, which cannot stop before its child, from blocking the rest.
func (t *Tracer) detachAll() {
	for _, tr := range t.tracees {
		_ = unix.PtraceInterrupt(tr.tid)
	}
	for len(t.tracees) > 0 {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			break
		}
		tr := t.tracees[tid]
		if tr == nil {
			if ws.Stopped() {
				// A new child caught by the fork it was making: let it go too.
				tr = &tracee{tid: tid, origin: Followed}
				t.tracees[tid] = tr
			} else {
				continue
			}
		}
		switch {
		case ws.Exited(), ws.Signaled():
			t.gone(tr, ws)
		case ws.Stopped():
			var sig unix.Signal
			if ptraceEventOf(ws) == 0 && ws.StopSignal() != unix.SIGTRAP|0x80 {
				sig = ws.StopSignal() // a signal-delivery-stop: keep the signal
			}
			if ptraceEventOf(ws) == unix.PTRACE_EVENT_FORK || ptraceEventOf(ws) == unix.PTRACE_EVENT_VFORK || ptraceEventOf(ws) == unix.PTRACE_EVENT_CLONE {
				if msg, err := unix.PtraceGetEventMsg(tid); err == nil && t.tracees[int(msg)] == nil {
					t.tracees[int(msg)] = &tracee{tid: int(msg), origin: Followed}
				}
			}
			t.detachAt(tr, sig)
		}
	}
}

// detachOne detaches a tracee that has not reported any stop yet.
func (t *Tracer) detachOne(tr *tracee) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(tr.tid, &ws, unix.WALL, nil)
		if err != unix.EINTR {
			break
		}
	}
	delete(t.tracees, tr.tid)
	if ws.Stopped() {
		_ = unix.PtraceDetach(tr.tid)
	}
}

func (t *Tracer) detachAt(tr *tracee, sig unix.Signal) {
	delete(t.tracees, tr.tid)
	_, _, _ = unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_DETACH, uintptr(tr.tid), 0, uintptr(sig), 0, 0)
	if tr.hidden {
		return
	}
	t.ev = Event{Kind: Detached, Tid: tr.tid, Time: time.Now()}
	t.emit(&t.ev)
}
