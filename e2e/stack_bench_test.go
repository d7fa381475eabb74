//go:build linux

package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkStackTraces is make bench's scenario (b), 2,000 fork + exit +
// wait4 under -f, with and without -k, next to strace's, and the costs of
// the reaps report, the stolen-child alert and --reaps=stacks: ns/child is
// the load's own time per child (testdata/bench/load.c times its work, so
// start-up is not counted).
//
//	go test -run '^$' -bench StackTraces -benchtime 5x ./e2e/
func BenchmarkStackTraces(b *testing.B) {
	const children = 2000
	load := buildC(b, "load", "bench/load.c", "-O2")
	wt := waittraceBin
	if waittraceBuildErr != nil {
		b.Fatal(waittraceBuildErr)
	}
	trace := []string{"-f", "-o", "/dev/null", "-e", traceFilter}
	variants := []struct {
		name string
		argv []string
	}{
		{"untraced", nil},
		{"waittrace", append([]string{wt}, trace...)},
		{"waittrace-k", append(append([]string{wt}, trace...), "-k")},
		{"waittrace-reaps", append(append([]string{wt}, trace...), "--reaps")},
		{"waittrace-reaps-stolen", append(append([]string{wt}, trace...), "--reaps", "--alert=stolen")},
		{"waittrace-reaps=stacks-stolen", append(append([]string{wt}, trace...), "--reaps=stacks", "--alert=stolen")},
		{"strace", append([]string{stracePath}, trace...)},
		{"strace-k", append(append([]string{stracePath}, trace...), "-k")},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			if len(v.argv) > 0 && v.argv[0] == stracePath {
				if _, err := exec.LookPath(stracePath); err != nil {
					b.Skip("strace not installed")
				}
			}
			var total float64
			for range b.N {
				argv := append(append(append([]string{}, v.argv...), load, "forks"), strconv.Itoa(children))
				out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
				if err != nil {
					b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
				}
				f := strings.Fields(string(out))
				if len(f) < 2 || f[len(f)-2] != "elapsed_ns" {
					b.Fatalf("%s: no elapsed_ns in %q", strings.Join(argv, " "), out)
				}
				ns, _ := strconv.ParseFloat(f[len(f)-1], 64)
				total += ns
			}
			b.ReportMetric(total/float64(b.N)/children, "ns/child")
		})
	}
}
