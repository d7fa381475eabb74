package ptrace

import "golang.org/x/sys/unix"

// nativeArch is the AUDIT_ARCH_* of the tests' own personality.
const nativeArch = unix.AUDIT_ARCH_X86_64
