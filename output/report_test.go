package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/waittrace/waittrace/event"
)

func TestWriteReport(t *testing.T) {
	zero, two := 0, 2
	r := &event.Report{Follow: true,
		Processes: []*event.ReapsOf{{Pid: 4200, Parent: 1, Argv: []string{"sh", "-c", "make all"}, State: "exited", Status: &zero, Fate: "reaped-by-tracer",
			Children: []*event.ReapsOf{{Pid: 4201, Parent: 4200, Argv: []string{"make", "all\x1b\n"}, State: "exited", Status: &two,
				Fate: "reaped", ReapedBy: 4200, ReaperComm: "sh", Call: "wait4", LatencyNS: 1e6}}}},
		Reapers: []event.Reaper{{Pid: 4200, Comm: "sh", Calls: 1, Found: 1, Reaped: 1, MinNS: 1e6, MedianNS: 1e6, MaxNS: 1e6, ReapedIDs: []int{4201}}},
	}
	var b bytes.Buffer
	if err := WriteReport(&b, r, false); err != nil {
		t.Fatal(err)
	}
	want := `=== waittrace --reaps: who reaped whom ===
4200 sh -c make all    exited 0  reaped by waittrace (it launched the command)
└─ 4201 make all\33\n  exited 2  reaped by 4200 sh  wait4  1.0 ms after exit
wait calls per process:
  4200 sh: 1 calls: 1 found a child, 0 returned 0 (WNOHANG), 0 ECHILD, 0 EINTR, 0 restarted; reaped 1, exit-to-reap min 1.0 ms, median 1.0 ms, max 1.0 ms
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	_ = WriteReport(&b, &event.Report{Processes: []*event.ReapsOf{{Pid: 1, Argv: []string{"x"}, State: "running"}}}, false)
	if !strings.Contains(b.String(), "add -f") {
		t.Errorf("without -f the report must say so:\n%s", b.String())
	}
}
