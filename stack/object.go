package stack

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/frame"
	"github.com/ianlancetaylor/demangle"
)

// Bounds on what a mapped file, which the tracee may have crafted, can make
// the tracer read, inflate or keep.
const (
	// maxSectionSize bounds one section read (or inflated, for a
	// compressed .debug_frame). The largest real ones, a big Go binary's
	// .debug_frame or a C++ library's .eh_frame, are a few MiB.
	maxSectionSize = 64 << 20
	// maxProgram bounds the CFA instructions run for one frame: real FDEs
	// have tens of bytes, a huge function a few KiB.
	maxProgram = 64 << 10
	// maxMangled bounds the length of a name handed to the demangler.
	maxMangled = 16 << 10
)

// object is what the walk keeps of one mapped ELF file: how its file
// offsets map to its addresses, its function symbols and its call-frame
// information. An object that is not an ELF file is kept too, empty, so
// that it is not read again.
type object struct {
	machine elf.Machine
	class   elf.Class
	arch    *arch // nil if this build cannot walk the object's code
	loads   []segment
	size    uint64 // of the file: libunwind's bound on a symbol's distance
	syms    symtab
	// ehFrame and debugFrame are the FDEs of .eh_frame and .debug_frame
	// (the object's, or its debug file's), sorted by address.
	ehFrame, debugFrame frame.FrameDescriptionEntries
	// rows caches the CFI rows established, by address: the stacks of a
	// trace's wait calls pass the same call sites again and again, and
	// running a long function's CFA program to its row is most of the
	// cost of a frame.
	rows    map[uint64]*frame.FrameContext
	lastUse uint64 // Unwinder's clock at the last use, for eviction
	image   []byte // a vDSO's image, which is its key
}

// segment is a PT_LOAD program header.
type segment struct{ off, vaddr, filesz uint64 }

// vaddr returns the link-time address of file offset off, by the PT_LOAD
// segment that maps it. A segment's mapping starts at the page that holds
// its first byte (64 KiB pages at most), so bytes just below p_offset, such
// as the ELF header, belong to it too.
func (o *object) vaddr(off uint64) (uint64, bool) {
	for _, s := range o.loads {
		if off >= s.off&^0xffff && off < s.off+s.filesz {
			return off - s.off + s.vaddr, true
		}
	}
	return 0, false
}

// fde returns the frame description entry that covers vaddr, from
// .eh_frame first (what the runtime's own unwinder uses), then .debug_frame.
func (o *object) fde(vaddr uint64) *frame.FrameDescriptionEntry {
	for _, fdes := range []frame.FrameDescriptionEntries{o.ehFrame, o.debugFrame} {
		if f, err := fdes.FDEForPC(vaddr); err == nil {
			return f
		}
	}
	return nil
}

// maxRows bounds an object's cache of CFI rows; past it the cache starts
// afresh.
const maxRows = 1024

// row returns the CFI row that holds at vaddr, from the cache or
// established now, and whether the FDE is a signal trampoline's; nil if
// the object's CFI does not cover vaddr or cannot be run there.
func (o *object) row(vaddr uint64) (*frame.FrameContext, bool) {
	fde := o.fde(vaddr)
	if fde == nil {
		return nil, false
	}
	ctx, ok := o.rows[vaddr]
	if !ok {
		ctx, _ = establish(fde, vaddr) // nil on error: cached too
		if o.rows == nil || len(o.rows) >= maxRows {
			o.rows = make(map[uint64]*frame.FrameContext)
		}
		o.rows[vaddr] = ctx
	}
	return ctx, isSignalFrame(fde)
}

// debugOpener opens the separate debug file of an object from its build ID
// or .gnu_debuglink name (either may be empty); nil if there is none.
type debugOpener func(buildID []byte, link string) io.ReaderAt

// parseObject reads an object from r, a file of size bytes. debug, if not
// nil, finds its separate debug file when the object has no .symtab of its
// own (a stripped library) or no call-frame information. Nothing that r
// holds makes it panic or read without bound; a file it cannot parse gives
// an object with nothing in it.
func parseObject(r io.ReaderAt, size int64, debug debugOpener) (o *object) {
	o = &object{size: uint64(max(size, 0))}
	defer func() {
		// debug/elf is fuzzed upstream, but a panic on a crafted file
		// must not take the tracer down; what was read is then suspect.
		if recover() != nil {
			*o = object{size: uint64(max(size, 0))}
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return o
	}
	o.machine, o.class = f.Machine, f.Class
	o.arch = archFor(f.Machine, f.Class)
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			o.loads = append(o.loads, segment{off: p.Off, vaddr: p.Vaddr, filesz: p.Filesz})
		}
	}
	ptrSize := 8
	if f.Class == elf.ELFCLASS32 {
		ptrSize = 4
	}
	var syms []symbol
	syms = appendSymbols(syms, f)
	o.ehFrame = readCFI(f, ".eh_frame", ptrSize)
	o.debugFrame = readCFI(f, ".debug_frame", ptrSize)
	hasSymtab := f.SectionByType(elf.SHT_SYMTAB) != nil
	if debug != nil && (!hasSymtab || o.ehFrame == nil && o.debugFrame == nil) {
		id := buildID(f)
		if dr := debug(id, debugLink(f)); dr != nil {
			if df, err := elf.NewFile(dr); err == nil && df.Machine == f.Machine && df.Class == f.Class &&
				(id == nil || bytes.Equal(buildID(df), id)) {
				// After the object's own: libunwind prefers, of two
				// symbols at one address, the one it saw first.
				syms = appendSymbols(syms, df)
				if o.debugFrame == nil {
					o.debugFrame = readCFI(df, ".debug_frame", ptrSize)
				}
			}
		}
	}
	o.syms = newSymtab(syms)
	return o
}

// readCFI parses the named call-frame section, or returns nil.
func readCFI(f *elf.File, name string, ptrSize int) (fdes frame.FrameDescriptionEntries) {
	s := f.Section(name)
	if s == nil || s.Type == elf.SHT_NOBITS || s.Size > maxSectionSize {
		return nil
	}
	var ehFrameAddr uint64
	if name == ".eh_frame" {
		// The parser tells .eh_frame from .debug_frame by a non-zero
		// address, which pc-relative pointers are relative to.
		if ehFrameAddr = s.Addr; ehFrameAddr == 0 {
			return nil
		}
	}
	data, err := s.Data()
	if err != nil {
		return nil
	}
	return parseCFI(data, ptrSize, ehFrameAddr)
}

// parseCFI parses a .eh_frame (at address ehFrameAddr) or, if
// ehFrameAddr is 0, a .debug_frame section; nil if it is malformed.
func parseCFI(data []byte, ptrSize int, ehFrameAddr uint64) (fdes frame.FrameDescriptionEntries) {
	defer func() {
		// The parser panics on some truncated entries.
		if recover() != nil {
			fdes = nil
		}
	}()
	fdes, err := frame.Parse(data, binary.LittleEndian, 0, ptrSize, ehFrameAddr)
	if err != nil || len(fdes) == 0 {
		return nil
	}
	// Parse keeps the section's order, which the linker need not have
	// sorted (main in .text.startup, say); Append sorts and drops repeats.
	return frame.FrameDescriptionEntries(nil).Append(fdes)
}

// buildID returns the object's GNU build ID, or nil.
func buildID(f *elf.File) []byte {
	s := f.Section(".note.gnu.build-id")
	if s == nil || s.Type != elf.SHT_NOTE || s.Size > 1024 {
		return nil
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		return nil
	}
	bo := f.ByteOrder
	namesz, descsz, typ := bo.Uint32(note), bo.Uint32(note[4:]), bo.Uint32(note[8:])
	nameEnd := 12 + (uint64(namesz)+3)&^3
	if typ != 3 || namesz != 4 || string(note[12:16]) != "GNU\x00" || descsz == 0 || descsz > 64 ||
		nameEnd+uint64(descsz) > uint64(len(note)) {
		return nil
	}
	return note[nameEnd : nameEnd+uint64(descsz)]
}

// debugLink returns the file name in the object's .gnu_debuglink, or "" if
// there is none or it is not a plain file name (a crafted "../../dev/tty"
// must not send the tracer elsewhere).
func debugLink(f *elf.File) string {
	s := f.Section(".gnu_debuglink")
	if s == nil || s.Size > 4096 {
		return ""
	}
	data, err := s.Data()
	if err != nil {
		return ""
	}
	name, _, ok := bytes.Cut(data, []byte{0})
	if !ok || len(name) == 0 || bytes.ContainsRune(name, '/') || string(name) == "." || string(name) == ".." {
		return ""
	}
	return string(name)
}

// buildIDPath is where a debug file with this build ID is installed, below
// the debug directory.
func buildIDPath(id []byte) string {
	if len(id) < 2 {
		return ""
	}
	h := hex.EncodeToString(id)
	return ".build-id/" + h[:2] + "/" + h[2:] + ".debug"
}

// symbol is a function symbol: its link-time address and name.
type symbol struct {
	addr uint64
	name string
	seq  int
}

// appendSymbols appends the defined function symbols of f's .dynsym and
// .symtab, in the order of their sections, as libunwind reads them.
func appendSymbols(syms []symbol, f *elf.File) []symbol {
	type table struct {
		index int
		read  func() ([]elf.Symbol, error)
	}
	var tables []table
	for i, s := range f.Sections {
		if s.Size > maxSectionSize {
			continue
		}
		switch s.Type {
		case elf.SHT_DYNSYM:
			tables = append(tables, table{i, f.DynamicSymbols})
		case elf.SHT_SYMTAB:
			tables = append(tables, table{i, f.Symbols})
		}
	}
	sort.SliceStable(tables, func(i, j int) bool { return tables[i].index < tables[j].index })
	for _, t := range tables {
		all, err := t.read()
		if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
			continue
		}
		for _, s := range all {
			// libunwind takes STT_FUNC only, and (like us, which
			// compare link-time addresses) no undefined ones; an
			// absolute one would need the load bias undone.
			if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF && s.Section != elf.SHN_ABS {
				syms = append(syms, symbol{addr: s.Value, name: s.Name})
			}
		}
	}
	return syms
}

// symtab finds the function that an address is in the way libunwind (and
// so strace) does: the nearest symbol at or below it, whatever its size
// says, less than the file's size away.
type symtab struct {
	addrs []uint64 // ascending, no repeats
	names []string
	// demangled[i] reports whether names[i] is already demangled:
	// demangling waits until a frame shows the name.
	demangled []bool
}

// newSymtab sorts syms; of symbols at one address it keeps the first.
func newSymtab(syms []symbol) symtab {
	// By address, then by the order they were read in (a stable sort,
	// but much faster than sort.Stable's merges on tens of thousands).
	for i := range syms {
		syms[i].seq = i
	}
	slices.SortFunc(syms, func(a, b symbol) int {
		return cmp.Or(cmp.Compare(a.addr, b.addr), cmp.Compare(a.seq, b.seq))
	})
	t := symtab{addrs: make([]uint64, 0, len(syms)), names: make([]string, 0, len(syms))}
	for i, s := range syms {
		if i > 0 && s.addr == syms[i-1].addr {
			continue
		}
		t.addrs = append(t.addrs, s.addr)
		t.names = append(t.names, s.name)
	}
	t.demangled = make([]bool, len(t.names))
	return t
}

// lookup returns the demangled name of the symbol nearest at or below
// vaddr and vaddr's distance from it, if that is below limit.
func (t *symtab) lookup(vaddr, limit uint64) (string, uint64, bool) {
	i := sort.Search(len(t.addrs), func(i int) bool { return t.addrs[i] > vaddr }) - 1
	if i < 0 || vaddr-t.addrs[i] >= limit {
		return "", 0, false
	}
	if !t.demangled[i] {
		t.names[i], t.demangled[i] = demangleName(t.names[i]), true
	}
	return t.names[i], vaddr - t.addrs[i], t.names[i] != ""
}

// demangleName demangles a C++ (or Rust) symbol as strace's
// cplus_demangle(DMGL_AUTO|DMGL_PARAMS) does, parameters included;
// anything else, or a name the demangler rejects, is returned as it is.
func demangleName(name string) (out string) {
	if len(name) > maxMangled || !strings.HasPrefix(name, "_Z") && !strings.HasPrefix(name, "_R") && !strings.HasPrefix(name, "_GLOBAL_") {
		return name
	}
	defer func() {
		if recover() != nil {
			out = name
		}
	}()
	// MaxLength(16): a 64 KiB result at most, against names that
	// expand exponentially through back-references.
	return demangle.Filter(name, demangle.MaxLength(16))
}
