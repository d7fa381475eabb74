package stack

import "debug/elf"

// arch is what the walk needs to know of an instruction set: the word size
// and the DWARF numbers of the registers it follows.
type arch struct {
	machine elf.Machine
	class   elf.Class
	ptrSize int
	sp, fp  uint64 // DWARF numbers of the stack and frame pointers
	// pc is the DWARF number under which expressions (a PLT entry's CFA
	// rule) read the PC, -1 if there is none.
	pc int
	// lr is the DWARF number of the link register, which holds the return
	// address of a function that has not saved it yet; -1 where calls push
	// the return address.
	lr int
	// addrMask keeps the address bits of a code pointer: arm64 return
	// addresses may carry a pointer-authentication code in the top bits.
	addrMask uint64
}

// word truncates a register or memory value to the arch's word size: a
// 32-bit tracee's registers arrive zero-extended, but arithmetic on them
// must wrap at 32 bits.
func (a *arch) word(v uint64) uint64 {
	if a.ptrSize == 4 {
		return uint64(uint32(v))
	}
	return v
}

// archFor returns how to unwind code of the ELF machine and class, or nil
// if this build does not know: hostArchs lists the instruction sets a
// tracee of this build can run.
func archFor(m elf.Machine, c elf.Class) *arch {
	for _, a := range hostArchs {
		if a.machine == m && a.class == c {
			return a
		}
	}
	return nil
}
