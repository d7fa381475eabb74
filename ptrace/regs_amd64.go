package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// User code segment selectors of x86_64 Linux: 64-bit and 32-bit (compat).
const (
	cs64 = 0x33
	cs32 = 0x23
)

// readStop reads a syscall stop from the registers, for kernels without
// PTRACE_GET_SYSCALL_INFO (before 5.3). The personality comes from the code
// segment; an int 0x80 from a 64-bit process is misread as x86_64, which only
// PTRACE_GET_SYSCALL_INFO can tell apart.
func readStop(tid int, entering bool, s *stopInfo) error {
	var r unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &r); err != nil {
		return err
	}
	s.entry = entering
	s.arch = unix.AUDIT_ARCH_X86_64
	if r.Cs == cs32 {
		s.arch = unix.AUDIT_ARCH_I386
	}
	if !entering {
		s.rval = int64(r.Rax)
		if s.arch == unix.AUDIT_ARCH_I386 {
			s.rval = int64(int32(r.Rax))
		}
		s.isError = s.rval < 0 && s.rval >= -4095
		return nil
	}
	s.nr, s.ip = r.Orig_rax, r.Rip
	if s.arch == unix.AUDIT_ARCH_I386 {
		s.nr = uint64(uint32(r.Orig_rax))
		s.args = [6]uint64{r.Rbx, r.Rcx, r.Rdx, r.Rsi, r.Rdi, r.Rbp}
	} else {
		s.args = [6]uint64{r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9}
	}
	return nil
}

// hostArch is the personality of this build's own system calls.
const hostArch = unix.AUDIT_ARCH_X86_64

// setArg0 rewrites the first argument of the call tid is stopped at
// (a seccomp stop, before the call runs).
func setArg0(tid int, arch uint32, v uint64) error {
	var r unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &r); err != nil {
		return err
	}
	if arch == unix.AUDIT_ARCH_I386 {
		r.Rbx = v
	} else {
		r.Rdi = v
	}
	return unix.PtraceSetRegs(tid, &r)
}

// getRegs reads the registers a stack is unwound from. PTRACE_GETREGSET
// gives a 32-bit tracee's own layout (PTRACE_GETREGS was seen to give zeros
// for one), told apart by its size.
func getRegs(tid int) (Regs, error) {
	var buf [27]uint64 // struct user_regs_struct
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&buf[0]))}
	iov.SetLen(int(unsafe.Sizeof(buf)))
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGSET, uintptr(tid), ntPRStatus, uintptr(unsafe.Pointer(&iov)), 0, 0)
	if e != 0 {
		return Regs{}, e
	}
	if iov.Len == 17*4 { // struct user_regs_struct32: ebx ... eip, xcs, eflags, esp
		w := func(i int) uint64 { return uint64(uint32(buf[i/2] >> (32 * (i % 2)))) }
		return Regs{PC: w(12), SP: w(15), FP: w(5)}, nil
	}
	return Regs{PC: buf[16], SP: buf[19], FP: buf[4]}, nil
}

// ntPRStatus is NT_PRSTATUS, the general register set for PTRACE_GETREGSET.
const ntPRStatus = 1

// Offsets in struct user (its user_regs_struct) for PTRACE_POKEUSER; a
// 64-bit tracer sees this layout for 32-bit tracees too.
const (
	userRax     = 10 * 8
	userOrigRax = 15 * 8
)

// setSyscallNr makes tid, stopped at a call's entry, make call nr instead;
// -1 skips it (the kernel then returns -ENOSYS). strace pokes orig_rax
// too: one word, whatever the tracee's personality.
func setSyscallNr(tid int, arch uint32, nr int64) error {
	return pokeUser(tid, userOrigRax, uint64(nr))
}

// setReturn sets the value the call tid is stopped at the exit of returns.
// A 32-bit tracee sees the low half.
func setReturn(tid int, arch uint32, v int64) error {
	return pokeUser(tid, userRax, uint64(v))
}

func pokeUser(tid int, off uintptr, v uint64) error {
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_POKEUSR, uintptr(tid), off, uintptr(v), 0, 0); e != 0 {
		return e
	}
	return nil
}

// cloneParent reports whether the call tid is stopped in (at its fork
// event) made a child of its caller's parent (CLONE_PARENT), read from
// the call's arguments; ok false when that cannot be told.
func cloneParent(tid int, mem Memory) (parent, ok bool) {
	var r unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &r); err != nil {
		return false, false
	}
	const cloneParentFlag = 0x8000
	switch {
	case r.Cs == cs32:
		// i386: fork 2, clone 120 (flags in ebx), vfork 190; clone3 435.
		switch uint32(r.Orig_rax) {
		case 2, 190:
			return false, true
		case 120:
			return uint32(r.Rbx)&cloneParentFlag != 0, true
		}
	default:
		switch r.Orig_rax {
		case unix.SYS_FORK, unix.SYS_VFORK:
			return false, true
		case unix.SYS_CLONE:
			return r.Rdi&cloneParentFlag != 0, true
		}
	}
	if uint32(r.Orig_rax) == unix.SYS_CLONE3 {
		return clone3Parent(r.Rdi, mem)
	}
	return false, false
}
