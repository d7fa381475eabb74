package stack

import (
	"debug/elf"
	"os"
	"testing"
)

// i386 tracees: an amd64 kernel runs them, the 64-bit regset gives their
// registers zero-extended, and their stacks are walked with 4-byte words.
// These are values recorded from an i386 program; the fixtures go-386 and
// c-386 run real ones.

const (
	code386  = 0x56555000
	stack386 = 0xffd1e000
)

func walker386(obj *object, mem Memory) *walker {
	maps := []mapping{{start: code386, end: code386 + 0x10000, exec: true, inode: 1, path: "/test/prog32"}}
	return &walker{u: NewUnwinder(), pid: os.Getpid(), mem: mem,
		find: func(addr uint64) *mapping { return findMapping(maps, addr) },
		seen: map[uint64]*object{code386: obj}}
}

func TestWalk386(t *testing.T) {
	a := archFor(elf.EM_386, elf.ELFCLASS32)
	if a == nil || a.ptrSize != 4 {
		t.Fatalf("i386 arch: %+v", a)
	}
	obj := testObject(a, testSyms...)
	const want = " > /test/prog32(leaf+0x23) [0x123]\n" +
		" > /test/prog32(caller+0x1) [0x201]\n" +
		" > /test/prog32(caller+0x11) [0x211]\n"

	t.Run("frame pointers", func(t *testing.T) {
		mem := &fakeMem{base: stack386, data: make([]byte, 4096)}
		// ebp -> [saved ebp][return address], with 0xffffffff in the
		// words after: a 64-bit read would take them in.
		rec1, rec2 := uint64(stack386+0x40), uint64(stack386+0x80)
		for _, w := range [][2]uint64{{rec1, rec2}, {rec1 + 4, code386 + 0x201}, {rec2, 0}, {rec2 + 4, code386 + 0x211}} {
			mem.put(a, w[0], w[1])
			mem.put(a, w[0]+8, 0xffffffff)
		}
		frames, err := walker386(obj, mem).walk(Regs{PC: code386 + 0x123, SP: stack386 + 0x10, FP: rec1}, 0)
		if got := lines(frames); err != nil || got != want {
			t.Errorf("frames (%v):\n%swant:\n%s", err, got, want)
		}
	})

	t.Run("CFI", func(t *testing.T) {
		// Every function: CFA = esp+8, return address at CFA-4.
		cie := cfiProgram{}.defCFA(a.sp, 8).offset(uint64(a.pc), 1)
		obj := testObject(a, testSyms...)
		obj.debugFrame = parseCFI(debugFrame(4, uint64(a.pc), cie, nil, 0, 0x10000), 4, 0)
		if obj.debugFrame == nil {
			t.Fatal("CFI did not parse")
		}
		mem := &fakeMem{base: stack386, data: make([]byte, 4096)}
		mem.put(a, stack386+4, code386+0x201)
		mem.put(a, stack386+12, code386+0x211)
		mem.put(a, stack386+16, 0xffffffff) // above the 0 that ends the stack
		frames, err := walker386(obj, mem).walk(Regs{PC: code386 + 0x123, SP: stack386}, 0)
		if got := lines(frames); err != nil || got != want {
			t.Errorf("frames (%v):\n%swant:\n%s", err, got, want)
		}
	})
}
