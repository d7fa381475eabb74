package stack

import "testing"

// BenchmarkUnwind measures an Unwind of a real stopped fixture at its
// wait4: "first" with a new Unwinder each time (every object parsed, what
// the first stack of a program costs), "cached" with one Unwinder (maps
// re-read, each object's file opened and checked, its parse reused).
func BenchmarkUnwind(b *testing.B) {
	for _, name := range []string{"c-O2-nofp", "cc-O2-nofp", "go", "python"} {
		fx := fixtureByName(b, name)
		st := traceToWait4(b, fx.nr, fx.argv...)
		mem := procMem(st.pid)
		unwind := func(b *testing.B, u *Unwinder) int {
			frames, err := u.Unwind(st.pid, st.regs, mem, 0)
			if err != nil || len(frames) < len(fx.chain) {
				b.Fatalf("Unwind: %d frames, %v", len(frames), err)
			}
			return len(frames)
		}
		b.Run(name+"/first", func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = unwind(b, NewUnwinder())
			}
			b.ReportMetric(float64(n), "frames")
		})
		b.Run(name+"/cached", func(b *testing.B) {
			u := NewUnwinder()
			n := unwind(b, u)
			for b.Loop() {
				unwind(b, u)
			}
			b.ReportMetric(float64(n), "frames")
		})
	}
}
