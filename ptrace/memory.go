package ptrace

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Memory reads one tracee's memory. It must be used on the tracer's thread
// while the tracee is stopped (the PTRACE_PEEKDATA fallback needs both).
type Memory struct {
	tid int
	// noVM is set once process_vm_readv proved unusable (ENOSYS, EPERM
	// under some LSMs); shared by all reads of one Tracer.
	noVM *bool
}

// ReadMemory fills p from address addr of the tracee. It fails unless every
// byte was read, so a structure straddling the end of a mapping is reported
// as unreadable, as strace does.
func (m Memory) ReadMemory(addr uint64, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if m.noVM == nil || !*m.noVM {
		err := m.readVM(addr, p)
		if err == nil {
			return nil
		}
		if err != unix.ENOSYS && err != unix.EPERM {
			return fmt.Errorf("process_vm_readv(%d, %#x, %d): %w", m.tid, addr, len(p), err)
		}
		if m.noVM != nil {
			*m.noVM = true
		}
	}
	return m.readPeek(addr, p)
}

func (m Memory) readVM(addr uint64, p []byte) error {
	local := []unix.Iovec{{Base: &p[0]}}
	local[0].SetLen(len(p))
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(p)}}
	n, err := unix.ProcessVMReadv(m.tid, local, remote, 0)
	if err != nil {
		return err
	}
	if n != len(p) {
		return unix.EFAULT
	}
	return nil
}

// readPeek reads word by word with PTRACE_PEEKDATA.
func (m Memory) readPeek(addr uint64, p []byte) error {
	const word = int(unsafe.Sizeof(uintptr(0)))
	start := addr &^ uint64(word-1)
	var buf [8]byte
	done := 0
	for a := start; done < len(p); a += uint64(word) {
		// The raw system call stores the word at *data (glibc's wrapper hides this).
		_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_PEEKDATA, uintptr(m.tid), uintptr(a), uintptr(unsafe.Pointer(&buf[0])), 0, 0)
		if errno != 0 {
			return fmt.Errorf("ptrace(PTRACE_PEEKDATA, %d, %#x): %w", m.tid, a, errno)
		}
		chunk := buf[:word]
		if a < addr {
			chunk = chunk[addr-a:]
		}
		done += copy(p[done:], chunk)
	}
	return nil
}
