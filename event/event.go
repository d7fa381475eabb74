// Package event defines the one decoded record of everything waittrace
// sees: a wait call (its arguments as values and as text, the status,
// siginfo and rusage it returned, its return value and errno), a signal, a
// group-stop, an exit, an exec, a fork, an attach or detach, and what the
// analysis derives from them (alerts, the reaps report, the -c summary).
//
// The session makes one Event per engine event, decoding each call once,
// and hands it to every Sink in order. Sinks (the writers of each format,
// the reaps tracker, the timeline) only read records: none of them talks to
// the engine or reads tracee memory.
package event

import (
	"time"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/stack"
	"github.com/waittrace/waittrace/syscalls"
)

// Kind says what an Event reports.
type Kind uint8

// Event kinds.
const (
	// CallEntry: a traced call was entered. Syscall, EntryText and the
	// Args known at entry are set.
	CallEntry Kind = iota + 1
	// CallExit: the call returned. Syscall, EntryText, ExitText, RetText,
	// IsErr, Return, Errno and all Args are set, and Status, Siginfo and
	// Rusage when the kernel's results were decoded.
	CallExit
	// SignalDelivered: "--- SIGCHLD {...} ---". Signal, SigNum, SigInfoText
	// and Siginfo are set.
	SignalDelivered
	// GroupStopped: "--- stopped by SIGSTOP ---".
	GroupStopped
	// ProcessExited: "+++ exited with N +++"; ExitCode is set.
	ProcessExited
	// ProcessKilled: "+++ killed by SIG +++"; Signal, SigNum and Core are set.
	ProcessKilled
	// Traced: a thread is traced from now on; Origin, Threads and Announce
	// are set, and Argv when known.
	Traced
	// Untraced: waittrace detached from the thread; Announce is set.
	Untraced
	// Superseded: an execve in thread Former replaced leader Proc.Tid.
	Superseded
	// Executed: the thread completed an execve; Argv is set when known.
	Executed
	// AlertFired: the analysis raised Alert (about process Proc.Pid).
	AlertFired
	// ReportReady: the reaps report, once the trace is over.
	ReportReady
	// SummaryReady: the -c summary, once the trace is over.
	SummaryReady
)

// Origin says how a thread came to be traced (Traced events).
type Origin uint8

// Origins.
const (
	Launched Origin = iota + 1 // the command waittrace started
	Attached                   // -p PID
	Forked                     // followed child or thread (-f)
)

// Process identifies the thread an event is about. Uid is -1 and Comm empty
// when unknown. Comm is raw bytes from the tracee: escape before printing.
type Process struct {
	Tid, Pid, PPid int
	Uid            int
	Comm           string
}

// Arg is one decoded argument of a call, as a value and as text.
type Arg = decode.ArgValue

// Event is one thing that happened, decoded. Records are not reused: sinks
// may keep the pointer.
type Event struct {
	Kind Kind
	Time time.Time
	Proc Process

	// Nr is the call's number (for signals and exits: the last call the
	// thread entered); IP the instruction pointer of the call or signal
	// stop, when known (HasIP).
	Nr    uint64
	IP    uint64
	HasIP bool

	// Calls.
	Syscall     string
	Personality syscalls.Personality
	// Raw are the call's argument registers as saved at entry, truncated to
	// the personality's word size.
	Raw       [6]uint64
	EntryText string // arguments printed at entry, e.g. "-1, "
	ExitText  string // the rest, without ")"
	RetText   string // "4376", "-1 ECHILD (No child processes)"
	IsErr     bool
	Return    int64 // as the tracee sees it: -1 on error
	Errno     int
	ErrName   string
	ErrMsg    string
	Args      []Arg
	// Injected: the call was not run, and returned the error or value of
	// -e inject= (RetText ends " (INJECTED)"); Delayed: it was held at
	// its entry or exit (" (DELAYED)").
	Injected, Delayed bool
	// Status, CallSiginfo and Rusage are what the call stored for the
	// caller, when decoded; nil otherwise.
	Status      *decode.WaitStatus
	CallSiginfo *decode.Siginfo
	Rusage      *decode.Rusage
	// STime is the system CPU time the tracee spent in the call, on
	// CallExit when the session was asked for it (Options.StopTimes), as
	// strace -c counts it: from the rusage of its entry and exit stops.
	STime time.Duration

	// Signals, stops, deaths.
	Signal      string
	SigNum      int
	SigInfoText string
	SigInfo     *decode.Siginfo
	ExitCode    int
	Core        bool

	// Tracing.
	Origin   Origin
	Threads  int
	Announce bool
	Former   int
	Argv     []string

	// Stack (-k) is the user-space stack, innermost frame first, of a
	// call (unwound at its entry stop, and on its CallEntry and CallExit),
	// a signal or a group-stop, when the session unwinds stacks and strace
	// would print one (not for a 32-bit tracee). StackErr is strace's line
	// for what cut it short ("too many stack frames"), or why there is
	// none. Object and Symbol are raw bytes from the tracee.
	Stack    []stack.Frame
	StackErr string
	// Scope is what the session learned at a wait call's entry of the
	// children it may collect (for --alert=stolen), on CallEntry and
	// CallExit.
	Scope *Scope

	// Analysis.
	Alert   *Alert
	Report  *Report
	Summary *Summary
}

// Sink consumes records, in order, on the tracer's thread. Close is called
// once, after the last record.
type Sink interface {
	Record(ev *Event)
	Close() error
}
