package ptrace

import (
	"time"

	"golang.org/x/sys/unix"
)

// detachAll detaches every tracee.
func (t *Tracer) detachAll() { t.detachWhere(func(*tracee) bool { return true }) }

// detachWhere detaches the tracees that pick selects. A tracee can only be
// detached in a ptrace-stop, and all of them are running (or listening), so
// each is interrupted first; the stops are then collected in whatever order
// they come, each tracee detached at its own stop with any signal it was
// about to get re-injected. Waiting for any stop rather than one tid at a
// time keeps a vfork parent, which cannot stop before its child, from
// blocking the rest. Stops of the other tracees are handled as usual.
func (t *Tracer) detachWhere(pick func(*tracee) bool) {
	t.releaseHeld(pick)
	leaving := map[int]bool{}
	for tid, tr := range t.tracees {
		if pick(tr) {
			leaving[tid] = true
			_ = unix.PtraceInterrupt(tid)
		}
	}
	// hardening: a tracee that cannot stop (a vfork parent whose child
	// neither execs nor exits, a task in uninterruptible sleep) held the
	// detach, and so Ctrl-C, forever. Past detachPatience they are given
	// up on: handleStop detaches each at its next stop (t.abandoned), or
	// the kernel does when waittrace exits.
	deadline := time.Now().Add(detachPatience)
	for len(leaving) > 0 {
		var ws unix.WaitStatus
		wflags := unix.WALL
		if !deadline.IsZero() {
			wflags |= unix.WNOHANG
		}
		tid, err := unix.Wait4(-1, &ws, wflags, t.rusage())
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			break
		}
		if t.isWaker(tid) {
			t.handleStop(tid, ws)
			continue
		}
		if tid == 0 { // WNOHANG: nothing yet
			if time.Now().After(deadline) {
				t.abandon(leaving)
				deadline = time.Time{} // wait for the others as long as it takes
			} else {
				time.Sleep(time.Millisecond)
			}
			continue
		}
		if t.abandoned[tid] {
			t.handleStop(tid, ws)
			continue
		}
		tr := t.tracees[tid]
		if tr == nil && ws.Stopped() {
			// A new child caught by the fork it was making: it goes too,
			// unless it carries the filter.
			tr = t.newChild(tid, nil)
			if pick(tr) {
				leaving[tid] = true
			}
		}
		if tr == nil {
			if tid == t.launched && (ws.Exited() || ws.Signaled()) {
				// The command, detached already, has ended meanwhile.
				t.result.Reaped, t.result.Status = true, ws
			}
			continue
		}
		if !leaving[tid] {
			t.handleStop(tid, ws)
			continue
		}
		switch {
		case ws.Exited(), ws.Signaled():
			delete(leaving, tid)
			t.gone(tr, ws)
		case ws.Stopped():
			delete(leaving, tid)
			sig := pendingSignal(ws)
			event := ptraceEventOf(ws)
			if event == unix.PTRACE_EVENT_FORK || event == unix.PTRACE_EVENT_VFORK || event == unix.PTRACE_EVENT_CLONE {
				if msg, err := unix.PtraceGetEventMsg(tid); err == nil && t.tracees[int(msg)] == nil {
					if c := t.newChild(int(msg), tr); pick(c) {
						leaving[c.tid] = true
					}
				}
			}
			t.finishTamper(tr, ws)
			t.detachAt(tr, sig)
		}
	}
}

// detachPatience is how long detachWhere waits for tracees to stop.
const detachPatience = time.Second

// abandon gives up on the leaving tracees that have not stopped: each is
// reported detached now (Late), and detached at its next stop.
// (hardening, see detachWhere)
func (t *Tracer) abandon(leaving map[int]bool) {
	for tid := range leaving {
		tr := t.tracees[tid]
		if tr == nil {
			continue
		}
		delete(leaving, tid)
		delete(t.tracees, tid)
		if t.abandoned == nil {
			t.abandoned = map[int]bool{}
		}
		t.abandoned[tid] = true
		t.debug("%d did not stop within %v to be detached: abandoned, detached at its next stop", tid, detachPatience)
		if !tr.hidden {
			t.ev = Event{Kind: Detached, Tid: tid, Late: true, Time: time.Now()}
			t.emit(&t.ev)
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
	t.debug("detached %d%s", tr.tid, withSignal(sig))
	if tr.hidden {
		return
	}
	t.ev = Event{Kind: Detached, Tid: tr.tid, Time: time.Now()}
	t.emit(&t.ev)
}

// pendingSignal is the signal a tracee stopped with ws was about to get (a
// signal-delivery-stop), to hand back when detaching there; 0 for the
// other stops.
func pendingSignal(ws unix.WaitStatus) unix.Signal {
	if ptraceEventOf(ws) == 0 && ws.StopSignal() != unix.SIGTRAP|0x80 {
		return ws.StopSignal()
	}
	return 0
}
