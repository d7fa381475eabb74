package output

import (
	"errors"
	"fmt"
	"strings"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
)

// Status is a set of call outcomes for -e status=, -z and -Z.
type Status uint8

// Call outcomes, as strace names them.
const (
	Successful  Status = 1 << iota // returned without an error
	Failed                         // returned an error
	Unfinished                     // never returned: the thread died or exec'd
	Unavailable                    // returned, but the result could not be read
	Detached                       // waittrace detached while the call blocked
	AllStatus          = Successful | Failed | Unfinished | Unavailable | Detached
	// NoStatus selects no outcome (-e status=none): unlike 0, which
	// selects them all.
	NoStatus Status = 1 << 7
)

var statusNames = []struct {
	bit  Status
	name string
}{
	{Successful, "successful"}, {Failed, "failed"}, {Unfinished, "unfinished"},
	{Unavailable, "unavailable"}, {Detached, "detached"},
}

// ParseStatus reads strace's -e status=SET: names separated by commas,
// "all", "none", and a leading "!" to negate.
func ParseStatus(set string) (Status, error) {
	negate := strings.HasPrefix(set, "!")
	set = strings.TrimPrefix(set, "!")
	var s Status
	for _, name := range strings.Split(set, ",") {
		switch name = strings.TrimSpace(name); name {
		case "all":
			s = AllStatus
		case "none":
		default:
			found := false
			for _, n := range statusNames {
				if n.name == name {
					s |= n.bit
					found = true
				}
			}
			if !found {
				return 0, fmt.Errorf("invalid status %q: use successful, failed, unfinished, unavailable, detached", name)
			}
		}
	}
	if negate {
		s = AllStatus &^ s
	}
	if s == 0 {
		s = NoStatus
	}
	return s, nil
}

// Has reports whether s selects outcome o.
func (s Status) Has(o Status) bool { return s&o != 0 }

// TextOptions configure a TextWriter.
type TextOptions struct {
	TextConfig
	Time              Stamp
	Relative          bool // -r
	RelativePrecision Precision
	Durations         bool // -T
	DurationPrecision Precision
	// SyscallNumber (-n) and InstructionPointer (-i) prefix each line with
	// the call's number and the tracee's instruction pointer.
	SyscallNumber      bool
	InstructionPointer bool
	// QuietExit leaves out the "+++ exited with N +++" lines (-qq; as in
	// strace, not the "+++ killed by" ones), QuietSuperseded the "+++
	// superseded by execve" ones (--quiet=thread-execve).
	QuietExit, QuietSuperseded bool
	// Signals, when set, are the signals whose "+++ killed by SIG +++"
	// lines are printed (-e signal=, which strace applies to them too).
	Signals map[int]bool
	// ResumedFull prints a call that blocked while others printed in full
	// when it returns, instead of "<... wait4 resumed>".
	ResumedFull bool
	// Status selects calls by outcome; 0 means all. Anything short of all
	// holds each call back until its outcome is known, as strace does.
	Status Status
	// DecodePids (-Y) names the process of each line's pid prefix after
	// the record's Proc.Comm.
	DecodePids bool
	// StackTraces prints the records' stacks after their lines, as strace
	// -k does (stack.go).
	StackTraces bool
}

// TextWriter feeds a Text with Events, adding strace's time prefixes,
// durations and status filtering.
type TextWriter struct {
	t   *Text
	opt TextOptions
	// calls holds each thread's call in progress (its entry event).
	calls map[int]*heldCall
	// last is the thread whose line was begun last, printed or held back.
	last int
	// cur is the record being printed (for -Y's prefix).
	cur *event.Event
	err error
}

type heldCall struct {
	entry *event.Event
	// held: the entry was not printed (status filtering).
	held bool
	// cut: another thread began a line after this held entry.
	cut bool
	// nprocs at entry: the held line's "[pid N] " prefix is decided then.
	nprocs int
}

// NewTextWriter returns a TextWriter.
func NewTextWriter(opt TextOptions) *TextWriter {
	if opt.Status == AllStatus {
		opt.Status = 0
	}
	w := &TextWriter{opt: opt, calls: make(map[int]*heldCall)}
	cfg := opt.TextConfig
	if opt.DecodePids {
		cfg.Comm = w.comm
	}
	w.t = NewText(cfg)
	w.t.ext.stamp, w.t.ext.relative, w.t.ext.relDigits = opt.Time, opt.Relative, opt.RelativePrecision
	return w
}

// comm names tid in a line's prefix (-Y): the name the session read for
// the record being printed, escaped.
func (w *TextWriter) comm(tid int) (string, bool) {
	if w.cur == nil || w.cur.Proc.Tid != tid || w.cur.Proc.Comm == "" {
		return "", false
	}
	return decode.Quote(w.cur.Proc.Comm), true
}

// Close implements event.Sink.
func (w *TextWriter) Close() error {
	w.t.flush()
	return w.Err()
}

// analysis prints the alerts, summary and report of the analysis among
// the trace lines: an alert closes an unfinished line first, to be resumed
// later. They are ours, not the tracee's: escaped when they were made.
func (w *TextWriter) analysis(ev *event.Event) {
	if ev.Kind == event.AlertFired {
		w.t.Line(AlertText(ev.Alert))
		w.t.Raw(AlertDetail(ev.Alert))
		return
	}
	text, err := analysisText(ev, w.opt.Color)
	w.err = errors.Join(w.err, err)
	w.t.Raw(text)
}

// analysisText is an analysis record as text: an alert's line, the
// summary's tables or the report.
func analysisText(ev *event.Event, colored bool) (string, error) {
	var b strings.Builder
	var err error
	switch ev.Kind {
	case event.AlertFired:
		b.WriteString(AlertText(ev.Alert) + "\n" + AlertDetail(ev.Alert))
	case event.SummaryReady:
		err = WriteSummary(&b, ev.Summary)
	case event.ReportReady:
		err = WriteReport(&b, ev.Report, colored)
	}
	return b.String(), err
}

// AlertText is the line of an alert: "!!! ALERT zombie: ... !!!".
func AlertText(a *event.Alert) string { return "!!! ALERT " + a.Kind + ": " + a.Message + " !!!" }

// Text returns the underlying Text.
func (w *TextWriter) Text() *Text { return w.t }

// begin notes that tid begins a line: a held entry of another thread is
// then cut, as strace's would be.
func (w *TextWriter) begin(tid int) {
	if w.last != tid {
		if hc := w.calls[w.last]; hc != nil && hc.held {
			hc.cut = true
		}
	}
	w.last = tid
}

// release prints a held entry now, at its own time.
func (w *TextWriter) release(hc *heldCall) {
	e := hc.entry
	save, n := w.t.ext.now, w.t.nprocs
	w.t.ext.now, w.t.nprocs = e.Time, hc.nprocs
	w.t.Enter(e.Proc.Tid, e.Syscall, e.EntryText)
	w.t.ext.now, w.t.nprocs = save, n
	hc.held = false
}

// Record implements event.Sink.
func (w *TextWriter) Record(ev *event.Event) {
	t := w.t
	t.ext.now = ev.Time
	tid := ev.Proc.Tid
	w.cur = ev
	if w.opt.SyscallNumber || w.opt.InstructionPointer {
		t.ext.prefix = w.linePrefix(ev)
	}
	filtering := w.opt.Status != 0
	switch ev.Kind {
	case event.CallEntry:
		w.begin(tid)
		w.calls[tid] = &heldCall{entry: ev, held: filtering, nprocs: t.nprocs}
		if !filtering {
			t.Enter(tid, ev.Syscall, ev.EntryText)
		}
	case event.CallExit:
		hc := w.calls[tid]
		delete(w.calls, tid)
		if w.opt.Durations && hc != nil {
			t.ext.suffix = " " + FormatDuration(ev.Time.Sub(hc.entry.Time), w.opt.DurationPrecision)
		}
		defer func() { t.ext.suffix = "" }()
		switch {
		case hc != nil && hc.held:
			o := Successful
			if ev.IsErr {
				o = Failed
			}
			if !w.opt.Status.Has(o) {
				return
			}
			w.release(hc)
			if hc.cut {
				t.exitBare(tid, ev.ExitText, ev.RetText, ev.IsErr)
			} else {
				t.Exit(tid, ev.Syscall, ev.ExitText, ev.RetText, ev.IsErr)
			}
			w.last = tid
		case w.opt.ResumedFull && t.open != tid && hc != nil:
			w.begin(tid)
			t.Enter(tid, ev.Syscall, hc.entry.EntryText)
			t.Exit(tid, ev.Syscall, ev.ExitText, ev.RetText, ev.IsErr)
		default:
			if t.open != tid {
				w.begin(tid)
			}
			t.Exit(tid, ev.Syscall, ev.ExitText, ev.RetText, ev.IsErr)
		}
		w.stack(ev)
	case event.SignalDelivered:
		w.begin(tid)
		t.Signal(tid, ev.Signal, ev.SigInfoText)
		w.stack(ev)
	case event.GroupStopped:
		w.begin(tid)
		t.GroupStop(tid, ev.Signal)
		w.stack(ev)
	case event.ProcessExited, event.ProcessKilled, event.Superseded:
		w.ended(tid, Unfinished)
		if (ev.Kind == event.Superseded && w.opt.QuietSuperseded) || (ev.Kind == event.ProcessExited && w.opt.QuietExit) ||
			(ev.Kind == event.ProcessKilled && w.opt.Signals != nil && !w.opt.Signals[ev.SigNum]) {
			t.Gone(tid)
			return
		}
		w.begin(tid)
		switch ev.Kind {
		case event.ProcessExited:
			t.Exited(tid, ev.ExitCode)
		case event.ProcessKilled:
			t.Killed(tid, ev.Signal, ev.Core)
		default:
			t.Superseded(tid, ev.Former)
		}
	case event.Traced:
		t.NewTracee(tid, ev.Threads, ev.Announce)
	case event.Untraced:
		w.ended(tid, Detached)
		t.Detached(tid, ev.Announce)
	case event.AlertFired, event.SummaryReady, event.ReportReady:
		w.analysis(ev)
	}
}

// ended drops or releases tid's call that will never return (outcome o).
func (w *TextWriter) ended(tid int, o Status) {
	hc := w.calls[tid]
	delete(w.calls, tid)
	if hc == nil || !hc.held {
		return
	}
	if w.opt.Status.Has(o) {
		w.release(hc)
	}
}

// linePrefix is -n's "[  61] " and -i's "[00007f3b92d69bd3] " for ev's
// lines, as strace prints them: the call's number (for signals and exits,
// the last call's), and the instruction pointer, "?" for a process gone.
func (w *TextWriter) linePrefix(ev *event.Event) string {
	var p string
	if w.opt.SyscallNumber {
		p = fmt.Sprintf("[%4d] ", ev.Nr)
	}
	if w.opt.InstructionPointer {
		width := 16
		if ev.Personality.WordSize() == 4 {
			width = 8
		}
		if ev.HasIP {
			p += fmt.Sprintf("[%0*x] ", width, ev.IP)
		} else {
			p += "[" + strings.Repeat("?", width) + "] "
		}
	}
	return p
}

// Err returns the first write error.
func (w *TextWriter) Err() error {
	if err := w.t.Err(); err != nil {
		return err
	}
	return w.err
}
