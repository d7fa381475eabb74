package session

import (
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/reaps"
)

// alerts collects the alert lines of a session.
type alerts struct{ lines []string }

func (a *alerts) Record(ev *event.Event) {
	if ev.Kind == event.AlertFired {
		a.lines = append(a.lines, output.AlertText(ev.Alert))
	}
}
func (a *alerts) Close() error { return nil }

// TestZombieKicksAreSpaced: 50 zombies due 1 ms apart, while nothing else
// happens, fire their 50 alerts through a few kicks of the engine, not one
// kick per zombie.
func TestZombieKicksAreSpaced(t *testing.T) {
	s := New(Options{})
	got := &alerts{}
	s.Add(got)
	s.Add(reaps.New(reaps.Options{Alerts: map[string]bool{"zombie": true}, ZombieAfter: 20 * time.Millisecond,
		Follow: true, Emit: s.Emit}))
	kicks := make(chan struct{}, 100)
	s.wake.kick = func() { kicks <- struct{}{} }

	handle := func(ev ptrace.Event) {
		ev.Time = time.Now()
		s.handle(&ev)
	}
	handle(ptrace.Event{Kind: ptrace.NewTracee, Tid: 100, Pid: 100, Parent: 1, Origin: ptrace.Launched, Argv: []string{"init"}})
	for pid := 101; pid <= 150; pid++ {
		handle(ptrace.Event{Kind: ptrace.NewTracee, Tid: pid, Pid: pid, Parent: 100, Origin: ptrace.Followed, Argv: []string{"job"}})
		handle(ptrace.Event{Kind: ptrace.Exited, Tid: pid})
		time.Sleep(time.Millisecond)
	}
	n := 0
	for count := 0; count < 50; count = len(got.lines) {
		select {
		case <-kicks:
			n++
			handle(ptrace.Event{Kind: ptrace.Tick})
		case <-time.After(5 * time.Second):
			t.Fatalf("%d zombie alerts after %d kicks; want 50:\n%s", count, n, strings.Join(got.lines, "\n"))
		}
	}
	if n > 3 {
		t.Errorf("%d kicks for 50 zombies due within 50 ms; want at most 3 (one per %v)", n, kickEvery)
	}
	if err := s.end(); err != nil {
		t.Fatal(err)
	}
}
