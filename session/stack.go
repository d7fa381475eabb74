package session

import (
	"debug/elf"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/stack"
)

// stacks unwinds the user-space stacks of -k at the stops themselves,
// while the tracee is stopped: sinks never read tracee memory, and a stack
// unwound later (at a call's exit) could see other mappings.
type stacks struct {
	u *stack.Unwinder // one per session: its objects serve every process
	// entry is each thread's stack of the call it is in, for the call's
	// exit record.
	entry map[int]unwound
	// native is whether each thread runs the native personality, as of
	// its last traced call (or its executable, before any): strace prints
	// no stack for another (unwind_tcb_print's currpers check).
	native map[int]bool
	// signals: unwind at signal-delivery and group stops too.
	signals bool
	// count, when set, counts the Unwinds (tests).
	count *int
}

type unwound struct {
	frames []stack.Frame
	err    string
}

func newStacks(signals bool) *stacks {
	return &stacks{u: stack.NewUnwinder(), entry: map[int]unwound{}, native: map[int]bool{}, signals: signals}
}

// nativeArch is the AUDIT_ARCH_* of this build's own personality.
var nativeArch = map[string]uint32{"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64}[runtime.GOARCH]

// add gives rec the stack of engine event ev, for the records strace
// prints one after: a call (unwound at its entry; the exit record carries
// the same), and, when asked, a signal and a group-stop.
func (st *stacks) add(ev *ptrace.Event, rec *event.Event) {
	tid := ev.Tid
	switch ev.Kind {
	case ptrace.SyscallEntry:
		delete(st.entry, tid)
		native := ev.Arch == nativeArch
		st.native[tid] = native
		if native && ev.HasRegs {
			s := st.unwind(ev)
			st.entry[tid] = s
			rec.Stack, rec.StackErr = s.frames, s.err
		}
	case ptrace.SyscallExit:
		if s, ok := st.entry[tid]; ok {
			delete(st.entry, tid)
			rec.Stack, rec.StackErr = s.frames, s.err
		}
	case ptrace.Signal, ptrace.GroupStop:
		if st.signals && ev.HasRegs && st.isNative(tid) {
			s := st.unwind(ev)
			rec.Stack, rec.StackErr = s.frames, s.err
		}
	case ptrace.Exec:
		delete(st.native, tid) // a new program, maybe of the other personality
	case ptrace.Exited, ptrace.Killed, ptrace.Detached, ptrace.Superseded:
		delete(st.entry, tid)
		delete(st.native, tid)
	}
}

// unwind walks the stack of the thread stopped at ev. As strace: the frames
// up to its limit and " > too many stack frames" past it; no stack at all
// where the walk cannot start (the maps unreadable), which the record
// says in StackErr.
func (st *stacks) unwind(ev *ptrace.Event) unwound {
	if st.count != nil {
		*st.count++
	}
	r := ev.Regs
	frames, err := st.u.Unwind(ev.Tid, stack.Regs{PC: r.PC, SP: r.SP, FP: r.FP, LR: r.LR}, ev.Mem, 0)
	switch {
	case err == nil:
		return unwound{frames: frames}
	case errors.Is(err, stack.ErrTooManyFrames):
		return unwound{frames: frames, err: err.Error()}
	}
	return unwound{err: err.Error()}
}

// isNative reports whether thread tid runs the native personality: as its
// last traced call did, or, before it made one, as its executable's ELF
// class and machine say (a signal can come first).
func (st *stacks) isNative(tid int) bool {
	if n, ok := st.native[tid]; ok {
		return n
	}
	n := exeIsNative(tid)
	st.native[tid] = n
	return n
}

// exeIsNative reads the ELF header of /proc/TID/exe; true when it cannot
// tell, as strace assumes its default personality.
func exeIsNative(tid int) bool {
	f, err := os.Open("/proc/" + strconv.Itoa(tid) + "/exe")
	if err != nil {
		return true
	}
	defer f.Close()
	var hdr [20]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[:4]) != elf.ELFMAG {
		return true
	}
	machine := elf.Machine(uint16(hdr[18]) | uint16(hdr[19])<<8)
	switch runtime.GOARCH {
	case "amd64":
		return elf.Class(hdr[4]) == elf.ELFCLASS64 && machine == elf.EM_X86_64
	case "arm64":
		return elf.Class(hdr[4]) == elf.ELFCLASS64 && machine == elf.EM_AARCH64
	}
	return true
}
