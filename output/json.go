package output

import (
	"encoding/json"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/stack"
)

// JSON writes JSON Lines: one object per completed call (entry and exit
// joined), per call left unfinished, and per signal, stop, exit, exec,
// fork, attach and detach. The fields follow Tracee's events; see the
// README for the schema.
//
// Strings are JSON strings. A process name or argv element that is not
// valid UTF-8 is written with each invalid byte replaced by U+FFFD, and
// its exact bytes are added in base64 (processNameBytes, argvBytes).
type JSON struct {
	enc    *json.Encoder
	out    io.Writer
	status Status
	calls  map[int]*event.Event
	err    error
	stacks bool // -k (stack.go)
}

// JSONRecord is one line of --json output.
type JSONRecord struct {
	Timestamp        int64       `json:"timestamp"`
	ThreadID         int         `json:"threadId"`
	ProcessID        int         `json:"processId"`
	ParentProcessID  int         `json:"parentProcessId"`
	UserID           int         `json:"userId"`
	ProcessName      string      `json:"processName"`
	ProcessNameBytes []byte      `json:"processNameBytes,omitempty"`
	EventName        string      `json:"eventName"`
	Syscall          string      `json:"syscall,omitempty"`
	ReturnValue      *int64      `json:"returnValue,omitempty"`
	Args             []event.Arg `json:"args"`
	Errno            int         `json:"errno,omitempty"`
	Error            string      `json:"error,omitempty"`
	ErrorMessage     string      `json:"errorMessage,omitempty"`
	DurationNs       *int64      `json:"durationNs,omitempty"`
	Unfinished       bool        `json:"unfinished,omitempty"`
	Detached         bool        `json:"detached,omitempty"`
	// Injected and Delayed: the call was tampered with (-e inject=).
	Injected bool `json:"injected,omitempty"`
	Delayed  bool `json:"delayed,omitempty"`
	// Stack and StackError (-k): a call's (unwound at its entry), a
	// signal's or a group-stop's.
	Stack      []stack.Frame `json:"stack,omitempty"`
	StackError string        `json:"stackError,omitempty"`
	// The analysis: eventName "alert", "reaps_report" or "summary".
	Alert   *event.Alert   `json:"alert,omitempty"`
	Report  *event.Report  `json:"report,omitempty"`
	Summary *event.Summary `json:"summary,omitempty"`
}

// NewJSON returns a JSON writer. status selects calls by outcome as -e
// status= does (0: all).
func NewJSON(out io.Writer, status Status) *JSON {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return &JSON{enc: enc, out: out, status: status, calls: make(map[int]*event.Event)}
}

// Object writes v as one more line (e.g. a final report object).
func (j *JSON) Object(v any) error {
	if j.err == nil {
		j.err = j.enc.Encode(v)
	}
	return j.err
}

// Close implements event.Sink: calls still blocked are written unfinished.
func (j *JSON) Close() error {
	tids := make([]int, 0, len(j.calls))
	for tid := range j.calls {
		tids = append(tids, tid)
	}
	sort.Ints(tids)
	for _, tid := range tids {
		j.unfinished(tid, Unfinished)
	}
	return j.err
}

func (j *JSON) want(o Status) bool { return j.status == 0 || j.status.Has(o) }

func record(ev *event.Event, name string) *JSONRecord {
	r := &JSONRecord{
		Timestamp: ev.Time.UnixNano(), ThreadID: ev.Proc.Tid, ProcessID: ev.Proc.Pid,
		ParentProcessID: ev.Proc.PPid, UserID: ev.Proc.Uid, ProcessName: ev.Proc.Comm,
		EventName: name, Args: []event.Arg{},
	}
	if !utf8.ValidString(ev.Proc.Comm) {
		r.ProcessNameBytes = []byte(ev.Proc.Comm)
	}
	return r
}

func (j *JSON) unfinished(tid int, o Status) {
	e := j.calls[tid]
	delete(j.calls, tid)
	if e == nil || !j.want(o) {
		return
	}
	r := record(e, e.Syscall)
	r.Syscall = e.Syscall
	r.Args = append(r.Args, e.Args...)
	r.Unfinished = true
	r.Detached = o == Detached
	j.addStack(r, e)
	_ = j.Object(r)
}

// Record implements event.Sink.
func (j *JSON) Record(ev *event.Event) {
	tid := ev.Proc.Tid
	switch ev.Kind {
	case event.CallEntry:
		j.calls[tid] = ev
		return
	case event.CallExit:
		e := j.calls[tid]
		delete(j.calls, tid)
		o := Successful
		if ev.IsErr {
			o = Failed
		}
		if !j.want(o) {
			return
		}
		start := ev
		if e != nil {
			start = e
		}
		r := record(ev, ev.Syscall)
		r.Timestamp = start.Time.UnixNano()
		r.Syscall = ev.Syscall
		ret := ev.Return
		r.ReturnValue = &ret
		r.Args = append(r.Args, ev.Args...)
		if ev.IsErr {
			r.Errno, r.Error, r.ErrorMessage = ev.Errno, ev.ErrName, ev.ErrMsg
		}
		d := ev.Time.Sub(start.Time).Nanoseconds()
		r.DurationNs = &d
		r.Injected, r.Delayed = ev.Injected, ev.Delayed
		j.addStack(r, ev)
		_ = j.Object(r)
		return
	case event.ProcessExited, event.ProcessKilled, event.Superseded:
		j.unfinished(tid, Unfinished)
	case event.Untraced:
		j.unfinished(tid, Detached)
	}
	var r *JSONRecord
	switch ev.Kind {
	case event.SignalDelivered:
		r = record(ev, "signal")
		r.Args = append(r.Args, event.Arg{Name: "signal", Type: "signal", Value: ev.Signal, Raw: uint64(ev.SigNum)})
		if ev.SigInfo != nil {
			r.Args = append(r.Args, event.Arg{Name: "siginfo", Type: "siginfo", Value: ev.SigInfo})
		}
		j.addStack(r, ev)
	case event.GroupStopped:
		r = record(ev, "group_stop")
		r.Args = append(r.Args, event.Arg{Name: "signal", Type: "signal", Value: ev.Signal, Raw: uint64(ev.SigNum)})
		j.addStack(r, ev)
	case event.ProcessExited:
		r = record(ev, "exit")
		r.Args = append(r.Args, event.Arg{Name: "exitCode", Type: "int", Value: ev.ExitCode, Raw: uint64(ev.ExitCode)})
	case event.ProcessKilled:
		r = record(ev, "exit")
		r.Args = append(r.Args,
			event.Arg{Name: "signal", Type: "signal", Value: ev.Signal, Raw: uint64(ev.SigNum)},
			event.Arg{Name: "coreDumped", Type: "bool", Value: ev.Core})
	case event.Traced:
		name := map[event.Origin]string{event.Launched: "launch", event.Attached: "attach", event.Forked: "fork"}[ev.Origin]
		if name == "" {
			name = "attach"
		}
		r = record(ev, name)
		if ev.Origin == event.Attached {
			r.Args = append(r.Args, event.Arg{Name: "threads", Type: "int", Value: ev.Threads, Raw: uint64(ev.Threads)})
		}
		r.Args = appendArgv(r.Args, ev.Argv)
	case event.Untraced:
		r = record(ev, "detach")
	case event.Superseded:
		r = record(ev, "superseded")
		r.Args = append(r.Args, event.Arg{Name: "former", Type: "pid", Value: ev.Former, Raw: uint64(ev.Former)})
	case event.Executed:
		r = record(ev, "exec")
		r.Args = appendArgv(r.Args, ev.Argv)
	case event.AlertFired:
		r = record(ev, "alert")
		r.Alert = ev.Alert
	case event.ReportReady:
		r = record(ev, "reaps_report")
		r.Report = ev.Report
	case event.SummaryReady:
		r = record(ev, "summary")
		r.Summary = ev.Summary
	default:
		return
	}
	_ = j.Object(r)
}

func appendArgv(args []event.Arg, argv []string) []event.Arg {
	if argv == nil {
		return args
	}
	args = append(args, event.Arg{Name: "argv", Type: "string[]", Value: argv})
	var raw [][]byte
	bad := false
	for _, a := range argv {
		raw = append(raw, []byte(a))
		bad = bad || !utf8.ValidString(a)
	}
	if bad {
		args = append(args, event.Arg{Name: "argvBytes", Type: "base64[]", Value: raw})
	}
	return args
}

// Err returns the first write error.
func (j *JSON) Err() error { return j.err }
