package decode

type errnoInfo struct{ name, msg string }

// The kernel-internal restart codes: a syscall interrupted with one of them
// has not finished, so strace prints "?" instead of -1.
const (
	errRestartSys          = 512
	errRestartNoIntr       = 513
	errRestartNoHand       = 514
	errRestartRestartBlock = 516
)

func isRestart(e int) bool {
	switch e {
	case errRestartSys, errRestartNoIntr, errRestartNoHand, errRestartRestartBlock:
		return true
	}
	return false
}

// Errno returns the symbolic name and message strace 6.1 prints for a Linux
// errno value, or two empty strings if strace has no name for it.
func Errno(e int) (name, message string) {
	info := errnos[e]
	return info.name, info.msg
}
