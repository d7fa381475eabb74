package output

import (
	"time"
)

// Writer is what the printer feeds: one Event per thing that happened, in
// order. Start is called once before the first event, Close once after the
// last (it ends calls still blocked and flushes). Text, JSON and Table
// implement it; like Tracee's printers, writers never talk to the engine.
type Writer interface {
	Start(initial int)
	Print(ev *Event)
	Close() error
}

// Kind says what an Event reports.
type Kind uint8

// Event kinds.
const (
	// CallEntry: a traced call was entered. Syscall, EntryText and the
	// Args known at entry are set.
	CallEntry Kind = iota + 1
	// CallExit: the call returned. Syscall, EntryText, ExitText, RetText,
	// IsErr, Return, Errno and all Args are set.
	CallExit
	// SignalDelivered: "--- SIGCHLD {...} ---". Signal, SigNum, SigInfoText
	// and SigInfo are set.
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
// when unknown.
type Process struct {
	Tid, Pid, PPid int
	Uid            int
	Comm           string
}

// Arg is one decoded argument of a call, for structured writers: Value is
// a number, a string, a []string or a decode structure (WaitStatusValue,
// SiginfoValue, RusageValue), or nil for NULL or unreadable memory.
type Arg struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
	// Raw is the argument's register value (the address, for pointers).
	Raw uint64 `json:"raw"`
}

// Event is one thing that happened to one thread, decoded. The printer
// reuses nothing: writers may keep the pointer.
type Event struct {
	Kind Kind
	Time time.Time
	Proc Process

	// Calls.
	Syscall   string
	EntryText string // arguments printed at entry, e.g. "-1, "
	ExitText  string // the rest, without ")"
	RetText   string // "4376", "-1 ECHILD (No child processes)"
	IsErr     bool
	Return    int64 // as the tracee sees it: -1 on error
	Errno     int
	ErrName   string
	ErrMsg    string
	Args      []Arg

	// Signals, stops, deaths.
	Signal      string
	SigNum      int
	SigInfoText string
	SigInfo     any
	ExitCode    int
	Core        bool

	// Tracing.
	Origin   Origin
	Threads  int
	Announce bool
	Former   int
	Argv     []string
}
