package stack

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLines finds the line of a function of a fixture built with -g, and
// none where there is no DWARF or no regular file.
func TestLines(t *testing.T) {
	fx := fixtureByName(t, "c-O0-fp") // -g
	path := fx.argv[0]
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	syms, _ := f.Symbols()
	f.Close()
	var reap uint64
	for _, s := range syms {
		if s.Name == "reap" {
			reap = s.Value
		}
	}
	o := parseObject(mustOpen(t, path), fileSize(t, path), nil)
	off := uint64(0)
	for _, s := range o.loads {
		if reap >= s.vaddr && reap < s.vaddr+s.filesz {
			off = reap - s.vaddr + s.off
		}
	}
	if reap == 0 || off == 0 {
		t.Fatalf("no reap in %s", path)
	}
	l := NewLines()
	file, line, ok := l.Line(Frame{Object: path, Offset: off + 4})
	src, _ := os.ReadFile("../testdata/stack/wait.c")
	lines := strings.Split(string(src), "\n")
	if !ok || filepath.Base(file) != "wait.c" || line < 1 || line > len(lines) || !strings.Contains(strings.Join(lines[line-2:line+1], "\n"), "reap(pid_t pid)") {
		t.Errorf("reap+4: %s:%d %v", file, line, ok)
	}
	if f2, l2, ok2 := l.Line(Frame{Object: path, Offset: off + 4}); f2 != file || l2 != line || !ok2 {
		t.Errorf("cached: %s:%d %v", f2, l2, ok2)
	}
	nodwarf := fixtureByName(t, "c-O2-nofp").argv[0]
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, fr := range []Frame{
		{Object: nodwarf, Offset: 0x1000},
		{Object: filepath.Join(dir, "missing"), Offset: 0x1000},
		{Object: fifo, Offset: 0x1000}, // must not block
		{Object: path + " (deleted)", Offset: off},
		{Object: "", Offset: off},
		{Object: path, Offset: 1 << 40}, // in no segment
	} {
		if file, line, ok := l.Line(fr); ok {
			t.Errorf("%s+%#x: %s:%d", fr.Object, fr.Offset, file, line)
		}
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
