package stack

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

// Walks over a made-up address space: a program's code at codeBase (file
// offset 0, link-time address 0), anonymous code at anonBase, and a stack
// of fakeMem, so that a test can lay out any stack, sane or hostile.

const (
	codeBase  = 0x5555_0000_0000
	anonBase  = 0x7f00_0000_0000
	stackBase = 0x7ffe_0000_0000
)

// fakeMem is memory from base to base+len(data); reading elsewhere fails.
type fakeMem struct {
	base  uint64
	data  []byte
	reads int
}

func newStack(size int) *fakeMem { return &fakeMem{base: stackBase, data: make([]byte, size)} }

func (m *fakeMem) ReadMemory(addr uint64, p []byte) error {
	m.reads++
	off := addr - m.base
	if addr < m.base || off > uint64(len(m.data)) || uint64(len(p)) > uint64(len(m.data))-off {
		return errors.New("fault")
	}
	copy(p, m.data[off:])
	return nil
}

// put stores a word of a's size at addr.
func (m *fakeMem) put(a *arch, addr, v uint64) {
	off := addr - m.base
	if a.ptrSize == 4 {
		binary.LittleEndian.PutUint32(m.data[off:], uint32(v))
	} else {
		binary.LittleEndian.PutUint64(m.data[off:], v)
	}
}

// testObject is a program of arch a whose functions are syms.
func testObject(a *arch, syms ...symbol) *object {
	return &object{machine: a.machine, class: a.class, arch: a, size: 0x10000,
		loads: []segment{{off: 0, vaddr: 0, filesz: 0x10000}}, syms: newSymtab(syms)}
}

// testWalker walks with the code mapping's object obj and memory mem.
func testWalker(obj *object, mem Memory) *walker {
	maps := []mapping{
		{start: codeBase, end: codeBase + 0x10000, exec: true, inode: 1, path: "/test/prog"},
		{start: anonBase, end: anonBase + 0x1000, exec: true},
	}
	return &walker{u: NewUnwinder(), pid: os.Getpid(), mem: mem,
		find: func(addr uint64) *mapping { return findMapping(maps, addr) },
		seen: map[uint64]*object{codeBase: obj}}
}

var testSyms = []symbol{{addr: 0x100, name: "leaf"}, {addr: 0x200, name: "caller"}}

// fpChain lays out n frame records from the stack's start, each pointing
// to the next and returning to caller+i; the last returns to ret with a
// zero frame pointer. It returns the first record's address. With ret 0
// the walk from it has n frames: the first and n-1 callers.
func fpChain(a *arch, m *fakeMem, n int, ret uint64) uint64 {
	w := uint64(a.ptrSize)
	rec := func(i int) uint64 { return stackBase + 16 + uint64(i)*4*w }
	for i := range n {
		next, ra := rec(i+1), codeBase+0x200+uint64(i)
		if i == n-1 {
			next, ra = 0, ret
		}
		m.put(a, rec(i), next)
		m.put(a, rec(i)+w, ra)
	}
	return rec(0)
}

func lines(frames []Frame) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

func TestWalkFramePointers(t *testing.T) {
	a := hostArchs[0]
	mem := newStack(4096)
	fp := fpChain(a, mem, 3, 0)
	w := testWalker(testObject(a, testSyms...), mem)
	frames, err := w.walk(Regs{PC: codeBase + 0x123, SP: stackBase, FP: fp}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A return address is looked up one byte back, as libunwind does: a
	// call may be a function's last instruction. 0x200 is the end of
	// leaf, not the start of caller.
	const want = " > /test/prog(leaf+0x23) [0x123]\n" +
		" > /test/prog(leaf+0x100) [0x200]\n" +
		" > /test/prog(caller+0x1) [0x201]\n"
	if got := lines(frames); got != want {
		t.Errorf("frames:\n%swant:\n%s", got, want)
	}
}

func TestWalkTooManyFrames(t *testing.T) {
	a := hostArchs[0]
	for _, tt := range []struct {
		depth, max, want int
		err              error
	}{
		{depth: 1000, max: 0, want: DefaultMaxFrames, err: ErrTooManyFrames},
		{depth: 1000, max: 10, want: 10, err: ErrTooManyFrames},
		// The first frame and 255 callers: exactly the limit, and
		// nothing beyond, is no error (strace says "too many" only
		// when it could have gone on).
		{depth: DefaultMaxFrames, max: 0, want: DefaultMaxFrames},
		{depth: DefaultMaxFrames + 1, max: 0, want: DefaultMaxFrames, err: ErrTooManyFrames},
	} {
		mem := newStack(64 << 10)
		fp := fpChain(a, mem, tt.depth, 0)
		frames, err := testWalker(testObject(a, testSyms...), mem).walk(Regs{PC: codeBase + 0x123, SP: stackBase, FP: fp}, tt.max)
		if len(frames) != tt.want || err != tt.err {
			t.Errorf("depth %d, max %d: %d frames, %v; want %d, %v", tt.depth, tt.max, len(frames), err, tt.want, tt.err)
		}
	}
}

// TestWalkHostileChains checks that frame-pointer chains that loop, go
// down the stack or out of memory end the walk at once.
func TestWalkHostileChains(t *testing.T) {
	a := hostArchs[0]
	w := uint64(a.ptrSize)
	rec := uint64(stackBase + 64)
	for _, tt := range []struct {
		name   string
		layout func(m *fakeMem)
		fp     uint64
		want   int
	}{
		{"points to itself", func(m *fakeMem) { m.put(a, rec, rec); m.put(a, rec+w, codeBase+0x210) }, rec, 2},
		{"two records in a cycle", func(m *fakeMem) {
			m.put(a, rec, rec+4*w)
			m.put(a, rec+w, codeBase+0x210)
			m.put(a, rec+4*w, rec)
			m.put(a, rec+5*w, codeBase+0x220)
		}, rec, 3},
		{"goes down the stack", func(m *fakeMem) { m.put(a, rec, stackBase+8); m.put(a, rec+w, codeBase+0x210) }, rec, 2},
		{"below the stack pointer", func(m *fakeMem) {}, stackBase - 64, 1},
		{"out of memory", func(m *fakeMem) {}, 0x1000, 1},
		{"misaligned", func(m *fakeMem) {}, rec + 1, 1},
		{"return address 0", func(m *fakeMem) { m.put(a, rec, rec+4*w) }, rec, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mem := newStack(4096)
			tt.layout(mem)
			frames, err := testWalker(testObject(a, testSyms...), mem).walk(Regs{PC: codeBase + 0x123, SP: stackBase, FP: tt.fp}, 0)
			if err != nil || len(frames) != tt.want {
				t.Errorf("%d frames, %v; want %d:\n%s", len(frames), err, tt.want, lines(frames))
			}
			if mem.reads > 2*tt.want+2 {
				t.Errorf("%d reads of memory for %d frames", mem.reads, len(frames))
			}
		})
	}
}

// TestWalkOutsideFiles checks the frame strace reports where a return
// address is in no executable mapping of a named file.
func TestWalkOutsideFiles(t *testing.T) {
	a := hostArchs[0]
	for _, tt := range []struct {
		ret  uint64
		last string
	}{
		{anonBase + 0x10, " > unexpected_backtracing_error [0x7f0000000010]"}, // JIT code, say
		{0xdead0000, " > unexpected_backtracing_error [0xdead0000]"},          // nothing mapped
	} {
		mem := newStack(4096)
		fp := fpChain(a, mem, 2, tt.ret)
		frames, err := testWalker(testObject(a, testSyms...), mem).walk(Regs{PC: codeBase + 0x123, SP: stackBase, FP: fp}, 0)
		if err != nil || len(frames) != 3 || frames[2].String() != tt.last || frames[2].Object != "" {
			t.Errorf("return to %#x: %v\n%s", tt.ret, err, lines(frames))
		}
	}
	// A first frame outside files is reported the same way; a PC of 0
	// is no frame at all.
	frames, _ := testWalker(nil, newStack(64)).walk(Regs{PC: anonBase + 4}, 0)
	if len(frames) != 1 || frames[0].Object != "" {
		t.Errorf("PC in anonymous code: %+v", frames)
	}
	if frames, _ := testWalker(nil, newStack(64)).walk(Regs{}, 0); len(frames) != 0 {
		t.Errorf("PC 0: %+v", frames)
	}
}

// cfiProgram holds DW_CFA instructions.
type cfiProgram []byte

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func (p cfiProgram) defCFA(reg, off uint64) cfiProgram {
	return append(append(append(p, 0x0c), uleb(reg)...), uleb(off)...)
}

// offset saves reg at CFA-n words (debugFrame's data alignment).
func (p cfiProgram) offset(reg, n uint64) cfiProgram {
	return append(append(append(p, 0x05), uleb(reg)...), uleb(n)...)
}

func (p cfiProgram) undefined(reg uint64) cfiProgram { return append(append(p, 0x07), uleb(reg)...) }

// debugFrame builds a .debug_frame section: one CIE (return address in
// column ra, data alignment -ptrSize) with the initial program cie, and
// one FDE with program fde for [begin, begin+size).
func debugFrame(ptrSize int, ra uint64, cie, fde cfiProgram, begin, size uint64) []byte {
	le := binary.LittleEndian
	body := append([]byte{0xff, 0xff, 0xff, 0xff, 1, 0, 1, byte(0x80 - ptrSize)}, uleb(ra)...)
	body = append(body, cie...)
	for len(body)%ptrSize != 0 {
		body = append(body, 0) // DW_CFA_nop
	}
	sec := le.AppendUint32(nil, uint32(len(body)))
	sec = append(sec, body...)
	body = le.AppendUint32(nil, 0) // the CIE's offset
	if ptrSize == 4 {
		body = le.AppendUint32(le.AppendUint32(body, uint32(begin)), uint32(size))
	} else {
		body = le.AppendUint64(le.AppendUint64(body, begin), size)
	}
	body = append(body, fde...)
	for len(body)%ptrSize != 0 {
		body = append(body, 0)
	}
	sec = le.AppendUint32(sec, uint32(len(body)))
	return append(sec, body...)
}

// raColumn is the CFI column of the return address.
func raColumn(a *arch) uint64 {
	if a.lr >= 0 {
		return uint64(a.lr)
	}
	return uint64(a.pc)
}

func TestWalkCFI(t *testing.T) {
	a := hostArchs[0]
	ra, sp, w := raColumn(a), a.sp, uint64(a.ptrSize)
	// Every function: return address at CFA-8, CFA = SP+16.
	frameOf16 := cfiProgram{}.defCFA(sp, 16).offset(ra, 1)
	// A CFA that does not move ends the walk; with a link register, a
	// leaf's first frame may keep its SP once.
	still := 1
	if a.lr >= 0 {
		still = 2
	}
	for _, tt := range []struct {
		name     string
		cie, fde cfiProgram
		fp       uint64
		want     int
	}{
		{"CFA from SP", frameOf16, nil, 0, 4},
		{"CFA by expression", cfiProgram{}.offset(ra, 1),
			append(cfiProgram{0x0f, 2, byte(0x70 + sp)}, uleb(16)...), 0, 4}, // DW_CFA_def_cfa_expression: DW_OP_breg(sp) 16
		{"CFA that does not move", cfiProgram{}.defCFA(sp, 0).offset(ra, 1), nil, 0, still},
		{"return address undefined", frameOf16, cfiProgram{}.undefined(ra), 0, 1},
		// DW_CFA_restore_state with no state remembered: the parser
		// panics; the walk goes on by frame pointers.
		{"broken program", frameOf16, cfiProgram{0x0b}, stackBase + 0x200, 2},
		{"broken program, no frame pointer", frameOf16, cfiProgram{0x0b}, 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obj := testObject(a, testSyms...)
			obj.debugFrame = parseCFI(debugFrame(a.ptrSize, ra, tt.cie, tt.fde, 0, 0x10000), a.ptrSize, 0)
			if obj.debugFrame == nil {
				t.Fatal("CFI did not parse")
			}
			mem := &fakeMem{base: stackBase - 64, data: make([]byte, 4096)}
			// Return addresses at SP+8, SP+24, SP+40; then 0. One at
			// SP-8 too, where a CFA that does not move finds one.
			for i := range 3 {
				mem.put(a, stackBase+8+16*uint64(i), codeBase+0x201+uint64(i))
			}
			mem.put(a, stackBase-w, codeBase+0x2f0)
			mem.put(a, stackBase+0x200+w, codeBase+0x2ff) // a frame record's return address
			frames, err := testWalker(obj, mem).walk(Regs{PC: codeBase + 0x123, SP: stackBase, FP: tt.fp}, 0)
			if err != nil || len(frames) != tt.want {
				t.Errorf("%d frames, %v; want %d:\n%s", len(frames), err, tt.want, lines(frames))
			}
		})
	}
}

// TestEvalExpr checks the DWARF expressions of CFI rules, glibc's PLT and
// signal-trampoline ones among them.
func TestEvalExpr(t *testing.T) {
	a := &arch{ptrSize: 8, sp: 7, fp: 6, pc: 16, lr: -1, addrMask: ^uint64(0)}
	regs := map[uint64]uint64{7: stackBase + 0x100, 6: 0x1234, 16: 0x40100b}
	reg := func(n uint64) (uint64, bool) { v, ok := regs[n]; return v, ok }
	mem := newStack(4096)
	mem.put(a, stackBase+0x100+160, 0xfeedface) // uc_mcontext.rsp of a ucontext at rsp
	for _, tt := range []struct {
		name    string
		expr    []byte
		initial []uint64
		want    uint64
		err     bool
	}{
		{"breg", []byte{0x77, 8}, nil, stackBase + 0x108, false},
		{"breg negative", []byte{0x76, 0x78}, nil, 0x1234 - 8, false},
		{"bregx", []byte{0x92, 7, 0x10}, nil, stackBase + 0x110, false},
		{"signal frame CFA", []byte{0x77, 0xa0, 0x01, 0x06}, nil, 0xfeedface, false}, // breg7 160; deref
		// x86_64 PLT: rsp+8 + ((rip&15) >= 11) << 3
		{"PLT", []byte{0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22}, nil, stackBase + 0x110, false},
		{"pushed CFA", []byte{0x23, 16}, []uint64{100}, 116, false},
		{"consts", []byte{0x11, 0x7f, 0x08, 0xff, 0x22}, nil, 254, false},
		{"const2s", []byte{0x0b, 0xfe, 0xff}, nil, ^uint64(1), false},
		{"unknown register", []byte{0x75, 0}, nil, 0, true},
		{"underflow", []byte{0x22}, nil, 0, true},
		{"truncated", []byte{0x0e, 1, 2}, nil, 0, true},
		{"empty", nil, nil, 0, true},
		{"division by zero", []byte{0x31, 0x30, 0x1b}, nil, 0, true},
		{"deref of nothing", []byte{0x30, 0x06}, nil, 0, true},
		{"branch (unsupported)", []byte{0x2f, 0, 0}, nil, 0, true},
		{"too long", func() []byte {
			b := []byte{0x30}
			for range maxExprOps {
				b = append(b, 0x12, 0x13) // dup, drop
			}
			return b
		}(), nil, 0, true},
		{"stack overflow", []byte(strings.Repeat("\x30", maxExprStack+1)), nil, 0, true},
	} {
		got, err := evalExpr(tt.expr, a, reg, mem, tt.initial...)
		if (err != nil) != tt.err || err == nil && got != tt.want {
			t.Errorf("%s: %#x, %v; want %#x (error %v)", tt.name, got, err, tt.want, tt.err)
		}
	}
}
