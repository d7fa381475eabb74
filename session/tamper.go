package session

import (
	"fmt"
	"strconv"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// tamper carries out -e inject= and -e fault= (Options.Tamper): at each
// traced call's entry it asks the plan, and has the engine tamper with the
// call (ev.Tamper); the record of a tampered call's exit gets strace's
// marks. The plan's per-thread counts follow the threads' lives.
func (s *Session) tamper(ev *ptrace.Event, rec *event.Event) {
	plan := s.opts.Tamper
	if plan == nil {
		return
	}
	switch ev.Kind {
	case ptrace.SyscallEntry:
		per, ok := personality(ev.Arch)
		c, traced := s.sets[ev.Arch][ev.Nr]
		if !ok || !traced {
			return
		}
		if a, ok := plan.Decide(ev.Tid, per, c); ok {
			ev.Tamper = &ptrace.Tamper{Return: a.Return, Error: a.Error, Rval: a.Rval,
				Substitute: a.Substitute, Nr: a.Nr, Signal: a.Signal,
				DelayEnter: a.DelayEnter, DelayExit: a.DelayExit, HoldEnter: a.HoldEnter, HoldExit: a.HoldExit}
		}
	case ptrace.SyscallExit:
		if rec != nil && (ev.Injected || ev.Delayed) {
			s.markTampered(ev, rec)
		}
	case ptrace.Exited, ptrace.Killed, ptrace.Detached:
		plan.Forget(ev.Tid)
	case ptrace.Superseded:
		plan.Moved(ev.Former, ev.Tid)
	}
}

// markTampered ends the return text of a tampered call as strace does:
// "= -1 EINTR (Interrupted system call) (INJECTED) (DELAYED)". An
// injected retval= is a success whatever its value, printed as strace
// prints the call's result: wait4's and waitpid's as a pid_t, waitid's as
// an unsigned long.
func (s *Session) markTampered(ev *ptrace.Event, rec *event.Event) {
	if ev.Injected && !ev.IsError {
		v := ev.Rval
		c, _ := syscalls.ParseCall(rec.Syscall)
		text := ""
		switch {
		case c != syscalls.Waitid:
			v = int64(int32(v))
			text = strconv.FormatInt(v, 10)
		case rec.Personality.WordSize() == 4:
			v = int64(int32(v))
			text = strconv.FormatUint(uint64(uint32(v)), 10)
		default:
			text = strconv.FormatUint(uint64(v), 10)
		}
		rec.IsErr, rec.Return, rec.Errno, rec.ErrName, rec.ErrMsg = false, v, 0, "", ""
		if _, errLike := decode.Return(v); errLike {
			// Decoded as an error, its results were printed as addresses;
			// strace reads them as for any success. -4096 is a success
			// that is nonzero and not positive, as v is.
			d := decode.Call(c, rec.Personality, ev.Args, -4096, true, s.memory(ev.Mem), s.decodeConfig(ev.Tid, c))
			rec.ExitText, rec.Args = d.ExitText, d.Args
			rec.Status, rec.CallSiginfo, rec.Rusage = d.Status, d.Siginfo, d.Rusage
		}
		rec.RetText = text
		if s.opts.Raw[c] && v != 0 {
			rec.RetText = fmt.Sprintf("%#x", uint64(ev.Rval))
		}
	}
	if ev.Injected {
		rec.Injected = true
		rec.RetText += " (INJECTED)"
	}
	if ev.Delayed {
		rec.Delayed = true
		rec.RetText += " (DELAYED)"
	}
}
