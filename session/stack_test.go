package session

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// gonePid is a pid with no process (pid_max is at most 2^22).
const gonePid = 1 << 23

// TestStacksPlumbing: the stack is unwound at a native call's entry (with
// registers), carried to its exit record, unwound at signals and
// group-stops when asked (-k), and not for a 32-bit call; nothing without
// Options.Stacks.
func TestStacksPlumbing(t *testing.T) {
	nr, _ := syscalls.Number(syscalls.AMD64, syscalls.Wait4)
	arch := uint32(unix.AUDIT_ARCH_X86_64)
	nr386, _ := syscalls.Number(syscalls.I386, syscalls.Wait4)
	if nativeArch == unix.AUDIT_ARCH_AARCH64 {
		nr, _ = syscalls.Number(syscalls.ARM64, syscalls.Wait4)
		arch = unix.AUDIT_ARCH_AARCH64
	}
	regs := ptrace.Regs{PC: 0x1000, SP: 0x2000}
	tid := gonePid // Unwind fails: its maps are gone, which the record says
	evs := []ptrace.Event{
		{Kind: ptrace.SyscallEntry, Tid: tid, Arch: arch, Nr: nr, Args: [6]uint64{^uint64(0)}, Regs: regs, HasRegs: true},
		{Kind: ptrace.SyscallExit, Tid: tid, Arch: arch, Nr: nr, Args: [6]uint64{^uint64(0)}, Rval: -10},
		{Kind: ptrace.Signal, Tid: tid, Sig: 17, Regs: regs, HasRegs: true},
		{Kind: ptrace.GroupStop, Tid: tid, Sig: 19, Regs: regs, HasRegs: true},
		{Kind: ptrace.SyscallEntry, Tid: tid, Arch: unix.AUDIT_ARCH_I386, Nr: nr386, Regs: regs, HasRegs: true},
		{Kind: ptrace.Signal, Tid: tid, Sig: 17, Regs: regs, HasRegs: true}, // now known to be i386
		{Kind: ptrace.Exited, Tid: tid},
	}
	for _, mode := range []struct {
		name            string
		stacks, signals bool
		unwound         int // the first records that get one
		unwinds         int
	}{
		{name: "none"},
		{name: "calls (--reaps=stacks)", stacks: true, unwound: 2, unwinds: 1},
		{name: "calls and signals (-k)", stacks: true, signals: true, unwound: 4, unwinds: 3},
	} {
		s := New(Options{Calls: []syscalls.Call{syscalls.Wait4}, Stacks: mode.stacks, SignalStacks: mode.signals})
		n := 0
		if s.stacks != nil {
			s.stacks.count = &n
		}
		var recs []*event.Event
		for i := range evs {
			ev := evs[i]
			ev.Time = time.Now()
			recs = append(recs, s.record(&ev))
		}
		for i, r := range recs {
			unwound := i < mode.unwound
			if (r.StackErr != "") != unwound || r.Stack != nil {
				t.Errorf("%s, record %d (%v): stack %v, error %q", mode.name, i, r.Kind, r.Stack, r.StackErr)
			}
		}
		if n != mode.unwinds {
			t.Errorf("%s: %d unwinds, want %d (the exit reuses the entry's)", mode.name, n, mode.unwinds)
		}
		if mode.stacks && (len(s.stacks.entry) != 0 || len(s.stacks.native) != 0) {
			t.Errorf("%s: state left after the exit: %v %v", mode.name, s.stacks.entry, s.stacks.native)
		}
	}
}

// TestExeIsNative reads the ELF class and machine of a process's program.
func TestExeIsNative(t *testing.T) {
	if !exeIsNative(os.Getpid()) {
		t.Errorf("this test binary is not native")
	}
	if !exeIsNative(gonePid) {
		t.Errorf("a process gone: assume native, as strace")
	}
}
