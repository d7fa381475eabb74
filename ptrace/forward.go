package ptrace

import (
	"os"
	"slices"
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

// forward carries out the requests in batch on the engine's thread: it
// handles the stops that are ready (the waker's copies may be among them),
// waits briefly while the waker still has a signal pending, and sends to
// the command each signal the waker never got. Requests made meanwhile
// join the batch, so that signals received together are sent together and
// in the kernel's order (see sendOrder).
func (t *Tracer) forward(batch []forwardRequest) {
	// Requests join until the first one's wait is over, so that a
	// stream of signals cannot hold the batch forever.
	joinUntil := time.Now().Add(forwardWait)
	for {
		t.drain()
		if time.Now().Before(joinUntil) {
			batch = append(batch, t.takeForwards()...)
		}
		keep := batch[:0]
		for _, r := range batch {
			if t.matchWaker(r) {
				t.debug("%s: its process group got it too, the command's own copy: not passed on", signalName(r.sig))
				continue
			}
			keep = append(keep, r)
		}
		batch = keep
		if len(batch) == 0 {
			return
		}
		if t.settled(batch) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for _, r := range sendOrder(batch) {
		if t.launched != 0 && !t.result.Reaped {
			_ = unix.Kill(t.launched, r.sig)
			t.debug("%s: sent to waittrace alone: passed on to the command, %d", signalName(r.sig), t.launched)
			continue
		}
		t.debug("%s: not passed on: the command has exited", signalName(r.sig))
	}
}

// settled reports whether every request has waited long enough for the
// waker's copy: its wait is over and the waker has no such signal pending,
// or it stayed pending, never delivered, for forwardWindow more.
func (t *Tracer) settled(batch []forwardRequest) bool {
	now := time.Now()
	for _, r := range batch {
		deadline := r.at.Add(forwardWait)
		if now.After(deadline.Add(forwardWindow)) {
			continue
		}
		if !now.After(deadline) || signalPending(t.waker.pid, r.sig) {
			return false
		}
	}
	return true
}

// closeTogether is how near in time two signals waittrace received count as
// sent together.
const closeTogether = 2 * time.Millisecond

// sendOrder orders the signals to pass on as the command would have got
// them untraced. Signals sent to one process one after the other are both
// pending when it next runs, and the kernel delivers the lower-numbered
// first; but Go's runtime takes them on different threads, and tells them
// in either order. So signals received close together are sent lowest
// number first; others keep the order they came in.
func sendOrder(batch []forwardRequest) []forwardRequest {
	out := slices.Clone(batch)
	slices.SortStableFunc(out, func(a, b forwardRequest) int { return a.at.Compare(b.at) })
	for i := 0; i < len(out); {
		j := i + 1
		for j < len(out) && out[j].at.Sub(out[j-1].at) < closeTogether {
			j++
		}
		slices.SortStableFunc(out[i:j], func(a, b forwardRequest) int { return int(a.sig) - int(b.sig) })
		i = j
	}
	return out
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
