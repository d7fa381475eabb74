//go:build linux

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/reaps"
)

// TestZombieKicksAreSpaced: 50 zombies due 1 ms apart, while nothing else
// happens, fire their 50 alerts through a few kicks of the engine (each
// starts a process), not one kick per zombie.
func TestZombieKicksAreSpaced(t *testing.T) {
	var out strings.Builder
	h := &reapHooks{out: &out}
	h.tracker = reaps.New(reaps.Options{Alerts: map[string]bool{"zombie": true}, ZombieAfter: 20 * time.Millisecond,
		Follow: true, OnAlert: h.alert})
	kicks := make(chan struct{}, 100)
	h.setKick(func() { kicks <- struct{}{} })

	event := func(ev ptrace.Event) {
		ev.Time = time.Now()
		h.tick(&ev)
		h.observe(nil, &ev)
	}
	event(ptrace.Event{Kind: ptrace.NewTracee, Tid: 100, Pid: 100, Parent: 1, Origin: ptrace.Launched, Argv: []string{"init"}})
	for pid := 101; pid <= 150; pid++ {
		event(ptrace.Event{Kind: ptrace.NewTracee, Tid: pid, Pid: pid, Parent: 100, Origin: ptrace.Followed, Argv: []string{"job"}})
		event(ptrace.Event{Kind: ptrace.Exited, Tid: pid})
		time.Sleep(time.Millisecond)
	}
	n := 0
	for strings.Count(out.String(), "ALERT zombie") < 50 {
		select {
		case <-kicks:
			n++
			h.tick(&ptrace.Event{Kind: ptrace.Tick, Time: time.Now()})
		case <-time.After(5 * time.Second):
			t.Fatalf("%d zombie alerts after %d kicks; want 50:\n%s", strings.Count(out.String(), "ALERT zombie"), n, out.String())
		}
	}
	if n > 3 {
		t.Errorf("%d kicks for 50 zombies due within 50 ms; want at most 3 (one per %v)", n, kickEvery)
	}
	h.finish()
}
