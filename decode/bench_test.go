package decode

import (
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// Benchmarks of the decoders on the hot path of a printed call: a wait4
// that reaped a child with rusage, and a waitid with siginfo.

func BenchmarkWaitStatus(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = WaitStatus(0x0300).String()
	}
}

func BenchmarkWaitOptions(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = WaitOptions(0x40000005).String()
	}
}

func BenchmarkWait4Exit(b *testing.B) {
	mem := fakeMemory{0x1000: longs(8, 0x0300), 0x2000: make([]byte, RusageSize(syscalls.AMD64))}
	args := [6]uint64{^uint64(0), 0x1000, 0, 0x2000}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Entry(syscalls.Wait4, syscalls.AMD64, args)
		_ = Exit(syscalls.Wait4, syscalls.AMD64, args, 1234, mem, Config{})
		_, _ = Return(1234)
	}
}

func BenchmarkWaitidExit(b *testing.B) {
	si := make([]byte, SiginfoSize(syscalls.AMD64))
	si[0], si[8] = 17, 1 // SIGCHLD, CLD_EXITED
	mem := fakeMemory{0x1000: si}
	args := [6]uint64{1, 1234, 0x1000, 4, 0}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Entry(syscalls.Waitid, syscalls.AMD64, args)
		_ = Exit(syscalls.Waitid, syscalls.AMD64, args, 0, mem, Config{})
	}
}
