package stack

import (
	"encoding/binary"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	wait4Nr    = 61  // wait4 on x86_64
	wait4Nr386 = 114 // wait4 on i386
)

// stopRegs returns the registers the walk starts from and the system call
// number, at a syscall-entry stop. PTRACE_GETREGSET(NT_PRSTATUS) returns
// the layout of the tracee's personality: x86_64's user_regs_struct, or
// i386's 17 32-bit words, which an Unwinder takes zero-extended.
// (PTRACE_GETREGS, which would return x86_64's layout for both, returns
// zeros for an i386 tracee on some kernels, 6.18 among them.)
func stopRegs(t testing.TB, pid int) (Regs, uint64) {
	t.Helper()
	var buf [27 * 8]byte
	iov := unix.Iovec{Base: &buf[0]}
	iov.SetLen(len(buf))
	const ntPrstatus = 1
	_, _, errno := syscall.Syscall6(syscall.SYS_PTRACE, unix.PTRACE_GETREGSET, uintptr(pid), ntPrstatus,
		uintptr(unsafe.Pointer(&iov)), 0, 0)
	if errno != 0 {
		t.Fatalf("PTRACE_GETREGSET: %v", errno)
	}
	le := binary.LittleEndian
	switch iov.Len {
	case 27 * 8: // r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ...
		r := func(i int) uint64 { return le.Uint64(buf[8*i:]) }
		return Regs{PC: r(16), SP: r(19), FP: r(4)}, r(15)
	case 17 * 4: // ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip cs eflags esp ss
		r := func(i int) uint64 { return uint64(le.Uint32(buf[4*i:])) }
		return Regs{PC: r(12), SP: r(15), FP: r(5)}, r(11)
	}
	t.Fatalf("PTRACE_GETREGSET: %d bytes", iov.Len)
	return Regs{}, 0
}

// i386Fixture returns the i386 fixtures, which an amd64 kernel runs.
func i386Fixture(t testing.TB, name string, out func(string) string, src string) fixture {
	t.Helper()
	switch name {
	case "go-386":
		// Go's 386 code keeps no frame pointers: this walk is by
		// .debug_frame alone.
		p := build(t, name, []string{"env", "GOARCH=386", "go", "build", "-buildvcs=false", "-o", out(name), "./" + src + "gowait"})
		requireI386(t, p)
		return fixture{name: name, argv: []string{p}, nr: wait4Nr386, own: []string{p}, chain: goChain}
	case "c-386":
		p := build(t, name, []string{"gcc", "-m32", "-O2", "-fomit-frame-pointer", "-o", out(name), src + "wait.c"})
		requireI386(t, p)
		return fixture{name: name, argv: []string{p}, nr: wait4Nr386, own: []string{p}, chain: cChain}
	}
	t.Fatalf("no fixture %q", name)
	return fixture{}
}

// requireI386 skips when the kernel cannot run the i386 program p (no
// IA32 emulation: exec fails with ENOEXEC). A program that starts is
// killed at once.
func requireI386(t testing.TB, p string) {
	t.Helper()
	cmd := exec.Command(p)
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skipf("this kernel cannot run i386 programs: %v", err)
		}
		t.Fatal(err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}
