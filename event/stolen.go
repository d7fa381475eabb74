package event

import (
	"time"

	"github.com/waittrace/waittrace/stack"
)

// Scope is what the session learned from /proc, at a wait call's entry, of
// the children the call may collect: the stolen-child alert needs it for
// the calls that name their child by a pidfd or a process group, which the
// call's arguments alone do not resolve.
type Scope struct {
	// Pidfd is the process a waitid(P_PIDFD) argument refers to, 0 if
	// unknown: read from the pidfd's fdinfo, or, once the process was
	// reaped (the fdinfo then says -1), found by the pidfd's inode, which
	// the session noted when the process was first traced.
	Pidfd int
	// Group is the process group a group wait waits for (the caller's own
	// for waitpid(0) and waitid(P_PGID, 0)).
	Group int
	// Groups are the process groups of the caller's children, read at
	// the call's entry: all of them for a group wait, else those not read
	// before (a child's group is mostly set right after its fork). At a
	// child's exit it is too late: its parent may have reaped it already.
	Groups []ChildGroup
}

// ChildGroup is the process group of a child.
type ChildGroup struct{ Pid, Pgid int }

// Theft is a stolen child (--alert=stolen): a wait call that wanted one
// child, by its pid, a pidfd or its process group, and the other call of
// the same process that had collected it first.
type Theft struct {
	Child     int      `json:"child"`
	ChildComm string   `json:"child_comm"`
	ReapedBy  WaitCall `json:"reaped_by"`
	WantedBy  WaitCall `json:"wanted_by"`
	// Blocked: the wanter was waiting for the child's process group
	// (blocked, or interrupted by a signal and to be restarted) when the
	// child was collected, and goes on waiting for the others; otherwise
	// it failed with ECHILD.
	Blocked bool `json:"blocked,omitempty"`
}

// WaitCall is one wait call of a Theft.
type WaitCall struct {
	Pid  int    `json:"pid"`
	Tid  int    `json:"tid"`
	Comm string `json:"comm"`
	// Call is what the call waited for, as strace prints its first
	// arguments: "wait4(-1)", "waitid(P_PIDFD, 3)". Text is the whole call
	// as strace printed it, return value included (its entry alone, ending
	// in ", ", for a call still blocked).
	Call string    `json:"call"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
	// Where names the frame of the stack that made the call ("on_sigchld
	// (handler.c:41)", "main+0x40"), "" without a stack.
	Where string        `json:"where,omitempty"`
	Stack []stack.Frame `json:"stack,omitempty"`
}
