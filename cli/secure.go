package cli

import "golang.org/x/sys/unix"

// atSecure is AT_SECURE, the auxiliary vector entry in which the kernel
// says that the program gained privileges at its exec (set-id bits, file
// capabilities, an LSM's transition).
const atSecure = 23

// SecureExec reports whether the kernel ran waittrace in secure-execution
// mode: it was given privileges its user does not have. A copy with file
// capabilities (setcap cap_sys_ptrace+ep) run by an unprivileged user is
// the case the set-id checks alone miss. The vector is the runtime's copy:
// /proc/self/auxv is not readable by such a process.
func SecureExec() bool {
	auxv, err := unix.Auxv()
	if err != nil {
		return false
	}
	for _, kv := range auxv {
		if kv[0] == atSecure {
			return kv[1] != 0
		}
	}
	return false
}
