package stack

import "debug/elf"

// arm64 user addresses fit in 48 bits (52 only for programs that ask);
// the mask strips a pointer-authentication code from return addresses.
// 32-bit (AArch32) tracees are not walked: only their first frame is
// reported.
var hostArchs = []*arch{
	{machine: elf.EM_AARCH64, class: elf.ELFCLASS64, ptrSize: 8, sp: 31, fp: 29, pc: 32, lr: 30, addrMask: 1<<48 - 1},
}
