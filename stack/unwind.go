package stack

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path"
	"strconv"
	"syscall"

	"github.com/go-delve/delve/pkg/dwarf/frame"
)

// DefaultMaxFrames is strace's limit on the frames of one stack, used when
// Unwind is given no limit.
const DefaultMaxFrames = 256

// ErrTooManyFrames is returned, with the frames up to the limit, when the
// stack goes deeper: strace then prints the line " > too many stack frames".
var ErrTooManyFrames = errors.New("too many stack frames")

// Memory reads the stopped tracee's memory; it fails unless all of p was read.
type Memory interface {
	ReadMemory(addr uint64, p []byte) error
}

// Regs are the registers unwinding starts from, read at the stop: on
// amd64 rip, rsp, rbp, or for an i386 tracee eip, esp, ebp zero-extended;
// on arm64 pc, sp, x29, x30. (For an i386 tracee read them with
// PTRACE_GETREGSET(NT_PRSTATUS), which returns i386's layout:
// PTRACE_GETREGS returned zeros for one on Linux 6.18.)
type Regs struct {
	PC, SP, FP uint64
	LR         uint64 // the link register; unused on amd64
}

// maxObjects bounds the objects an Unwinder keeps; past it the least
// recently used goes. A program and its libraries are a few dozen.
const maxObjects = 256

// maxVDSO bounds the vDSO image read from a tracee (the kernel's is two
// to four pages).
const maxVDSO = 1 << 20

// Unwinder walks the user-space stacks of stopped tracees. It keeps what
// it parsed of each mapped file, by device, inode and modification time, so
// that a file is read once and shared by all the processes that map it.
// Nothing is read before the first Unwind.
//
// An Unwinder is for one goroutine (the tracer's thread).
type Unwinder struct {
	objects map[objectKey]*object
	clock   uint64
	seed    maphash.Seed // of the vDSO images' hashes
}

// objectKey identifies a parsed object: a file by device, inode and mtime,
// a vDSO image (which has no file) by its contents' hash.
type objectKey struct {
	dev, ino uint64
	mtime    int64
	vdso     uint64
}

// NewUnwinder returns an Unwinder with nothing cached.
func NewUnwinder() *Unwinder {
	return &Unwinder{objects: make(map[objectKey]*object), seed: maphash.MakeSeed()}
}

// Unwind walks the stack of the stopped thread of process pid whose
// registers are regs, reading its memory through mem: at most max frames
// (DefaultMaxFrames if max <= 0), innermost first. The mappings are those
// of /proc/pid/maps at the call: a dlopen or an exec changes them.
//
// Each frame is unwound by the DWARF call-frame information of the object
// it is in (.eh_frame, .debug_frame), else by the frame-pointer chain. The
// walk stops, as strace's does, where neither gives a caller, at a return
// address that is 0 or outside any executable mapping of a named file (that
// one is returned as a last frame with no Object), or at a stack pointer
// that does not grow. The error is ErrTooManyFrames, with the first max
// frames, if the stack is deeper; any other error means no stack at all.
func (u *Unwinder) Unwind(pid int, regs Regs, mem Memory, max int) ([]Frame, error) {
	maps, err := openMaps(pid)
	if err != nil {
		return nil, fmt.Errorf("stack of %d: %w", pid, err)
	}
	defer maps.Close()
	if mem == nil {
		mem = noMemory{}
	}
	u.clock++
	w := &walker{u: u, pid: pid, find: maps.find, mem: mem, seen: make(map[uint64]*object)}
	return w.walk(regs, max)
}

// walk unwinds from regs, at most max frames.
func (w *walker) walk(regs Regs, max int) ([]Frame, error) {
	if max <= 0 {
		max = DefaultMaxFrames
	}
	c := cursor{pc: regs.PC, sp: regs.SP, fp: regs.FP, lr: regs.LR, lrValid: true, exact: true, first: true}
	var a *arch
	var frames []Frame
	for {
		m := w.find(c.pc)
		if m == nil || !m.exec || m.path == "" {
			// strace knows no frame there and says so, unless the PC
			// is 0, the usual end of a stack.
			if c.pc != 0 {
				frames = append(frames, Frame{Address: c.pc})
			}
			return frames, nil
		}
		o := w.object(m)
		if a == nil {
			a = w.firstArch(o)
			c.pc, c.sp, c.fp, c.lr = a.word(c.pc), a.word(c.sp), a.word(c.fp), a.word(c.lr)
		}
		frames = append(frames, frameAt(c, m, o))
		if o != nil && o.machine != elf.EM_NONE {
			if o.arch == nil {
				return frames, nil // code this build cannot walk (AArch32, x32)
			}
			a = o.arch
		}
		next, ok := w.step(c, m, o, a)
		if !ok {
			return frames, nil
		}
		if len(frames) >= max {
			return frames, ErrTooManyFrames
		}
		c = next
	}
}

// noMemory is the Memory of a tracee whose memory cannot be read: frames
// are still found by the CFI and frame pointers, up to the first read.
type noMemory struct{}

func (noMemory) ReadMemory(uint64, []byte) error { return errors.New("no memory reader") }

// cursor is the state of the walk at one frame.
type cursor struct {
	pc, sp, fp, lr uint64
	// lrValid reports whether lr holds the link register's value in this
	// frame: at the stop, or where the CFI restored it.
	lrValid bool
	// exact reports whether pc is the instruction the frame is at (the
	// first frame, or one interrupted by a signal) rather than a return
	// address, which is looked up one byte back: a call may be the last
	// instruction of its function.
	exact bool
	first bool
}

// reg returns the value of DWARF register n in the frame, if the walk
// knows it.
func (c *cursor) reg(a *arch, n uint64) (uint64, bool) {
	switch {
	case n == a.sp:
		return c.sp, true
	case n == a.fp:
		return c.fp, true
	case a.lr >= 0 && n == uint64(a.lr):
		return c.lr, c.lrValid
	case a.pc >= 0 && n == uint64(a.pc):
		return c.pc, true
	}
	return 0, false
}

// lookupPC is the address whose function and CFI row are the frame's.
func (c *cursor) lookupPC() uint64 {
	if c.exact {
		return c.pc
	}
	return c.pc - 1
}

// frameAt describes the frame at c, in mapping m of object o (nil if the
// file could not be read).
func frameAt(c cursor, m *mapping, o *object) Frame {
	f := Frame{Address: c.pc, Object: m.path, Offset: c.pc - m.start + m.offset}
	if o == nil {
		return f
	}
	at := c.lookupPC()
	if vaddr, ok := o.vaddr(at - m.start + m.offset); ok {
		if name, off, ok := o.syms.lookup(vaddr, o.size); ok {
			f.Symbol, f.SymOffset = name, off+(c.pc-at)
		}
	}
	return f
}

// walker is one Unwind: the tracee's maps and memory, and the objects of
// the mappings met so far, by start address.
type walker struct {
	u      *Unwinder
	pid    int
	find   func(addr uint64) *mapping // the mapping that holds addr, or nil
	mem    Memory
	seen   map[uint64]*object
	blocks []block // of stack memory read, oldest first
}

// step returns the caller's frame of c, in mapping m of object o, or false
// where the walk ends.
func (w *walker) step(c cursor, m *mapping, o *object, a *arch) (cursor, bool) {
	if o != nil && o.arch == a {
		if vaddr, ok := o.vaddr(c.lookupPC() - m.start + m.offset); ok {
			// No row where there is no CFI, or where the
			// interpreter rejects the program (arm64's
			// DW_CFA_AARCH64_negate_ra_state, say): then frame
			// pointers, as libunwind does.
			if ctx, signal := o.row(vaddr); ctx != nil {
				return w.stepCFI(c, a, ctx, signal)
			}
		}
	}
	return w.stepFP(c, a)
}

// stepCFI unwinds c by the CFI row ctx.
func (w *walker) stepCFI(c cursor, a *arch, ctx *frame.FrameContext, signal bool) (cursor, bool) {
	reg := func(n uint64) (uint64, bool) { return c.reg(a, n) }
	var cfa uint64
	switch ctx.CFA.Rule {
	case frame.RuleCFA:
		base, ok := reg(ctx.CFA.Reg)
		if !ok {
			return cursor{}, false
		}
		cfa = a.word(base + uint64(ctx.CFA.Offset))
	case frame.RuleExpression:
		v, err := evalExpr(ctx.CFA.Expression, a, reg, w.mem)
		if err != nil {
			return cursor{}, false
		}
		cfa = v
	default:
		return cursor{}, false
	}
	restore := func(n uint64) (v uint64, ok, set bool) {
		r, set := ctx.Regs[n]
		if !set {
			v, ok = reg(n)
			return v, ok, false
		}
		switch r.Rule {
		case frame.RuleSameVal:
			v, ok = reg(n)
		case frame.RuleOffset:
			v, ok = w.word(a, cfa+uint64(r.Offset))
		case frame.RuleValOffset:
			v, ok = a.word(cfa+uint64(r.Offset)), true
		case frame.RuleRegister:
			v, ok = reg(r.Reg)
		case frame.RuleExpression, frame.RuleValExpression:
			addr, err := evalExpr(r.Expression, a, reg, w.mem, cfa)
			if ok = err == nil; ok && r.Rule == frame.RuleExpression {
				v, ok = w.word(a, addr)
			} else {
				v = addr
			}
		}
		// RuleUndefined, or one the walk cannot follow: not ok.
		return v, ok, true
	}

	next := cursor{sp: cfa, exact: signal}
	ra, ok, set := restore(ctx.RetAddrReg)
	switch {
	case !ok && set && ctx.Regs[ctx.RetAddrReg].Rule == frame.RuleUndefined && c.first && c.lrValid && a.lr >= 0:
		// The parser turns DW_CFA_restore of the link register, in an
		// arm64 epilogue, into "undefined" rather than the CIE's
		// "same value"; at the stop the register is still live.
		ra = c.lr
	case !ok, !set && a.lr < 0:
		// Undefined (the outermost frame: _start, a thread's start), or
		// a rule the walk cannot follow, or no rule at all where the
		// return address is not in a register.
		return cursor{}, false
	}
	next.pc = ra & a.addrMask
	if fp, ok, set := restore(a.fp); ok {
		next.fp = fp
	} else if !set || ctx.Regs[a.fp].Rule == frame.RuleUndefined {
		next.fp = c.fp
	}
	if a.lr >= 0 {
		next.lr, next.lrValid = ra, true
	}
	if sp, ok, set := restore(a.sp); set && ok {
		next.sp = sp
	}
	return next, w.plausible(c, next, a, signal)
}

// stepFP unwinds c by the frame-pointer chain: the frame pointer points at
// the caller's saved frame pointer, with the return address a word above,
// and the caller's stack pointer above that (amd64, i386, and arm64's frame
// records alike).
func (w *walker) stepFP(c cursor, a *arch) (cursor, bool) {
	size := uint64(a.ptrSize)
	if c.fp == 0 || c.fp < c.sp || c.fp%size != 0 {
		return cursor{}, false
	}
	fp, ok1 := w.word(a, c.fp)
	ra, ok2 := w.word(a, a.word(c.fp+size))
	if !ok1 || !ok2 {
		return cursor{}, false
	}
	next := cursor{pc: ra & a.addrMask, sp: a.word(c.fp + 2*size), fp: fp}
	return next, w.plausible(c, next, a, false)
}

// plausible reports whether the walk may go on from c to next: a return
// address that is not 0, and a stack pointer that grows, so that a cyclic
// or crafted chain of frames ends. It may stay put only out of the first
// frame of an arch with a link register (a leaf function that has not
// touched the stack), and may go anywhere out of a signal frame (the
// handler may run on an alternate stack).
func (w *walker) plausible(c, next cursor, a *arch, signal bool) bool {
	switch {
	case next.pc == 0:
		return false
	case signal:
		return true
	case next.sp > c.sp:
		return true
	}
	return next.sp == c.sp && c.first && a.lr >= 0
}

// Stack words are read a block at a time: one process_vm_readv costs the
// same for 8 bytes as for 512, and the next frames' words are mostly in the
// same block. An aligned block lies in one page, so it can be read if a
// word in it can (else the word is read alone).
const (
	blockSize = 512
	maxBlocks = 8
)

type block struct {
	addr uint64
	data [blockSize]byte
}

// word reads a word of the arch's size at addr.
func (w *walker) word(a *arch, addr uint64) (uint64, bool) {
	addr = a.word(addr)
	size := uint64(a.ptrSize)
	base := addr &^ (blockSize - 1)
	var buf [8]byte
	alone := func() (uint64, bool) {
		if err := w.mem.ReadMemory(addr, buf[:size]); err != nil {
			return 0, false
		}
		return binary.LittleEndian.Uint64(buf[:]), true
	}
	if addr-base > blockSize-size {
		return alone() // straddles two blocks (a misaligned word)
	}
	var b *block
	for i := range w.blocks {
		if w.blocks[i].addr == base {
			b = &w.blocks[i]
			break
		}
	}
	if b == nil {
		if len(w.blocks) == maxBlocks {
			w.blocks = w.blocks[1:]
		}
		w.blocks = append(w.blocks, block{addr: base})
		b = &w.blocks[len(w.blocks)-1]
		if err := w.mem.ReadMemory(base, b.data[:]); err != nil {
			// A Memory that reads less than pages (not the
			// tracee's own) may still have the word.
			w.blocks = w.blocks[:len(w.blocks)-1]
			return alone()
		}
	}
	copy(buf[:size], b.data[addr-base:])
	return binary.LittleEndian.Uint64(buf[:]), true
}

// firstArch is the arch the walk starts with: the first frame's object's,
// else (a frame in a file that cannot be read) the executable's.
func (w *walker) firstArch(o *object) *arch {
	if o != nil && o.arch != nil {
		return o.arch
	}
	// e_ident's class and e_machine are all that is needed.
	if f, err := os.Open("/proc/" + strconv.Itoa(w.pid) + "/exe"); err == nil {
		var hdr [20]byte
		_, err := io.ReadFull(f, hdr[:])
		f.Close()
		if err == nil && string(hdr[:4]) == elf.ELFMAG {
			if a := archFor(elf.Machine(binary.LittleEndian.Uint16(hdr[18:])), elf.Class(hdr[4])); a != nil {
				return a
			}
		}
	}
	return hostArchs[0]
}

// object returns the parsed object of mapping m, or nil if it has none
// (anonymous memory, a pseudo-mapping, a file that cannot be opened).
func (w *walker) object(m *mapping) *object {
	if o, ok := w.seen[m.start]; ok {
		return o
	}
	var o *object
	switch {
	case m.fileBacked():
		o = w.u.fileObject(w.pid, m)
	case m.path == "[vdso]":
		o = w.u.vdsoObject(m, w.mem)
	}
	w.seen[m.start] = o
	return o
}

// fileObject returns the object of a file mapping, from the cache or
// parsed now. The file is opened through /proc/PID/map_files, which
// reaches the very file mapped (even deleted, or in another mount
// namespace) but needs CAP_SYS_ADMIN, else by its path under
// /proc/PID/root.
func (u *Unwinder) fileObject(pid int, m *mapping) *object {
	proc := "/proc/" + strconv.Itoa(pid)
	names := [...]string{
		proc + "/map_files/" + strconv.FormatUint(m.start, 16) + "-" + strconv.FormatUint(m.end, 16),
		proc + "/root" + m.path,
	}
	// A cached object costs a stat, not an open, an fstat and a close.
	for _, name := range names {
		var st syscall.Stat_t
		if syscall.Stat(name, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
			if o := u.cached(objectKey{dev: st.Dev, ino: st.Ino, mtime: st.Mtim.Nano()}); o != nil {
				return o
			}
			break
		}
	}
	f, st := openRegular(names[0])
	if f == nil {
		if f, st = openRegular(names[1]); f == nil {
			return nil
		}
	}
	defer f.Close()
	key := objectKey{dev: st.Dev, ino: st.Ino, mtime: st.Mtim.Nano()}
	if o := u.cached(key); o != nil {
		return o
	}
	var opened []*os.File
	defer func() {
		for _, f := range opened {
			f.Close()
		}
	}()
	debug := func(id []byte, link string) io.ReaderAt {
		for _, p := range debugPaths(m.path, id, link) {
			// The tracee's own /usr/lib/debug first; a build ID, or
			// the machine check, keeps the host's from mismatching.
			for _, root := range []string{proc + "/root", ""} {
				if df, _ := openRegular(root + p); df != nil {
					opened = append(opened, df)
					return df
				}
			}
		}
		return nil
	}
	o := parseObject(f, st.Size, debug)
	u.store(key, o)
	return o
}

// debugPaths lists where the debug file of the object at objPath may be,
// as gdb looks: by build ID, then by .gnu_debuglink name beside the object,
// in its .debug directory, and under /usr/lib/debug.
func debugPaths(objPath string, id []byte, link string) []string {
	const dir = "/usr/lib/debug"
	var ps []string
	if p := buildIDPath(id); p != "" {
		ps = append(ps, dir+"/"+p)
	}
	if link != "" {
		d := path.Dir(objPath)
		ps = append(ps, d+"/"+link, d+"/.debug/"+link, dir+d+"/"+link)
	}
	return ps
}

// vdsoObject returns the object of the vDSO, whose image is read from the
// tracee's memory (it is in no file) and cached by its hash. The image is
// kept to be compared on a hit: a tracee may write to its vDSO, and must
// not pass its image off as another process's.
func (u *Unwinder) vdsoObject(m *mapping, mem Memory) *object {
	size := m.end - m.start
	if size == 0 || size > maxVDSO {
		return nil
	}
	img := make([]byte, size)
	if err := mem.ReadMemory(m.start, img); err != nil {
		return nil
	}
	key := objectKey{vdso: maphash.Bytes(u.seed, img)}
	if o := u.cached(key); o != nil && bytes.Equal(o.image, img) {
		return o
	}
	o := parseObject(bytes.NewReader(img), int64(size), nil)
	o.image = img
	u.store(key, o)
	return o
}

func (u *Unwinder) cached(key objectKey) *object {
	o := u.objects[key]
	if o != nil {
		o.lastUse = u.clock
	}
	return o
}

// store caches o, first evicting the least recently used object if the
// cache is full.
func (u *Unwinder) store(key objectKey, o *object) {
	if len(u.objects) >= maxObjects {
		var oldest objectKey
		first := true
		for k, v := range u.objects {
			if first || v.lastUse < u.objects[oldest].lastUse {
				oldest, first = k, false
			}
		}
		delete(u.objects, oldest)
	}
	o.lastUse = u.clock
	u.objects[key] = o
}

// openRegular opens name for reading if it is a regular file: a crafted
// path must not block the tracer on a FIFO or a device.
func openRegular(name string) (*os.File, *syscall.Stat_t) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		f.Close()
		return nil, nil
	}
	return f, st
}
