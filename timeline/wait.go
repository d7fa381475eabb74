package timeline

import (
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/syscalls"
)

// The rules below are those of reaps.waitOf, restated: sinks are
// independent of each other, so this package does not import reaps.

// Wait option bits (include/uapi/linux/wait.h), waitid's idtypes and the
// CLD_* codes that report a death (siginfo.h).
const (
	optWUNTRACED  = 0x2
	optWCONTINUED = 0x8
	optWNOWAIT    = 0x1000000

	idPAll = 0
	idPPid = 1

	cldExited = 1
	cldDumped = 3

	errECHILD = 10
)

// outcome is what a returned wait call reported about a child.
type outcome uint8

const (
	none      outcome = iota // no child: WNOHANG's 0, an error
	collected                // an exit or death, and the zombie released
	peeked                   // an exit reported with WNOWAIT: still a zombie
	changed                  // a stop or a continue
	unknown                  // a child, but its status was not readable
)

// waitResult is what the timeline needs of a returned wait call.
type waitResult struct {
	child   int
	outcome outcome
	// any: it waited for any child; else target is the pid it named (0
	// for process groups and pidfds, which the records cannot resolve).
	any    bool
	target int
	opts   uint32
	echild bool
}

// resultOf reads a CallExit record of a wait-family call; ok is false for
// any other record.
func resultOf(ev *event.Event) (r waitResult, ok bool) {
	c, ok := syscalls.ParseCall(ev.Syscall)
	if ev.Kind != event.CallExit || !ok {
		return r, false
	}
	args := ev.Raw
	r.echild = ev.IsErr && ev.Errno == errECHILD
	switch c {
	case syscalls.Wait4, syscalls.Waitpid:
		pid := int(int32(args[0]))
		r.any = pid == -1
		if pid > 0 {
			r.target = pid
		}
		r.opts = uint32(args[2])
		if ev.IsErr || ev.Return <= 0 {
			return r, true
		}
		r.child, r.outcome = int(ev.Return), unknown
		switch ws := ev.Status; {
		case args[1] == 0:
			// No status asked for: only the options tell a stop from an exit.
			if r.opts&(optWUNTRACED|optWCONTINUED) == 0 {
				r.outcome = collected
			}
		case ws == nil: // unreadable
		case ws.Stopped(), ws.Continued():
			r.outcome = changed
		case ws.Exited(), ws.Signaled():
			r.outcome = collected
		}
	case syscalls.Waitid:
		r.any = args[0] == idPAll
		if args[0] == idPPid {
			r.target = int(int32(args[1]))
		}
		r.opts = uint32(args[3])
		si := ev.CallSiginfo
		if ev.IsErr || si == nil || si.Signo == 0 || si.Pid == 0 {
			return r, true
		}
		r.child = int(si.Pid)
		switch {
		case si.Code >= cldExited && si.Code <= cldDumped && r.opts&optWNOWAIT != 0:
			r.outcome = peeked
		case si.Code >= cldExited && si.Code <= cldDumped:
			r.outcome = collected
		default:
			r.outcome = changed
		}
	}
	return r, true
}

// reaps reports whether the call released child's zombie. A status that
// could not be read counts when the child is known to be dead and the
// call did not peek, as the reaps tracker decides.
func (r waitResult) reaps() bool {
	return r.outcome == collected || (r.outcome == unknown && r.opts&optWNOWAIT == 0)
}
