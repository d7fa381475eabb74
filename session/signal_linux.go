package session

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelSigaction is the kernel's struct sigaction on amd64 and arm64; all
// zeros means SIG_DFL.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// resetSignal restores the default action of sig and unblocks it on this
// thread. Go's runtime keeps handlers installed even after signal.Reset, and
// its handler would turn a fatal signal into a Go crash report.
func resetSignal(sig unix.Signal) {
	defaultAction(sig)
	var set unix.Sigset_t
	set.Val[(int(sig)-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	_ = unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
	// A thread-directed signal is acted on before this thread returns to
	// user space, so the process dies here rather than a moment later.
	_ = unix.Tgkill(unix.Getpid(), unix.Gettid(), sig)
}

// defaultAction sets sig's disposition to SIG_DFL behind the runtime's back.
func defaultAction(sig unix.Signal) {
	var act kernelSigaction
	_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, unsafe.Sizeof(act.mask), 0, 0)
}

// quietSIGCHLD stops the kernel from sending waittrace a SIGCHLD at every
// stop of every tracee. Go's runtime installs a handler for it, so each one
// was delivered, interrupting (and restarting) the engine's wait4: a
// signal frame and a sigreturn per stop. SIG_DFL, unlike SIG_IGN, discards
// it without making children auto-reaped, so the launched command's exit
// status is still collected. (strace does the same.) os/signal is never
// asked for SIGCHLD, which would put the handler back.
func quietSIGCHLD() { defaultAction(unix.SIGCHLD) }
