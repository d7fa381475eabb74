// Package session runs one trace: it starts the engine (launching a
// command, attaching to processes, or both), turns each engine event into
// one decoded record (package event) through the syscall tables and the
// decoders, and hands the record to its sinks in order. It owns the
// signals waittrace receives and the exit status it ends with. It knows no
// flag names: the command line fills Options and adds the sinks.
package session

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
	"github.com/waittrace/waittrace/tamper"
	"golang.org/x/sys/unix"
)

// Options say what to trace and how to decode it.
type Options struct {
	// Command to launch, if any, and processes to attach to.
	Command *Command
	Pids    []int
	// Follow traces children and threads (-f).
	Follow bool
	// Calls are the traced system calls.
	Calls []syscalls.Call
	// Seccomp stops a launched command only at the traced calls, with a
	// seccomp filter; with Follow only (every descendant inherits it).
	Seccomp bool
	// KillOnExit kills the launched command and its followed descendants
	// if waittrace dies; the seccomp filter implies it.
	KillOnExit bool
	// Interruptible says when a fatal signal ends the trace (strace's -I).
	Interruptible Interruptible
	// Ignored are the signals ignored when waittrace started (IgnoredAtStart):
	// they are left ignored, for the command inherits that.
	Ignored []os.Signal
	// Verbose decodes structures in full (-v).
	Verbose bool
	// Abbrev, when set, are the calls whose structures are abbreviated
	// (-e abbrev=; the others in full); Structs the calls whose structures
	// are decoded (-e verbose=; the others print addresses); Raw the calls
	// printed undecoded (-e raw=).
	Abbrev, Structs, Raw map[syscalls.Call]bool
	// Style prints constants by name, number or both (-X).
	Style decode.Style
	// IP reads the instruction pointer of signal stops too (-i).
	IP bool
	// DecodePids names the processes of pids, DecodeFds what pidfds refer
	// to (-Y, -y).
	DecodePids, DecodeFds bool
	// Signals selects the signals whose delivery is recorded; nil: all.
	Signals map[int]bool
	// ProcessInfo fills each record's parent, uid and name, and the argv
	// of new processes, from /proc (for JSON, the table and the reports).
	ProcessInfo bool
	// StopTimes reports on each CallExit the system CPU time the tracee
	// spent in the call (event.Event.STime), for -c.
	StopTimes bool
	// Announce marks the records of attached and followed processes as
	// announced ("Process N attached"), as strace does without -q.
	Announce bool
	// Messages receives waittrace's own one-line warnings (stderr).
	Messages io.Writer
	// DetachOnExec detaches each tracee when it executes a new program
	// (-b execve); the seccomp filter is then not used.
	DetachOnExec bool
	// SeccompAsked: --seccomp-bpf was given, not just implied by -f; a
	// filter not used is then said why.
	SeccompAsked bool
	// Debug writes waittrace's own decisions to Messages (-d).
	Debug bool
	// PidNamespaces prints the pids of tracees in other pid namespaces
	// as waittrace's namespace numbers them too (--pidns-translation).
	PidNamespaces bool
	// DecodePidfds prints the process a pidfd refers to (-yy).
	DecodePidfds bool
	// Stacks unwinds the user-space stack at each traced call's entry
	// (event.Event.Stack): for -k, and for the reports that show where a
	// child was reaped. SignalStacks unwinds it at each signal and
	// group-stop too, which only -k prints.
	Stacks, SignalStacks bool
	// Scopes resolves the pidfds and process groups that wait calls wait
	// for, and the process group of each process at its exit
	// (event.Event.Scope, Pgid), for --alert=stolen.
	Scopes bool
	// Tamper is -e inject= and -e fault=: which traced calls to tamper
	// with, and how (nil: none).
	Tamper *tamper.Plan
}

// Command is a command to launch.
type Command struct {
	// Path is the resolved executable; Argv its arguments, Argv[0] included.
	Path string
	Argv []string
	// Env is its environment; nil: waittrace's own.
	Env []string
	// Credential, if set, is the user and groups it runs as (-u).
	Credential *ptrace.Credential
	// ClosedStdio: the standard descriptors that were closed when
	// waittrace started, to be closed for the command too.
	ClosedStdio [3]bool
	// Daemon, if set, is the command of a daemonized trace (-D): it
	// already runs, as waittrace's first process, and is not launched.
	Daemon *ptrace.DaemonCommand
}

// IgnoredAtStart returns the signals that were ignored when waittrace
// started, of those Go's runtime tells: SIGHUP and SIGINT. Call it before
// any signal.Notify, which forgets it.
func IgnoredAtStart() []os.Signal {
	var ignored []os.Signal
	for _, sig := range []os.Signal{unix.SIGHUP, unix.SIGINT} {
		if signal.Ignored(sig) {
			ignored = append(ignored, sig)
		}
	}
	return ignored
}

// Interruptible is strace's -I: whether a fatal signal (SIGINT, SIGTERM,
// SIGHUP, SIGQUIT) to waittrace ends the trace.
type Interruptible int

// The -I levels. Anywhere and WhileWaiting end the trace (waittrace
// handles signals between stops either way); Never keeps tracing to the
// end; NeverTSTP also ignores SIGTSTP (^Z).
const (
	Anywhere     Interruptible = 1
	WhileWaiting Interruptible = 2
	Never        Interruptible = 3
	NeverTSTP    Interruptible = 4
)

// Clock is implemented by sinks with deadlines of their own (the zombie
// alert): Advance is called with each record's time before the record is
// handed to any sink, and when the time of Next has come while nothing
// else happens.
type Clock interface {
	Advance(now time.Time)
	Next() (time.Time, bool)
}

// Ender is implemented by sinks that derive records at the end of the
// trace (the last alerts, the report, the summary): End is called once,
// before any sink is closed.
type Ender interface {
	End(now time.Time)
}

// Session is one trace. Use New, Add the sinks, then Run once.
type Session struct {
	opts  Options
	sinks []event.Sink
	sets  map[uint32]callSet
	names *procNames
	procs map[int]event.Process
	// argvs is the last command line of each process (ProcessInfo), for
	// the children it forks.
	argvs     map[int][]string
	announced map[int]bool
	tracer    *ptrace.Tracer

	// dispatching: records emitted by sinks meanwhile wait in queued.
	dispatching bool
	queued      []*event.Event
	// failed: sinks whose write error was already reported.
	failed map[event.Sink]bool
	// wake arms the engine's kick at the sinks' next deadline.
	wake waker
	// countReads, when set, counts the reads of tracee memory (tests).
	countReads *int
	// stacks and scopes, with Options.Stacks and Scopes (stack.go,
	// scope.go).
	stacks *stacks
	scopes *scopes
	// debugMu keeps -d's lines, from two goroutines, whole.
	debugMu sync.Mutex
}

// New returns a session for opts.
func New(opts Options) *Session {
	s := &Session{
		opts:      opts,
		sets:      newCallSets(opts.Calls),
		procs:     map[int]event.Process{},
		argvs:     map[int][]string{},
		announced: map[int]bool{},
		failed:    map[event.Sink]bool{},
	}
	if opts.DecodePids || opts.DecodeFds || opts.DecodePidfds || opts.PidNamespaces {
		s.names = &procNames{pids: opts.DecodePids, fds: opts.DecodeFds, pidfds: opts.DecodePidfds}
		if opts.PidNamespaces || opts.DecodePids {
			// strace looks names up by the translated pid too.
			s.names.ns = newPidns(opts.PidNamespaces)
		}
	}
	if opts.Stacks {
		s.stacks = newStacks(opts.SignalStacks)
	}
	if opts.Scopes {
		s.scopes = newScopes()
	}
	return s
}

// Add appends a sink: records reach the sinks in the order they were added.
func (s *Session) Add(sink event.Sink) { s.sinks = append(s.sinks, sink) }

// Emit hands a record derived by a sink (an alert) to every sink. Emitted
// while a record is being handed out, or while the sinks' clocks advance,
// it follows as soon as that is done.
func (s *Session) Emit(ev *event.Event) {
	if s.dispatching {
		s.queued = append(s.queued, ev)
		return
	}
	s.deliver(ev)
}

// dispatch hands a record of the engine to every sink. Clocks are
// advanced first, so that an alert due before rec comes before it.
func (s *Session) dispatch(rec *event.Event) {
	if !rec.Time.IsZero() {
		s.advance(rec.Time)
	}
	s.deliver(rec)
	s.checkSinks()
}

// advance moves the sinks' clocks to now.
func (s *Session) advance(now time.Time) {
	s.while(func() {
		for _, sink := range s.sinks {
			if c, ok := sink.(Clock); ok {
				c.Advance(now)
			}
		}
	})
}

// deliver hands rec to every sink, then the records they emitted meanwhile.
func (s *Session) deliver(rec *event.Event) {
	s.while(func() {
		for _, sink := range s.sinks {
			sink.Record(rec)
		}
	})
}

// while runs f with the records sinks emit held back, then delivers them:
// no sink is called again while it is still handling a call.
func (s *Session) while(f func()) {
	s.dispatching = true
	f()
	s.dispatching = false
	for len(s.queued) > 0 {
		next := s.queued[0]
		s.queued = s.queued[1:]
		s.deliver(next)
	}
}

// checkSinks reports once each sink that could not write: the trace is
// lost from there on, the command is not affected.
func (s *Session) checkSinks() {
	for _, sink := range s.sinks {
		e, ok := sink.(interface{ Err() error })
		if !ok || s.failed[sink] {
			continue
		}
		if err := e.Err(); err != nil {
			s.failed[sink] = true
			s.warn("writing the trace: %v", err)
		}
	}
}

func (s *Session) warn(format string, a ...any) {
	if s.opts.Messages != nil {
		fmt.Fprintf(s.opts.Messages, "waittrace: "+format+"\n", a...)
	}
}

// handle is the engine's handler: one record per event, to every sink.
func (s *Session) handle(ev *ptrace.Event) {
	if ev.Kind == ptrace.Tick {
		s.advance(ev.Time)
		s.checkSinks()
		s.rearm()
		return
	}
	rec := s.record(ev)
	s.tamper(ev, rec)
	if rec != nil {
		s.dispatch(rec)
		s.rearm()
	}
}

// end settles the sinks once the trace is over, then closes them.
func (s *Session) end() error {
	s.wake.stop()
	now := time.Now()
	s.while(func() {
		for _, sink := range s.sinks {
			if e, ok := sink.(Ender); ok {
				e.End(now)
			}
		}
	})
	s.checkSinks()
	var errs error
	for _, sink := range s.sinks {
		if err := sink.Close(); err != nil && !s.failed[sink] {
			errs = errors.Join(errs, err)
		}
	}
	return errs
}
