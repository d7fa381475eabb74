package stack

import (
	"debug/dwarf"
	"debug/elf"
	"strings"
)

// Lines finds the source file and line of a frame in the DWARF line table
// of its object, for the one-line "where" of waittrace's reports
// ("on_sigchld (handler.c:41)"); strace -k prints no lines, and neither
// does Frame.String. Only the object's own DWARF is read (a program built
// with -g), not a separate debug file: that keeps it cheap, a few
// milliseconds per object the first time, a map lookup after.
//
// The object is opened by its path as waittrace sees it, after the fact
// (the process may be gone): a file replaced since, or in another mount
// namespace, gives wrong lines or none. Like the Unwinder, it reads only
// regular files, bounds what it reads and recovers from the parser's
// panics. A Lines is for one goroutine.
type Lines struct {
	objs map[string]*lineObject
	at   map[lineKey]lineAt
}

type lineObject struct {
	loads []segment
	dw    *dwarf.Data // nil: no DWARF, or not readable
}

type lineKey struct {
	object string
	offset uint64
}

type lineAt struct {
	file string
	line int
	ok   bool
}

// maxLineObjects bounds the objects a Lines keeps.
const maxLineObjects = 64

// NewLines returns a Lines with nothing read.
func NewLines() *Lines {
	return &Lines{objs: map[string]*lineObject{}, at: map[lineKey]lineAt{}}
}

// Line returns the source file and line of the instruction at f.Offset in
// f.Object. For a return address (any frame but the innermost, unless a
// signal interrupted it), pass the frame with Offset one less, so that the
// line is the call's.
func (l *Lines) Line(f Frame) (file string, line int, ok bool) {
	if f.Object == "" || strings.HasSuffix(f.Object, " (deleted)") {
		return "", 0, false
	}
	key := lineKey{f.Object, f.Offset}
	if a, ok := l.at[key]; ok {
		return a.file, a.line, a.ok
	}
	o := l.object(f.Object)
	var a lineAt
	if o.dw != nil {
		for _, s := range o.loads {
			if f.Offset >= s.off && f.Offset < s.off+s.filesz {
				a = lookupLine(o.dw, f.Offset-s.off+s.vaddr)
				break
			}
		}
	}
	if len(l.at) >= 4096 {
		clear(l.at)
	}
	l.at[key] = a
	return a.file, a.line, a.ok
}

// object returns the parsed object at path, read now if it was not.
func (l *Lines) object(path string) *lineObject {
	if o, ok := l.objs[path]; ok {
		return o
	}
	if len(l.objs) >= maxLineObjects {
		clear(l.objs)
	}
	o := readLineObject(path)
	l.objs[path] = o
	return o
}

func readLineObject(path string) (o *lineObject) {
	o = &lineObject{}
	f, _ := openRegular(path)
	if f == nil {
		return o
	}
	defer f.Close()
	defer func() {
		if recover() != nil {
			*o = lineObject{}
		}
	}()
	ef, err := elf.NewFile(f)
	if err != nil {
		return o
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD {
			o.loads = append(o.loads, segment{off: p.Off, vaddr: p.Vaddr, filesz: p.Filesz})
		}
	}
	for _, s := range ef.Sections {
		if strings.HasPrefix(s.Name, ".debug_") && s.Size > maxSectionSize {
			return o
		}
	}
	if ef.Section(".debug_line") == nil {
		return o
	}
	if dw, err := ef.DWARF(); err == nil {
		o.dw = dw
	}
	return o
}

// lookupLine finds the line of link-time address pc.
func lookupLine(dw *dwarf.Data, pc uint64) (a lineAt) {
	defer func() {
		if recover() != nil {
			a = lineAt{}
		}
	}()
	cu, err := dw.Reader().SeekPC(pc)
	if err != nil || cu == nil {
		return a
	}
	lr, err := dw.LineReader(cu)
	if err != nil || lr == nil {
		return a
	}
	var e dwarf.LineEntry
	if lr.SeekPC(pc, &e) != nil || e.File == nil || e.Line == 0 {
		return a
	}
	return lineAt{file: e.File.Name, line: e.Line, ok: true}
}
