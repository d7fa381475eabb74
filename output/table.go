package output

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/event"

	"github.com/waittrace/waittrace/decode"
)

// Table writes Tracee's table view: one aligned row per completed call and
// per signal, stop, exit, exec, fork, attach and detach, under the header
// TIME UID COMM PID TID RET EVENT ARGS. Calls are joined (one row, at the
// time of entry); COMM is escaped as strace escapes strings.
type Table struct {
	out    io.Writer
	status Status
	calls  map[int]*event.Event
	err    error
	stacks bool // -k (stack.go)
}

// NewTable returns a Table writer; status selects calls by outcome (0: all).
func NewTable(out io.Writer, status Status) *Table {
	t := &Table{out: out, status: status, calls: make(map[int]*event.Event)}
	t.row("TIME", "UID", "COMM", "PID", "TID", "RET", "EVENT", "ARGS")
	return t
}

const tableRow = "%-15s %-6s %-16s %-7s %-7s %-16s %-12s %s\n"

func (t *Table) row(cols ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.out, tableRow, cols...)
	}
}

func (t *Table) event(ev *event.Event, ret, name, args string) {
	uid := "?"
	if ev.Proc.Uid >= 0 {
		uid = strconv.Itoa(ev.Proc.Uid)
	}
	t.row(FormatTime(Stamp{TimeOfDay, Microseconds}, ev.Time), uid, decode.Quote(ev.Proc.Comm),
		strconv.Itoa(ev.Proc.Pid), strconv.Itoa(ev.Proc.Tid), ret, name, args)
}

// Close implements event.Sink: calls still blocked get a row with RET "?".
func (t *Table) Close() error {
	for tid := range t.calls {
		t.unfinished(tid, Unfinished)
	}
	return t.err
}

func (t *Table) unfinished(tid int, o Status) {
	e := t.calls[tid]
	delete(t.calls, tid)
	if e == nil || (t.status != 0 && !t.status.Has(o)) {
		return
	}
	what := "<unfinished ...>"
	if o == Detached {
		what = "<detached ...>"
	}
	t.event(e, "?", e.Syscall, e.EntryText+what)
	t.stackRows(e, e)
}

// Record implements event.Sink.
func (t *Table) Record(ev *event.Event) {
	tid := ev.Proc.Tid
	switch ev.Kind {
	case event.CallEntry:
		t.calls[tid] = ev
	case event.CallExit:
		e := t.calls[tid]
		delete(t.calls, tid)
		o := Successful
		if ev.IsErr {
			o = Failed
		}
		if t.status != 0 && !t.status.Has(o) {
			return
		}
		start := ev
		if e != nil {
			start = e
		}
		ret := strconv.FormatInt(ev.Return, 10)
		if ev.IsErr {
			ret = ev.ErrName
		}
		row := *ev
		row.Time = start.Time
		t.event(&row, ret, ev.Syscall, ev.EntryText+ev.ExitText)
		t.stackRows(&row, ev)
	case event.SignalDelivered:
		t.event(ev, "0", "signal", strings.TrimSpace(ev.Signal+" "+ev.SigInfoText))
		t.stackRows(ev, ev)
	case event.GroupStopped:
		t.event(ev, "0", "group_stop", ev.Signal)
		t.stackRows(ev, ev)
	case event.ProcessExited:
		t.unfinished(tid, Unfinished)
		t.event(ev, "0", "exit", "exited with "+strconv.Itoa(ev.ExitCode))
	case event.ProcessKilled:
		t.unfinished(tid, Unfinished)
		s := "killed by " + ev.Signal
		if ev.Core {
			s += " (core dumped)"
		}
		t.event(ev, "0", "exit", s)
	case event.Superseded:
		t.unfinished(tid, Unfinished)
		t.event(ev, "0", "superseded", "by execve in pid "+strconv.Itoa(ev.Former))
	case event.Traced:
		name := map[event.Origin]string{event.Launched: "launch", event.Attached: "attach", event.Forked: "fork"}[ev.Origin]
		t.event(ev, "0", name, EscapeArgv(ev.Argv))
	case event.Untraced:
		t.unfinished(tid, Detached)
		t.event(ev, "0", "detach", "")
	case event.Executed:
		t.event(ev, "0", "exec", EscapeArgv(ev.Argv))
	case event.AlertFired:
		t.event(ev, "0", "alert", ev.Alert.Kind+": "+ev.Alert.Message)
	case event.SummaryReady:
		for _, r := range ev.Summary.Rows {
			t.event(ev, strconv.Itoa(r.Errors), "summary", fmt.Sprintf("%s calls=%d errors=%d seconds=%.6f min=%.6f max=%.6f clock=%s child=%d none=%d echild=%d eintr=%d restarted=%d invalid=%d",
				r.Syscall, r.Calls, r.Errors, r.Time.Seconds(), r.Min.Seconds(), r.Max.Seconds(), ev.Summary.Clock,
				r.Found, r.None, r.ECHILD, r.EINTR, r.Restarted, r.Invalid))
		}
	case event.ReportReady:
		t.report(ev)
	}
}

// report writes the reaps report as rows: one per traced process, in tree
// order, with its fate (EVENT "reaped"), then one per reaper (EVENT
// "reaper").
func (t *Table) report(ev *event.Event) {
	var walk func(ps []*event.ReapsOf)
	walk = func(ps []*event.ReapsOf) {
		for _, p := range ps {
			row := *ev
			row.Proc = event.Process{Tid: p.Pid, Pid: p.Pid, PPid: p.Parent, Uid: -1}
			if len(p.Argv) > 0 {
				row.Proc.Comm = path.Base(p.Argv[0])
			}
			t.event(&row, stateText(p), "reaped", fateText(p))
			walk(p.Children)
		}
	}
	walk(ev.Report.Processes)
	for _, rp := range ev.Report.Reapers {
		row := *ev
		row.Proc = event.Process{Tid: rp.Pid, Pid: rp.Pid, Uid: -1, Comm: rp.Comm}
		t.event(&row, strconv.Itoa(rp.Calls), "reaper", reaperText(rp))
	}
}

// EscapeArgv prints a command line as strace prints strings: each argument
// quoted and escaped, separated by spaces.
func EscapeArgv(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = `"` + decode.Quote(a) + `"`
	}
	return strings.Join(parts, " ")
}

// Err returns the first write error.
func (t *Table) Err() error { return t.err }
