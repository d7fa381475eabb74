package ptrace

import (
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tamperRun traces tamperfix MODE with -f, lets decide tamper with the
// wait4 calls of the launched process (its n-th one, counting from 1),
// and returns the events and the result. The fixture checks what it saw
// and exits 0 if it was what the test asked for.
type tamperRun struct {
	events []rec
	// exits are the launched process's wait4 exit events: Rval, IsError,
	// Injected, Delayed, Time.
	exits   []Event
	entries []Event
	leader  int
	res     Result
	// signals are the Signal events' raw siginfo.
	signals [][]byte
	times   map[int]time.Time // index in events -> when
}

func runTamper(t *testing.T, m mode, fixMode string, decide func(n int) *Tamper, during func(tr *Tracer)) *tamperRun {
	t.Helper()
	prog := fixture(t, "tamperfix")
	out := &tamperRun{times: map[int]time.Time{}}
	n := 0
	var r *recorder
	var tr *Tracer
	r = &recorder{hook: func(ev *Event) {
		out.times[len(r.events)] = ev.Time
		switch {
		case ev.Kind == NewTracee && ev.Origin == Launched:
			out.leader = ev.Tid
		case ev.Kind == SyscallEntry && ev.Tid == out.leader && ev.Nr == unix.SYS_WAIT4:
			n++
			ev.Tamper = decide(n)
			out.entries = append(out.entries, Event{Time: ev.Time})
			if during != nil && ev.Tamper != nil {
				during(tr)
			}
		case ev.Kind == SyscallExit && ev.Tid == out.leader && ev.Nr == unix.SYS_WAIT4:
			out.exits = append(out.exits, Event{Rval: ev.Rval, IsError: ev.IsError, Injected: ev.Injected, Delayed: ev.Delayed, Time: ev.Time})
		case ev.Kind == Signal:
			out.signals = append(out.signals, append([]byte(nil), ev.Siginfo...))
		}
	}}
	tr = New(m.options(Options{Follow: true, Trace: waitCalls}), r.handle)
	out.res = run(t, tr, Spec{Path: prog, Argv: []string{prog, fixMode}}, 20*time.Second)
	m.check(t, out.res)
	out.events = r.events
	if !out.res.Reaped || !out.res.Status.Exited() || out.res.Status.ExitStatus() != 0 {
		t.Fatalf("tamperfix %s ended with %v, want exit 0 (it did not see what was injected)\n%s", fixMode, out.res.Status, r.dump())
	}
	return out
}

func first(tp *Tamper) func(n int) *Tamper {
	return func(n int) *Tamper {
		if n == 1 {
			return tp
		}
		return nil
	}
}

func TestTamperError(t *testing.T) { forModes(t, testTamperError) }

func testTamperError(t *testing.T, m mode) {
	for _, sub := range []bool{false, true} {
		tp := &Tamper{Return: true, Error: true, Rval: -int64(unix.EINTR)}
		if sub {
			// strace's syscall=gettid: gettid runs instead of wait4.
			tp.Substitute, tp.Nr = true, unix.SYS_GETTID
		}
		out := runTamper(t, m, "eintr", first(tp), nil)
		if len(out.exits) != 2 {
			t.Fatalf("substitute=%v: %d wait4 exits, want 2\n%v", sub, len(out.exits), out.events)
		}
		if e := out.exits[0]; e.Rval != -int64(unix.EINTR) || !e.IsError || !e.Injected || e.Delayed {
			t.Errorf("substitute=%v: first exit %+v, want the injected EINTR", sub, e)
		}
		if e := out.exits[1]; e.Injected || e.IsError || e.Rval <= 0 {
			t.Errorf("substitute=%v: second exit %+v, want the real reap", sub, e)
		}
	}
}

func TestTamperRetval(t *testing.T) { forModes(t, testTamperRetval) }

func testTamperRetval(t *testing.T, m mode) {
	out := runTamper(t, m, "zero", first(&Tamper{Return: true, Rval: 0}), nil)
	if e := out.exits[0]; e.Rval != 0 || e.IsError || !e.Injected {
		t.Errorf("first exit %+v, want an injected 0", e)
	}
}

func TestTamperSignal(t *testing.T) { forModes(t, testTamperSignal) }

// testTamperSignal: the signal is pending as the call starts, so a wait4
// that would block is interrupted, and it comes from the kernel
// (SI_KERNEL) in both stop modes, as when strace restarts an entry stop
// with it.
func testTamperSignal(t *testing.T, m mode) {
	out := runTamper(t, m, "signal", first(&Tamper{Signal: int(unix.SIGUSR1)}), nil)
	if e := out.exits[0]; e.Injected || !e.IsError || e.Rval != -512 {
		t.Errorf("first exit %+v, want the kernel's own ERESTARTSYS", e)
	}
	if len(out.signals) != 1 {
		t.Fatalf("%d signal events, want SIGUSR1's", len(out.signals))
	}
	si := out.signals[0]
	if signo, code := binary.NativeEndian.Uint32(si[0:]), binary.NativeEndian.Uint32(si[8:]); signo != uint32(unix.SIGUSR1) || code != 0x80 {
		t.Errorf("siginfo signo %d code %#x, want SIGUSR1 and SI_KERNEL", signo, code)
	}
}

func TestTamperDelay(t *testing.T) { forModes(t, testTamperDelay) }

// testTamperDelay: a call held at its entry or exit keeps only its own
// thread stopped: the child's wait4 and exit are handled meanwhile.
func testTamperDelay(t *testing.T, m mode) {
	const d = 300 * time.Millisecond
	for _, atExit := range []bool{false, true} {
		tp := &Tamper{HoldEnter: !atExit, DelayEnter: d, HoldExit: atExit, DelayExit: d}
		out := runTamper(t, m, "delay", first(tp), nil)
		if len(out.exits) != 1 || !out.exits[0].Delayed || out.exits[0].Injected {
			t.Fatalf("exit=%v: exits %+v, want one, delayed", atExit, out.exits)
		}
		// The child's own wait4 exit and its end come while the parent
		// is held at its entry.
		var childExit, childGone time.Time
		for i, e := range out.events {
			switch {
			case e.Kind == SyscallExit && e.Tid != out.leader && childExit.IsZero():
				childExit = out.times[i]
			case e.Kind == Exited && e.Tid != out.leader:
				childGone = out.times[i]
			}
		}
		entry, exit := out.entries[0].Time, out.exits[0].Time
		if !atExit {
			if got := exit.Sub(entry); got < d {
				t.Errorf("held at entry for %v, want %v", got, d)
			}
			if childExit.IsZero() || childExit.After(exit) || childGone.After(exit) {
				t.Errorf("the child's wait4 (%v) and exit (%v) were not served while its parent was held (%v..%v)",
					childExit, childGone, entry, exit)
			}
			continue
		}
		var leaderGone time.Time
		for i, e := range out.events {
			if e.Kind == Exited && e.Tid == out.leader {
				leaderGone = out.times[i]
			}
		}
		if got := leaderGone.Sub(exit); got < d {
			t.Errorf("held at exit for %v, want %v", got, d)
		}
	}
}

func TestTamperDetachHeld(t *testing.T) { forModes(t, testTamperDetachHeld) }

// testTamperDetachHeld: detaching a tracee held at the entry of a skipped
// call ends the delay, and the call still returns what was injected.
func testTamperDetachHeld(t *testing.T, m mode) {
	start := time.Now()
	tp := &Tamper{Return: true, Error: true, Rval: -int64(unix.EINTR), HoldEnter: true, DelayEnter: 2 * time.Second}
	runTamper(t, m, "eintr", first(tp), func(tr *Tracer) {
		time.AfterFunc(100*time.Millisecond, tr.Detach)
	})
	// Tracees with the filter are traced to their end: they wait.
	if took := time.Since(start); !m.seccomp && took > 1500*time.Millisecond {
		t.Errorf("the trace took %v: the detach did not cut the delay short", took)
	}
}
