package stack

import "debug/elf"

// An amd64 kernel also runs i386 tracees; their stacks are walked the
// same way, with 4-byte words.
var hostArchs = []*arch{
	{machine: elf.EM_X86_64, class: elf.ELFCLASS64, ptrSize: 8, sp: 7, fp: 6, pc: 16, lr: -1, addrMask: ^uint64(0)},
	{machine: elf.EM_386, class: elf.ELFCLASS32, ptrSize: 4, sp: 4, fp: 5, pc: 8, lr: -1, addrMask: 0xffffffff},
}
