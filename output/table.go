package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/decode"
)

// Table writes Tracee's table view: one aligned row per completed call and
// per signal, stop, exit, exec, fork, attach and detach, under the header
// TIME UID COMM PID TID RET EVENT ARGS. Calls are joined (one row, at the
// time of entry); COMM is escaped as strace escapes strings.
type Table struct {
	out    io.Writer
	status Status
	calls  map[int]*Event
	err    error
}

// NewTable returns a Table writer; status selects calls by outcome (0: all).
func NewTable(out io.Writer, status Status) *Table {
	return &Table{out: out, status: status, calls: make(map[int]*Event)}
}

const tableRow = "%-15s %-6s %-16s %-7s %-7s %-16s %-12s %s\n"

// Start implements Writer: it prints the header.
func (t *Table) Start(int) {
	t.row("TIME", "UID", "COMM", "PID", "TID", "RET", "EVENT", "ARGS")
}

func (t *Table) row(cols ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.out, tableRow, cols...)
	}
}

func (t *Table) event(ev *Event, ret, name, args string) {
	uid := "?"
	if ev.Proc.Uid >= 0 {
		uid = strconv.Itoa(ev.Proc.Uid)
	}
	t.row(FormatTime(WallClockUs, ev.Time), uid, decode.Quote(ev.Proc.Comm),
		strconv.Itoa(ev.Proc.Pid), strconv.Itoa(ev.Proc.Tid), ret, name, args)
}

// Close implements Writer: calls still blocked get a row with RET "?".
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
}

// Print implements Writer.
func (t *Table) Print(ev *Event) {
	tid := ev.Proc.Tid
	switch ev.Kind {
	case CallEntry:
		t.calls[tid] = ev
	case CallExit:
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
	case SignalDelivered:
		t.event(ev, "0", "signal", strings.TrimSpace(ev.Signal+" "+ev.SigInfoText))
	case GroupStopped:
		t.event(ev, "0", "group_stop", ev.Signal)
	case ProcessExited:
		t.unfinished(tid, Unfinished)
		t.event(ev, "0", "exit", "exited with "+strconv.Itoa(ev.ExitCode))
	case ProcessKilled:
		t.unfinished(tid, Unfinished)
		s := "killed by " + ev.Signal
		if ev.Core {
			s += " (core dumped)"
		}
		t.event(ev, "0", "exit", s)
	case Superseded:
		t.unfinished(tid, Unfinished)
		t.event(ev, "0", "superseded", "by execve in pid "+strconv.Itoa(ev.Former))
	case Traced:
		name := map[Origin]string{Launched: "launch", Attached: "attach", Forked: "fork"}[ev.Origin]
		t.event(ev, "0", name, EscapeArgv(ev.Argv))
	case Untraced:
		t.unfinished(tid, Detached)
		t.event(ev, "0", "detach", "")
	case Executed:
		t.event(ev, "0", "exec", EscapeArgv(ev.Argv))
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
