package timeline

import (
	"testing"

	"github.com/waittrace/waittrace/event"
)

// BenchmarkTimeline measures the sink alone (ns/op is per child) on the pattern of bench
// scenario (b): per child, its trace, the parent's blocking wait4, the
// child's exit, SIGCHLD and the reap (five records, which write the
// child's names, life, zombie, the call, the signal and the flow).
func BenchmarkTimeline(b *testing.B) {
	const perChild = 5
	children := make([][]*event.Event, 1000)
	for i := range children {
		children[i] = forkExitReap(sh, 1000+i, i*10+1)
	}
	w := New(discard{})
	w.Record(traced(0, sh, event.Launched, "load", "forks", "2000"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range children[i%len(children)] {
			w.Record(r)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*perChild)/b.Elapsed().Seconds(), "records/s")
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
