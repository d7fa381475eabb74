package ptrace

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Forwarding a signal sent to waittrace to the command it launched.
//
// Untraced, a signal meant for the command reaches it: sent to its process
// group (a terminal's Ctrl-C, timeout's kill(0)), or to its pid, which is
// waittrace's now. The first kind reaches the command by itself, and
// passing it on would deliver it twice; only the second kind must be
// passed on. The waker, in waittrace's process group and traced, tells
// them apart: a signal to the group reaches it too, and its delivery stop
// is seen here.

// forwardWindow is how far apart the waker's copy of a signal and
// waittrace's own may be to count as one signal to the group; and how long
// a request waits for the waker's copy to show before it forwards.
const (
	forwardWindow = time.Second
	forwardWait   = 20 * time.Millisecond
)

// forwardRequest is one signal waittrace received, at time at.
type forwardRequest struct {
	sig unix.Signal
	at  time.Time
}

// Forward passes sig, just received by waittrace, on to the launched
// command, once and without SIGCONT, unless the command's process group
// was sent it too (then the command has its own copy). Nothing is sent
// without a launched command or once it has exited. Safe from any
// goroutine.
func (t *Tracer) Forward(sig unix.Signal) {
	t.mu.Lock()
	t.forwards = append(t.forwards, forwardRequest{sig, time.Now()})
	t.mu.Unlock()
	t.wake()
}

// takeForwards returns the forward requests made so far.
func (t *Tracer) takeForwards() []forwardRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.forwards
	t.forwards = nil
	return f
}

// wakerSignal notes a signal the waker was about to get.
func (t *Tracer) wakerSignal(sig unix.Signal) {
	if sig == unix.SIGUSR1 {
		return // a wake-up
	}
	t.wakerGot = append(t.wakerGot, forwardRequest{sig, time.Now()})
	// Keep only what a request may still match.
	keep := t.wakerGot[:0]
	for _, g := range t.wakerGot {
		if time.Since(g.at) < 2*forwardWindow {
			keep = append(keep, g)
		}
	}
	t.wakerGot = keep
}

// matchWaker consumes the waker's copy of r, if it got one.
func (t *Tracer) matchWaker(r forwardRequest) bool {
	for i, g := range t.wakerGot {
		d := g.at.Sub(r.at)
		if g.sig == r.sig && d < forwardWindow && d > -forwardWindow {
			t.wakerGot = append(t.wakerGot[:i], t.wakerGot[i+1:]...)
			return true
		}
	}
	return false
}

// forward carries out r on the engine's thread: it handles the stops that
// are ready (the waker's copy may be among them), waits briefly while the
// waker still has the signal pending, and sends it to the command only if
// the waker never got it.
func (t *Tracer) forward(r forwardRequest) {
	deadline := time.Now().Add(forwardWait)
	for {
		t.drain()
		if t.matchWaker(r) {
			t.debug("%s: its process group got it too, the command's own copy: not passed on", signalName(r.sig))
			return
		}
		if time.Now().After(deadline) && !signalPending(t.waker.pid, r.sig) {
			break
		}
		time.Sleep(time.Millisecond)
		if time.Now().After(deadline.Add(forwardWindow)) {
			break // pending, yet never delivered: give up waiting
		}
	}
	if t.launched != 0 && !t.result.Reaped {
		_ = unix.Kill(t.launched, r.sig)
		t.debug("%s: sent to waittrace alone: passed on to the command, %d", signalName(r.sig), t.launched)
		return
	}
	t.debug("%s: not passed on: the command has exited", signalName(r.sig))
}

// drain handles the stops that are ready, without blocking.
func (t *Tracer) drain() {
	for {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG, t.rusage())
		if err != nil || tid <= 0 {
			return
		}
		t.handleStop(tid, ws)
	}
}

// signalPending reports whether sig is pending for process pid (for the
// process or its main thread).
func signalPending(pid int, sig unix.Signal) bool {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	bit := uint64(1) << (uint(sig) - 1)
	for _, f := range []string{"SigPnd:", "ShdPnd:"} {
		v, err := strconv.ParseUint(strings.TrimSpace(statusField(string(status), f)), 16, 64)
		if err == nil && v&bit != 0 {
			return true
		}
	}
	return false
}
