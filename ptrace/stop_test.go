package ptrace

import (
	"runtime"
	"strconv"
	"testing"
)

// mallocsTracing traces `getppid n` stopping at every system call (no
// seccomp filter) and returns the heap allocations made meanwhile.
func mallocsTracing(t testing.TB, prog string, n int) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := New(Options{Trace: waitCalls}, func(*Event) {})
	res, err := tr.Run(Spec{Path: prog, Argv: []string{prog, strconv.Itoa(n)}})
	runtime.ReadMemStats(&after)
	if err != nil || !res.Reaped || res.Status.ExitStatus() != 0 {
		t.Fatalf("trace of %s %d: %v, %+v", prog, n, err, res)
	}
	return after.Mallocs - before.Mallocs
}

// TestUntracedStopsDoNotAllocate: a stop at a call that is not traced is
// decided and resumed without touching the heap. 20,000 more calls (40,000
// more stops) must not cost more allocations, beyond a little noise from
// the runtime and the test's own goroutines.
func TestUntracedStopsDoNotAllocate(t *testing.T) {
	prog := fixture(t, "getppid")
	small := mallocsTracing(t, prog, 100)
	large := mallocsTracing(t, prog, 20100)
	if large > small+200 {
		t.Errorf("40,000 more untraced stops made %d more allocations (%d vs %d)", large-small, large, small)
	}
}

// BenchmarkUntracedStop measures one untraced system call under
// PTRACE_SYSCALL: two stops (entry and exit), each decided and resumed.
// -benchmem must show 0 allocs/op.
func BenchmarkUntracedStop(b *testing.B) {
	prog := fixture(b, "getppid")
	b.ReportAllocs()
	b.ResetTimer()
	tr := New(Options{Trace: waitCalls}, func(*Event) {})
	if _, err := tr.Run(Spec{Path: prog, Argv: []string{prog, strconv.Itoa(b.N)}}); err != nil {
		b.Fatal(err)
	}
}
