package ptrace

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// memRead is one ReadMemory check: n bytes at offset off from the end of the
// mapping; ok says whether it must succeed (and then return the pattern).
type memRead struct {
	off int
	n   int
	ok  bool
}

var memReads = []memRead{
	{-32, 32, true},  // the whole pattern, ending at the end of the mapping
	{-13, 13, true},  // unaligned, ending there too
	{-1, 1, true},    // the last byte
	{-29, 7, true},   // unaligned inside one word
	{-32, 33, false}, // one byte too many: straddles the end
	{-4, 8, false},   // straddles, unaligned
	{-8, 16, false},  // straddles, aligned
	{0, 8, false},    // entirely past the end
}

// TestReadMemoryMappingEnd: a read that straddles the end of a mapping
// fails as a whole (no partial success), a read right before the end
// succeeds with the right bytes; with process_vm_readv and with the
// PTRACE_PEEKDATA fallback. The fixture stops at a wait4 whose status
// pointer is its 32-byte pattern, at the end of a page followed by a hole.
func TestReadMemoryMappingEnd(t *testing.T) { forModes(t, testReadMemoryMappingEnd) }

func testReadMemoryMappingEnd(t *testing.T, m mode) {
	path := fixture(t, "memfix")
	pattern := make([]byte, 32)
	for i := range pattern {
		pattern[i] = 0xa0 + byte(i)
	}
	type outcome struct {
		how string
		r   memRead
		err error
		got []byte
	}
	var (
		results  []outcome
		entries  int
		end      uint64
		vmUnused bool
		mapEnd   bool
	)
	handle := func(ev *Event) {
		if ev.Kind != SyscallEntry || ev.Nr != unix.SYS_WAIT4 {
			return
		}
		entries++
		end = ev.Args[1] + 32
		// The end is the end of a mapping and nothing is mapped after it.
		maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", ev.Tid))
		mapEnd = bytes.Contains(maps, fmt.Appendf(nil, "-%x ", end)) && !bytes.Contains(maps, fmt.Appendf(nil, "\n%x-", end))
		noVM, yesVM := true, false
		mems := []struct {
			how string
			m   Memory
		}{
			{"Event.Mem", ev.Mem},
			{"process_vm_readv", Memory{tid: ev.Tid, noVM: &yesVM}},
			{"PTRACE_PEEKDATA", Memory{tid: ev.Tid, noVM: &noVM}},
		}
		for _, mm := range mems {
			for _, r := range memReads {
				buf := make([]byte, r.n)
				for i := range buf {
					buf[i] = 0x55
				}
				err := mm.m.ReadMemory(end+uint64(int64(r.off)), buf)
				results = append(results, outcome{mm.how, r, err, buf})
			}
		}
		// process_vm_readv worked: the fallback was never taken.
		vmUnused = yesVM
	}
	tr := New(m.options(Options{Trace: waitCalls}), handle)
	res := run(t, tr, Spec{Path: path, Argv: []string{"memfix"}}, 20*time.Second)
	m.check(t, res)
	if !res.Reaped || !res.Status.Exited() || res.Status.ExitStatus() != 0 {
		t.Fatalf("fixture status %#x, want exit 0", uint32(res.Status))
	}
	if entries != 1 {
		t.Fatalf("%d wait4 entries, want 1", entries)
	}
	if !mapEnd {
		t.Fatalf("%#x is not the end of a mapping followed by a hole", end)
	}
	if vmUnused {
		t.Fatalf("process_vm_readv failed and fell back to PTRACE_PEEKDATA: it is not tested here")
	}
	for _, o := range results {
		name := fmt.Sprintf("%s: %d bytes at end%+d", o.how, o.r.n, o.r.off)
		if !o.r.ok {
			if o.err == nil {
				t.Errorf("%s: succeeded (%x), want an error", name, o.got)
			}
			continue
		}
		if o.err != nil {
			t.Errorf("%s: %v", name, o.err)
			continue
		}
		if want := pattern[32+o.r.off : 32+o.r.off+o.r.n]; !bytes.Equal(o.got, want) {
			t.Errorf("%s: read %x, want %x", name, o.got, want)
		}
	}
	if want := 3 * len(memReads); len(results) != want {
		t.Errorf("%d reads done, want %d", len(results), want)
	}
}

// TestReadMemoryEmpty: an empty read succeeds without touching the tracee.
func TestReadMemoryEmpty(t *testing.T) {
	noVM := true
	if err := (Memory{tid: -1, noVM: &noVM}).ReadMemory(0, nil); err != nil {
		t.Errorf("empty read: %v", err)
	}
}
