package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// ntPRStatus is NT_PRSTATUS, the general register set for PTRACE_GETREGSET.
const ntPRStatus = 1

// readStop reads a syscall stop from the registers, for kernels without
// PTRACE_GET_SYSCALL_INFO (before 5.3). At a syscall stop arm64 sets x7 to 0
// on entry and 1 on exit, and x8 holds the number; x0 holds the return value
// at exit (which is why arguments are saved at entry).
func readStop(tid int, entering bool, s *stopInfo) error {
	var r unix.PtraceRegsArm64
	if err := unix.PtraceGetRegSetArm64(tid, ntPRStatus, &r); err != nil {
		return err
	}
	s.arch = unix.AUDIT_ARCH_AARCH64
	s.entry = r.Regs[7] == 0
	if !s.entry {
		s.rval = int64(r.Regs[0])
		s.isError = s.rval < 0 && s.rval >= -4095
		return nil
	}
	s.nr, s.ip = r.Regs[8], r.Pc
	copy(s.args[:], r.Regs[:6])
	return nil
}

// hostArch is the personality of this build's own system calls.
const hostArch = unix.AUDIT_ARCH_AARCH64

// setArg0 rewrites the first argument of the call tid is stopped at
// (a seccomp stop, before the call runs).
func setArg0(tid int, arch uint32, v uint64) error {
	var r unix.PtraceRegsArm64
	if err := unix.PtraceGetRegSetArm64(tid, ntPRStatus, &r); err != nil {
		return err
	}
	r.Regs[0] = v
	return unix.PtraceSetRegSetArm64(tid, ntPRStatus, &r)
}

// getRegs reads the registers a stack is unwound from.
func getRegs(tid int) (Regs, error) {
	var r unix.PtraceRegsArm64
	if err := unix.PtraceGetRegSetArm64(tid, ntPRStatus, &r); err != nil {
		return Regs{}, err
	}
	return Regs{PC: r.Pc, SP: r.Sp, FP: r.Regs[29], LR: r.Regs[30]}, nil
}

// ntArmSystemCall is NT_ARM_SYSTEM_CALL, the regset of the call number.
const ntArmSystemCall = 0x404

// setSyscallNr makes tid, stopped at a call's entry, make call nr instead;
// -1 (NO_SYSCALL) skips it.
func setSyscallNr(tid int, arch uint32, nr int64) error {
	v := int32(nr)
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&v))}
	iov.SetLen(int(unsafe.Sizeof(v)))
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGSET, uintptr(tid), ntArmSystemCall, uintptr(unsafe.Pointer(&iov)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// setReturn sets x0, the value the call tid is stopped at the exit of
// returns.
func setReturn(tid int, arch uint32, v int64) error {
	var r unix.PtraceRegsArm64
	if err := unix.PtraceGetRegSetArm64(tid, ntPRStatus, &r); err != nil {
		return err
	}
	r.Regs[0] = uint64(v)
	return unix.PtraceSetRegSetArm64(tid, ntPRStatus, &r)
}

// cloneParent reports whether the call tid is stopped in (at its fork
// event) made a child of its caller's parent (CLONE_PARENT), read from
// the call's arguments; ok false when that cannot be told.
func cloneParent(tid int, mem Memory) (parent, ok bool) {
	var r unix.PtraceRegsArm64
	if err := unix.PtraceGetRegSetArm64(tid, ntPRStatus, &r); err != nil {
		return false, false
	}
	const cloneParentFlag = 0x8000
	switch r.Regs[8] {
	case unix.SYS_CLONE:
		return r.Regs[0]&cloneParentFlag != 0, true
	case unix.SYS_CLONE3:
		return clone3Parent(r.Regs[0], mem)
	}
	return false, false
}
