package ptrace

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStopTimes: with StopTimes, the exit of a wait4 that reaps a child
// which spent 100 ms of system time reports about that much (the kernel
// charges it to the caller at the reap, and the rusage of the call's stops
// shows it), and a wait4 that fails at once next to none; without it,
// nothing is measured.
func TestStopTimes(t *testing.T) { forModes(t, testStopTimes) }

func testStopTimes(t *testing.T, m mode) {
	path := fixture(t, "stimefix")
	for _, on := range []bool{true, false} {
		var exits []*Event
		tr := New(m.options(Options{Follow: true, Trace: waitCalls, StopTimes: on}), func(ev *Event) {
			if ev.Kind == SyscallExit {
				e := *ev
				exits = append(exits, &e)
			}
		})
		res := run(t, tr, Spec{Path: path, Argv: []string{"stimefix"}}, 20*time.Second)
		m.check(t, res)
		if !res.Reaped || !res.Status.Exited() || res.Status.ExitStatus() != 0 {
			t.Fatalf("StopTimes=%v: fixture status %#x, want exit 0", on, uint32(res.Status))
		}
		if len(exits) != 2 || exits[0].Nr != unix.SYS_WAIT4 || exits[1].Rval != -int64(unix.ECHILD) {
			t.Fatalf("StopTimes=%v: %d call exits, want the reaping wait4 and the ECHILD one", on, len(exits))
		}
		reap, echild := exits[0].STime, exits[1].STime
		switch {
		case !on && (reap != 0 || echild != 0):
			t.Errorf("StopTimes off: STime %v and %v, want 0", reap, echild)
		case on && (reap < 80*time.Millisecond || reap > 5*time.Second):
			t.Errorf("StopTimes: the reaping wait4's STime is %v, want the child's 100 ms or more", reap)
		case on && (echild < 0 || echild > 50*time.Millisecond):
			t.Errorf("StopTimes: the failing wait4's STime is %v, want next to none", echild)
		}
	}
}
