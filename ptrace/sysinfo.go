package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// PTRACE_GET_SYSCALL_INFO operations (linux/ptrace.h).
const (
	infoNone    = 0
	infoEntry   = 1
	infoExit    = 2
	infoSeccomp = 3
)

// syscallInfo mirrors struct ptrace_syscall_info. The union is flattened:
// for an entry (and seccomp) stop Nr and Args hold the call; for an exit stop
// Nr holds rval and the low byte of Args[0] is_error.
type syscallInfo struct {
	Op      uint8
	_       [3]uint8
	Arch    uint32
	IP      uint64
	SP      uint64
	Nr      uint64
	Args    [6]uint64
	RetData uint32
	_       uint32
}

// getSyscallInfo reads the current syscall stop of tid in one request.
func getSyscallInfo(tid int, info *syscallInfo) error {
	// Raw: it never blocks (see resume).
	_, _, errno := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid),
		unsafe.Sizeof(*info), uintptr(unsafe.Pointer(info)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// stopInfo is what the engine needs to know about one syscall stop,
// whichever way it was read.
type stopInfo struct {
	entry   bool
	ip      uint64
	arch    uint32
	nr      uint64
	args    [6]uint64
	rval    int64
	isError bool
}

func (i *syscallInfo) decode(s *stopInfo) bool {
	switch i.Op {
	case infoEntry, infoSeccomp:
		s.entry = true
		s.arch, s.nr, s.args, s.ip = i.Arch, i.Nr, i.Args, i.IP
	case infoExit:
		s.entry = false
		s.arch = i.Arch
		s.rval = int64(i.Nr)
		s.isError = uint8(i.Args[0]) != 0
	default:
		return false
	}
	return true
}

func unsafePointer(b []byte) unsafe.Pointer { return unsafe.Pointer(&b[0]) }
