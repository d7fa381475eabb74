package session

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/reaps"
	"github.com/waittrace/waittrace/syscalls"
	"github.com/waittrace/waittrace/timeline"
)

// exits counts the wait calls that returned, and the structures they
// filled (decoded, so read from the tracee).
type exits struct{ calls, structs int }

func (e *exits) Record(ev *event.Event) {
	if ev.Kind != event.CallExit {
		return
	}
	e.calls++
	for _, p := range []bool{ev.Status != nil, ev.CallSiginfo != nil, ev.Rusage != nil} {
		if p {
			e.structs++
		}
	}
}
func (e *exits) Close() error { return nil }

// TestEachStructureReadOnce: with every consumer of the records at once
// (the text writer per thread as -ff writes it, JSON, the reaps tracker
// with its report and alerts, the timeline), each structure a wait call
// filled is read from the tracee once: no sink reads or decodes again.
func TestEachStructureReadOnce(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("needs sh")
	}
	var reads int
	s := New(Options{
		Command: &Command{Path: sh, Argv: []string{"sh", "-c", "(exit 3) & wait; (exit 4) & wait $!; sleep 0.01 & wait"}},
		Follow:  true, Seccomp: true, Calls: syscalls.Calls(), ProcessInfo: true,
	})
	s.countReads = &reads
	var jsonOut, timelineOut bytes.Buffer
	got := &exits{}
	s.Add(got)
	s.Add(output.NewPerThread(filepath.Join(t.TempDir(), "trace"), false, output.TextOptions{TextConfig: output.TextConfig{Out: &bytes.Buffer{}}}))
	s.Add(output.NewJSON(&jsonOut, 0))
	s.Add(reaps.New(reaps.Options{Alerts: map[string]bool{"nonzero": true, "echild": true}, Report: true, Summary: true, Follow: true, Emit: s.Emit}))
	s.Add(timeline.New(&timelineOut))
	res, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Reaped || !res.Status.Exited() {
		t.Fatalf("the command did not end normally: %+v", res)
	}
	if got.calls == 0 || got.structs == 0 {
		t.Fatalf("no wait call returned a structure (%d calls): nothing tested", got.calls)
	}
	if reads != got.structs {
		t.Errorf("%d reads of tracee memory for %d structures filled by %d wait calls; want one read each", reads, got.structs, got.calls)
	}
	if jsonOut.Len() == 0 || timelineOut.Len() == 0 {
		t.Errorf("the sinks wrote nothing: JSON %d bytes, timeline %d bytes", jsonOut.Len(), timelineOut.Len())
	}
}
