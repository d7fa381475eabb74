package stack

import (
	"testing"

	"golang.org/x/sys/unix"
)

const wait4Nr = 260 // wait4 on arm64

// stopRegs returns the registers the walk starts from and the system call
// number (x8), at a syscall-entry stop.
func stopRegs(t testing.TB, pid int) (Regs, uint64) {
	t.Helper()
	var r unix.PtraceRegsArm64
	const ntPrstatus = 1
	if err := unix.PtraceGetRegSetArm64(pid, ntPrstatus, &r); err != nil {
		t.Fatalf("PTRACE_GETREGSET: %v", err)
	}
	return Regs{PC: r.Pc, SP: r.Sp, FP: r.Regs[29], LR: r.Regs[30]}, r.Regs[8]
}

// i386Fixture skips: an arm64 kernel runs no i386 code.
func i386Fixture(t testing.TB, name string, _ func(string) string, _ string) fixture {
	t.Skipf("fixture %s: no i386 on arm64", name)
	return fixture{}
}
