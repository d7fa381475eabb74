package stack

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"testing"
	"time"
)

// The fuzz targets feed what a tracee controls (the bytes of the files it
// maps, its memory, its maps) to what parses them. Their seeds run in every
// go test; go test -fuzz=FuzzObject ./stack/ explores further.

// seedELF returns a small real ELF file and its .eh_frame, or nothing if
// the system has none at hand.
func seedELF(f *testing.F) (file, ehFrame []byte, ehAddr uint64) {
	for _, p := range []string{"/usr/bin/true", "/bin/true"} {
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 1<<20 {
			continue
		}
		ef, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			continue
		}
		if s := ef.Section(".eh_frame"); s != nil {
			if eh, err := s.Data(); err == nil {
				return data, eh, s.Addr
			}
		}
		return data, nil, 0
	}
	return nil, nil, 0
}

// walkFuzzed parses data as a mapped file and walks a stack in it, with
// data as the stack memory too and registers taken from it: whatever data
// holds, this must end, quickly, without a panic.
func walkFuzzed(t *testing.T, data []byte) {
	start := time.Now()
	o := parseObject(bytes.NewReader(data), int64(len(data)), nil)
	le := binary.LittleEndian
	word := func(i int) uint64 {
		if len(data) >= 8*(i+1) {
			return le.Uint64(data[8*i:])
		}
		return 0
	}
	mem := &fakeMem{base: stackBase, data: data}
	w := testWalker(o, mem)
	for i, pc := range []uint64{word(0) % 0x10000, word(3) % 0x10000, 0x1000} {
		frames, err := w.walk(Regs{PC: codeBase + pc, SP: stackBase + word(1)%4096, FP: stackBase + word(2)%4096, LR: codeBase + word(i)%0x10000}, 64)
		if len(frames) > 64 || err != nil && err != ErrTooManyFrames {
			t.Fatalf("%d frames, %v", len(frames), err)
		}
		for _, f := range frames {
			_ = f.String()
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func FuzzObject(f *testing.F) {
	file, _, _ := seedELF(f)
	f.Add([]byte{})
	f.Add([]byte("\x7fELF"))
	if file != nil {
		f.Add(file)
		f.Add(file[:len(file)/2])
		f.Add(file[:64])
		// Section headers kept, their contents shifted: every table
		// the parser follows points somewhere else.
		shifted := append([]byte(nil), file...)
		copy(shifted[0x400:], file[0x401:])
		f.Add(shifted)
	}
	f.Fuzz(walkFuzzed)
}

// FuzzCFI feeds .eh_frame or .debug_frame bytes straight to the CFI parser
// and interpreter.
func FuzzCFI(f *testing.F) {
	_, eh, ehAddr := seedELF(f)
	if eh != nil {
		f.Add(eh, ehAddr, uint64(0x1100))
		f.Add(eh[:len(eh)/3], ehAddr, uint64(0x1100))
	}
	a := hostArchs[0]
	ra := raColumn(a)
	frameOf16 := cfiProgram{}.defCFA(a.sp, 16).offset(ra, 1)
	f.Add(debugFrame(8, ra, frameOf16, nil, 0, 0x10000), uint64(0), uint64(0x123))
	f.Add(debugFrame(8, ra, frameOf16, cfiProgram{0x0a, 0x0a, 0x0b, 0x0b, 0x0b}, 0, 0x10000), uint64(0), uint64(0x123))
	f.Add(debugFrame(8, ra, cfiProgram{0x0f, 3, 0x77, 0x08, 0x06}, nil, 0, 0x10000), uint64(0), uint64(0x123))
	f.Add(debugFrame(8, ra, frameOf16, cfiProgram{0x41, 0x0e, 0x20, 0x86, 0x02}, 0, 0x10000), uint64(0), uint64(0x200))
	f.Fuzz(func(t *testing.T, data []byte, ehAddr, pc uint64) {
		o := testObject(a, testSyms...)
		if ehAddr != 0 {
			o.ehFrame = parseCFI(data, a.ptrSize, ehAddr)
		} else {
			o.debugFrame = parseCFI(data, a.ptrSize, 0)
		}
		mem := newStack(4096)
		copy(mem.data, data)
		frames, err := testWalker(o, mem).walk(Regs{PC: codeBase + pc%0x10000, SP: stackBase, FP: stackBase + 64}, 64)
		if len(frames) > 64 || err != nil && err != ErrTooManyFrames {
			t.Fatalf("%d frames, %v", len(frames), err)
		}
	})
}

func FuzzEvalExpr(f *testing.F) {
	f.Add([]byte{0x77, 0xa0, 0x01, 0x06})
	f.Add([]byte{0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22})
	f.Add([]byte{0x0e, 1, 2, 3, 4, 5, 6, 7, 8, 0x94, 4})
	f.Fuzz(func(t *testing.T, expr []byte) {
		a := hostArchs[0]
		reg := func(n uint64) (uint64, bool) { return stackBase + n*8, n < 32 }
		mem := newStack(4096)
		copy(mem.data, expr)
		evalExpr(expr, a, reg, mem, stackBase+16)
	})
}

func FuzzParseMaps(f *testing.F) {
	f.Add([]byte(sampleMaps))
	f.Add([]byte("0-0 ---- 0 0:0 0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms := parseMaps(data)
		for i := range ms {
			if ms[i].end < ms[i].start || i > 0 && ms[i].start < ms[i-1].end {
				t.Fatalf("mapping %d out of order: %+v", i, ms)
			}
			if findMapping(ms, ms[i].start) == nil && ms[i].end > ms[i].start {
				t.Fatalf("mapping %d not found", i)
			}
		}
	})
}
