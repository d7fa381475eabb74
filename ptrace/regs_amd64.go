package ptrace

import "golang.org/x/sys/unix"

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
	s.nr = r.Orig_rax
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

// getRegs reads the registers a stack is unwound from.
func getRegs(tid int) (Regs, error) {
	var r unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &r); err != nil {
		return Regs{}, err
	}
	return Regs{PC: r.Rip, SP: r.Rsp, FP: r.Rbp}, nil
}
