package reaps

import (
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/syscalls"
)

// waitid's idtypes the tracker resolves, and CLD_* codes that report a
// death (include/uapi/linux/wait.h, siginfo.h).
const (
	idPAll    = 0
	idPPid    = 1
	cldExited = 1
	cldDumped = 3
)

// waitOf reads what a returned wait call reported from its record: the
// child and whether its status was collected. It uses the status and
// siginfo the session decoded for the record; nothing is read again. nil
// for records that are not a wait call's exit.
func waitOf(ev *event.Event) *Wait {
	if ev.Kind != event.CallExit {
		return nil
	}
	c, ok := syscalls.ParseCall(ev.Syscall)
	if !ok {
		return nil
	}
	w := &Wait{Call: ev.Syscall, Rval: ev.Return}
	if ev.Personality == syscalls.I386 {
		w.Personality = 1
	}
	if ev.IsErr {
		w.Errno = ev.Errno
		w.Rval = -int64(ev.Errno)
	}
	args := ev.Raw
	switch c {
	case syscalls.Wait4, syscalls.Waitpid:
		pid := int(int32(args[0]))
		w.Any = pid == -1
		if pid > 0 {
			w.Target = pid
		}
		w.Options = uint64(uint32(args[2]))
		if w.Errno != 0 || w.Rval <= 0 {
			return w
		}
		w.Child, w.State = int(w.Rval), Unknown
		switch ws := ev.Status; {
		case args[1] == 0:
			// No status asked for: only the options tell a stop from an exit.
			if w.Options&(WUNTRACED|WCONTINUED) == 0 {
				w.State = Collected
			}
		case ws == nil: // unreadable
		case ws.Stopped(), ws.Continued():
			w.State = Changed
		case ws.Exited(), ws.Signaled():
			w.State = Collected
		}
	case syscalls.Waitid:
		w.Any = args[0] == idPAll
		if args[0] == idPPid {
			w.Target = int(int32(args[1]))
		}
		w.Options = uint64(uint32(args[3]))
		si := ev.CallSiginfo
		if w.Errno != 0 || si == nil || si.Signo == 0 || si.Pid == 0 {
			return w
		}
		w.Child = int(si.Pid)
		switch {
		case si.Code >= cldExited && si.Code <= cldDumped && w.Options&WNOWAIT != 0:
			w.State = Peeked
		case si.Code >= cldExited && si.Code <= cldDumped:
			w.State = Collected
		default:
			w.State = Changed
		}
	}
	return w
}
