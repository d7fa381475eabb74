package stack

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

const sampleMaps = `55d0a0a00000-55d0a0a04000 r--p 00000000 08:01 1312 /usr/bin/dash
55d0a0a04000-55d0a0a18000 r-xp 00004000 08:01 1312 /usr/bin/dash
55d0a1000000-55d0a1021000 rw-p 00000000 00:00 0                          [heap]
7f0000000000-7f0000001000 r-xp 00000000 00:00 0 
7f0000001000-7f0000002000 r-xp 00001000 08:01 99   /tmp/a b/with spaces.so
7f0000002000-7f0000003000 r-xp 00000000 08:01 98   /tmp/new\012line (deleted)
7f0000002000-7f0000003000 r-xp 00000000 08:01 98   /tmp/repeated
7f0000002800-7f0000004000 r-xp 00000000 08:01 97   /tmp/overlapping
not a line
7f0000005000-7f0000004000 r-xp 00000000 08:01 96   /tmp/backwards
7f0000006000-7f0000007000 r-xp zz 08:01 95   /tmp/bad-offset
7fff00001000-7fff00003000 r-xp 00000000 00:00 0                          [vdso]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]`

func TestParseMaps(t *testing.T) {
	ms := parseMaps([]byte(sampleMaps))
	want := []mapping{
		{start: 0x55d0a0a00000, end: 0x55d0a0a04000, inode: 1312, path: "/usr/bin/dash"},
		{start: 0x55d0a0a04000, end: 0x55d0a0a18000, offset: 0x4000, exec: true, inode: 1312, path: "/usr/bin/dash"},
		{start: 0x55d0a1000000, end: 0x55d0a1021000, path: "[heap]"},
		{start: 0x7f0000000000, end: 0x7f0000001000, exec: true},
		{start: 0x7f0000001000, end: 0x7f0000002000, offset: 0x1000, exec: true, inode: 99, path: "/tmp/a b/with spaces.so"},
		{start: 0x7f0000002000, end: 0x7f0000003000, exec: true, inode: 98, path: "/tmp/new\nline (deleted)"},
		{start: 0x7fff00001000, end: 0x7fff00003000, exec: true, path: "[vdso]"},
		{start: 0xffffffffff600000, end: 0xffffffffff601000, exec: true, path: "[vsyscall]"},
	}
	if len(ms) != len(want) {
		t.Fatalf("%d mappings, want %d: %+v", len(ms), len(want), ms)
	}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("mapping %d = %+v, want %+v", i, ms[i], want[i])
		}
	}
	for _, tt := range []struct {
		addr uint64
		path string
		ok   bool
	}{
		{0x55d0a0a04000, "/usr/bin/dash", true},
		{0x55d0a0a17fff, "/usr/bin/dash", true},
		{0x55d0a0a18000, "", false},
		{0x7f0000000800, "", true},
		{0x7fff00002fff, "[vdso]", true},
		{0, "", false},
		{^uint64(0), "", false},
	} {
		m := findMapping(ms, tt.addr)
		if (m != nil) != tt.ok || m != nil && m.path != tt.path {
			t.Errorf("findMapping(%#x) = %+v, want path %q (found %v)", tt.addr, m, tt.path, tt.ok)
		}
	}
	if !ms[1].fileBacked() || ms[2].fileBacked() || ms[3].fileBacked() || ms[6].fileBacked() {
		t.Errorf("fileBacked wrong: %+v", ms)
	}
}

// TestProcmapQuery checks that PROCMAP_QUERY finds what parsing
// /proc/PID/maps finds, for every mapping of this process.
func TestProcmapQuery(t *testing.T) {
	m, err := openMaps(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.query(0); errors.Is(err, syscall.ENOTTY) {
		t.Skip("kernel without PROCMAP_QUERY (Linux 6.11)")
	}
	// The runtime may map memory between the read and the queries,
	// merging mappings: a difference is an error only if it persists.
	var diffs []string
	for range 3 {
		if diffs = compareQueries(t, m); diffs == nil {
			break
		}
	}
	for _, d := range diffs {
		t.Error(d)
	}
	if got := m.find(0); got != nil {
		t.Errorf("find(0) = %+v", got)
	}
}

func compareQueries(t *testing.T, m *mapsFile) []string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := readMapsFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var diffs []string
	for _, want := range all {
		if want.path == "[vsyscall]" {
			continue // not a VMA of the process: the kernel emulates it
		}
		got, err := m.query(want.start + (want.end-want.start)/2)
		if err != nil || got.path != want.path || got.start != want.start || got.offset != want.offset ||
			got.exec != want.exec || got.inode != want.inode {
			diffs = append(diffs, fmt.Sprintf("query %#x = %+v, %v; maps says %+v", want.start, got, err, want))
		}
	}
	return diffs
}
