// Package ptrace is waittrace's engine: it launches or attaches to processes,
// stops them at system calls with ptrace, and reports what happened as plain
// data (Event). It knows nothing about text or about which calls are
// interesting beyond the predicate it is given.
package ptrace

import "time"

// Kind says what an Event reports.
type Kind uint8

// Event kinds.
const (
	// SyscallEntry: a traced call was entered; Arch, Nr and Args are set.
	SyscallEntry Kind = iota + 1
	// SyscallExit: a traced call returned; Arch, Nr and Args (saved at
	// entry), Rval and IsError are set.
	SyscallExit
	// Signal: a signal is about to be delivered (signal-delivery-stop); Sig
	// and Siginfo are set. The engine re-injects it.
	Signal
	// GroupStop: the tracee entered a group-stop by Sig.
	GroupStop
	// Exited: the tracee exited with Status.
	Exited
	// Killed: the tracee was killed by Sig; Core reports a core dump.
	Killed
	// NewTracee: a thread is traced from now on; Origin says how.
	// For Origin Attached, Threads is the number of threads of the process.
	NewTracee
	// Detached: the engine detached from the tracee (it keeps running).
	// Late: it did not stop in time to be detached; it is detached at its
	// next stop, or by the kernel when waittrace exits.
	Detached
	// Superseded: a thread other than the leader called execve; the old
	// leader Tid is gone and thread Former now has Tid.
	Superseded
	// Exec: the tracee completed an execve; Argv is the new command line.
	Exec
	// Tick: nothing happened to a tracee (Tid is 0); Kick asked for the
	// handler to run at Time, on the engine's thread.
	Tick
)

// Origin says how a tracee came to be traced.
type Origin uint8

// Origins of tracees.
const (
	Launched Origin = iota + 1 // the command waittrace started
	Attached                   // a process named with -p (or one of its threads)
	Followed                   // a child or thread of a tracee, with -f
)

// Event is one thing that happened to one tracee. The engine reuses the value
// it passes to the handler: copy what must outlive the call.
type Event struct {
	Kind    Kind
	Tid     int
	Arch    uint32 // AUDIT_ARCH_* of the call's personality
	Nr      uint64
	Args    [6]uint64
	Rval    int64
	IsError bool
	Sig     int
	Core    bool
	Status  int
	Origin  Origin
	Threads int
	Former  int
	Late    bool
	// OnExec: a Detached event of -b execve, at the tracee's exec.
	OnExec bool
	// Pid is the thread group (process) of Tid and Parent its parent
	// process, set on NewTracee events with Options.ProcessInfo.
	Pid    int
	Parent int
	// Argv is the command line, on NewTracee and Exec events with
	// Options.ProcessInfo (raw bytes from the tracee: escape before printing).
	// Forked, on a NewTracee event: the child of a fork, whose Pid and
	// Parent come from the fork event and whose program, name and user
	// are its parent's (Argv is then nil: nothing was read).
	Argv   []string
	Forked bool
	// Time is when the engine saw the stop.
	Time time.Time
	// STime is the system CPU time the tracee spent in the call, from the
	// rusage of its entry and exit stops, on SyscallExit with
	// Options.StopTimes.
	STime time.Duration
	// Siginfo is the raw 64-bit siginfo_t of a Signal event.
	Siginfo []byte
	// Mem reads the tracee's memory. It is valid only during the handler
	// call, while the tracee is stopped.
	Mem Memory
	// IP is the instruction pointer of the call (at its entry) or of a
	// signal stop (with Options.IP), when known (HasIP). Nr is, for Signal,
	// Exited and Killed events, the number of the last call the thread
	// entered.
	IP    uint64
	HasIP bool
	// Regs are the registers at a SyscallEntry, Signal or GroupStop stop,
	// with Options.Regs (HasRegs).
	Regs    Regs
	HasRegs bool
	// Tamper, set by the handler on a SyscallEntry event, has the engine
	// tamper with the call (tamper.go). On the SyscallExit event,
	// Injected says that Rval and IsError are the injected result (what
	// the thread sees), and Delayed that the call was held at its entry
	// or exit.
	Tamper            *Tamper
	Injected, Delayed bool
}

// Regs are the registers a user-space stack is unwound from: the program
// counter, stack pointer, frame pointer and (arm64) link register.
type Regs struct {
	PC, SP, FP, LR uint64
}
