package decode

import "strconv"

// signalNames are the Linux signal names for x86 and asm-generic
// architectures (aarch64), which agree for 1..31.
var signalNames = [...]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP",
	6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
	11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
	16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP",
	21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
	26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
	31: "SIGSYS",
}

// The kernel's real-time signal range; strace names them from the kernel's
// SIGRTMIN, not glibc's (which reserves the first few).
const (
	sigRTMin = 32
	sigRTMax = 64
)

const (
	sigILL  = 4
	sigTRAP = 5
	sigBUS  = 7
	sigFPE  = 8
	sigSEGV = 11
	sigCHLD = 17
	sigIO   = 29
	sigSYS  = 31
)

// Signal returns strace's name for a signal number: "SIGCHLD", "SIGRTMIN",
// "SIGRT_3", or the decimal number when there is none (including 0).
func Signal(sig int) string {
	switch {
	case sig > 0 && sig < len(signalNames):
		return signalNames[sig]
	case sig == sigRTMin:
		return "SIGRTMIN"
	case sig > sigRTMin && sig <= sigRTMax:
		return "SIGRT_" + strconv.Itoa(sig-sigRTMin)
	}
	return strconv.Itoa(sig)
}
