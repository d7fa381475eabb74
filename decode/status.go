package decode

import (
	"fmt"
	"strings"
)

// WaitStatus is the int a wait call stores through its status pointer.
type WaitStatus uint32

// The encoding is the kernel's (and glibc's <bits/waitstatus.h>):
// exit code in bits 8-15, terminating signal in bits 0-6, core flag 0x80,
// 0x7f in the low byte for a stop, 0xffff for a continue, and a ptrace
// event in bits 16 and up.
const (
	stopMark  = 0x7f
	coreFlag  = 0x80
	continued = 0xffff
)

func (w WaitStatus) termSig() uint32 { return uint32(w) & 0x7f }

// Stopped reports WIFSTOPPED.
func (w WaitStatus) Stopped() bool { return uint32(w)&0xff == stopMark }

// Signaled reports WIFSIGNALED: a signal number of 1..126 in the low bits.
func (w WaitStatus) Signaled() bool { return w.termSig() != 0 && w.termSig() != 0x7f }

// Exited reports WIFEXITED.
func (w WaitStatus) Exited() bool { return w.termSig() == 0 }

// Continued reports WIFCONTINUED.
func (w WaitStatus) Continued() bool { return uint32(w) == continued }

// ExitStatus returns WEXITSTATUS.
func (w WaitStatus) ExitStatus() int { return int(uint32(w)>>8) & 0xff }

// TermSignal returns WTERMSIG.
func (w WaitStatus) TermSignal() int { return int(w.termSig()) }

// CoreDumped returns WCOREDUMP.
func (w WaitStatus) CoreDumped() bool { return w.Signaled() && uint32(w)&coreFlag != 0 }

// StopSignal returns WSTOPSIG; PTRACE_O_TRACESYSGOOD stops have 0x80 set.
func (w WaitStatus) StopSignal() int { return int(uint32(w)>>8) & 0xff }

// PtraceEvent returns the PTRACE_EVENT_* number in the high bits (0 if none).
func (w WaitStatus) PtraceEvent() int { return int(uint32(w) >> 16) }

// String prints the status as strace does inside a wait call, e.g.
// "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]" or
// "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP}|PTRACE_EVENT_EXEC<<16]".
// The checks run in strace's order; bits a form does not explain are
// appended as "|EVENT<<16" and "|0x...".
func (w WaitStatus) String() string {
	s := uint32(w)
	var b strings.Builder
	b.WriteString("[")
	switch {
	case w.Stopped():
		sig := (s >> 8) & 0xff
		fmt.Fprintf(&b, "{WIFSTOPPED(s) && WSTOPSIG(s) == %s", Signal(int(sig&0x7f)))
		if sig&0x80 != 0 {
			b.WriteString(" | 0x80")
		}
		b.WriteString("}")
		s &^= sig<<8 | stopMark
	case w.Signaled():
		sig := w.termSig()
		fmt.Fprintf(&b, "{WIFSIGNALED(s) && WTERMSIG(s) == %s", Signal(int(sig)))
		if s&coreFlag != 0 {
			b.WriteString(" && WCOREDUMP(s)")
		}
		b.WriteString("}")
		s &^= sig | coreFlag
	case w.Exited():
		code := (s >> 8) & 0xff
		fmt.Fprintf(&b, "{WIFEXITED(s) && WEXITSTATUS(s) == %d}", code)
		s &^= code << 8
	case w.Continued():
		b.WriteString("{WIFCONTINUED(s)}")
		s = 0
	default:
		fmt.Fprintf(&b, "%#x]", s)
		return b.String()
	}
	if ev := s >> 16; ev != 0 {
		b.WriteString("|")
		b.WriteString(ptraceEvent(ev))
		b.WriteString("<<16")
		s &= 0xffff
	}
	if s != 0 {
		fmt.Fprintf(&b, "|%#x", s)
	}
	b.WriteString("]")
	return b.String()
}

var ptraceEvents = map[uint32]string{
	1:    "PTRACE_EVENT_FORK",
	2:    "PTRACE_EVENT_VFORK",
	3:    "PTRACE_EVENT_CLONE",
	4:    "PTRACE_EVENT_EXEC",
	5:    "PTRACE_EVENT_VFORK_DONE",
	6:    "PTRACE_EVENT_EXIT",
	7:    "PTRACE_EVENT_SECCOMP",
	0x80: "PTRACE_EVENT_STOP",
}

func ptraceEvent(ev uint32) string {
	if name, ok := ptraceEvents[ev]; ok {
		return name
	}
	return hex(uint64(ev)) + " /* PTRACE_EVENT_??? */"
}
