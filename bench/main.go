// Command bench measures waittrace against strace on the workloads of
// testdata/bench/load.c and prints ratios (make bench). Every variant of a
// scenario runs once per round, rounds alternate, and the median of each is
// reported, so that a shared, noisy machine affects all variants alike.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// traceArg is the wait-family selection both tracers get.
const traceArg = "trace=wait4,waitid,waitpid"

type variant struct {
	name string
	argv []string // prefix before the load command; nil: untraced
	// attached: the load waits for "go" on stdin; attach (if not nil) is
	// the tracer's argv before "-p PID", attached before the load goes.
	attached bool
	attach   []string
}

type scenario struct {
	name     string
	load     []string
	variants []variant
	base     string // the variant ratios are taken against
	floor    string // a second reference column, if any
	// added, if set, names a variant whose cost over base is the unit of
	// a third column: each variant's cost over base, divided by it.
	added string
}

func main() {
	waittrace := flag.String("waittrace", "./waittrace", "waittrace binary")
	strace := flag.String("strace", "strace", "strace binary")
	load := flag.String("load", "testdata/bin/load", "load program (testdata/bench/load.c)")
	mintrace := flag.String("mintrace", "testdata/bin/mintrace", "minimal ptrace loop (testdata/bench/mintrace.c), a reference")
	mintraceSyscall := flag.String("mintrace-syscall", "testdata/bin/mintrace-syscall",
		"minimal PTRACE_SYSCALL loop (testdata/bench/mintrace-syscall.c), a reference")
	rounds := flag.Int("rounds", 5, "alternating repetitions")
	only := flag.String("only", "abcdef", "scenarios to run, by letter")
	noRSS := flag.Bool("no-rss", false, "skip the peak RSS measurement")
	flag.Parse()

	wt := func(extra ...string) []string {
		return append([]string{*waittrace, "-f", "-o", "/dev/null", "-e", traceArg}, extra...)
	}
	st := func(extra ...string) []string {
		return append([]string{*strace, "-f", "-o", "/dev/null", "-e", traceArg}, extra...)
	}
	haveStrace := exec.Command(*strace, "-V").Run() == nil
	stracing := func(vs ...variant) []variant {
		if haveStrace {
			return vs
		}
		return nil
	}
	// pinned runs each variant under taskset on the first CPU this
	// program may use; without taskset it leaves the scenario out.
	pinned := func(vs []variant) []variant {
		var cpus unix.CPUSet
		if _, err := exec.LookPath("taskset"); err != nil || unix.SchedGetaffinity(0, &cpus) != nil || cpus.Count() == 0 {
			return nil
		}
		cpu := 0
		for !cpus.IsSet(cpu) {
			cpu++
		}
		pin := []string{"taskset", "-c", strconv.Itoa(cpu)}
		for i := range vs {
			vs[i].argv = append(append([]string{}, pin...), vs[i].argv...)
		}
		return vs
	}
	// reference is a C program's variant, if it was built (make bench
	// builds them): minimal, the least a filter-based ptrace tracer does
	// per stop, for (a) and (e); minimalSyscall, the least a tracer does
	// that stops one launched process at every call, as waittrace does
	// without -f, for (f).
	reference := func(path, name string) []variant {
		if _, err := os.Stat(path); err != nil {
			return nil
		}
		return []variant{{name: name, argv: []string{path}}}
	}
	const minimalSyscallName = "minimal syscall loop (C)"
	minimal := func() []variant { return reference(*mintrace, "minimal ptrace loop (C)") }
	minimalSyscall := func() []variant { return reference(*mintraceSyscall, minimalSyscallName) }
	// syscallPath: the variants of (f). Without -f waittrace installs no
	// filter (every descendant would inherit it), and strace ignores
	// --seccomp-bpf: the launched process stops at every call.
	syscallPath := func() []variant {
		vs := append([]variant{{name: "untraced"}}, minimalSyscall()...)
		vs = append(vs, variant{name: "waittrace", argv: []string{*waittrace, "-o", "/dev/null", "-e", traceArg}})
		return append(vs, stracing(variant{name: "strace", argv: []string{*strace, "-o", "/dev/null", "-e", traceArg}})...)
	}
	// (b)'s --timeline writes a real file (to /dev/null it would cost
	// nothing to write).
	timelineDir, err := os.MkdirTemp("", "waittrace-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(timelineDir)
	timelineFile := filepath.Join(timelineDir, "timeline.json")
	// strace -k where this strace was built with stack support.
	var stackStrace []variant
	if haveStrace && exec.Command(*strace, "-k", "-e", "trace=none", "true").Run() == nil {
		stackStrace = []variant{{name: "strace -k", argv: st("-k")}}
	}
	floor := variant{name: "filter alone", argv: []string{*waittrace, "--seccomp-floor", "-e", traceArg}}
	// fastPath: the variants of (a) and (e).
	fastPath := func() []variant {
		vs := append([]variant{{name: "untraced"}, floor}, minimal()...)
		vs = append(vs, variant{name: "waittrace", argv: wt()})
		return append(vs, stracing(variant{name: "strace --seccomp-bpf", argv: st("--seccomp-bpf")})...)
	}
	scenarios := []scenario{
		{
			name:     "(a) 1,000,000 getppid + 100 children reaped by wait4",
			load:     []string{*load, "syscalls", "1000000", "100"},
			variants: fastPath(),
			base:     "untraced", floor: "filter alone",
		},
		{
			name:     "(e) = (a) on one CPU: tracer and load share it, so no stop waits for an idle CPU to wake",
			load:     []string{*load, "syscalls", "1000000", "100"},
			variants: pinned(fastPath()),
			base:     "untraced", floor: "filter alone",
		},
		{
			name: "(b) 2,000 fork + exit + wait4",
			load: []string{*load, "forks", "2000"},
			variants: append([]variant{{name: "untraced"}, {name: "waittrace", argv: wt()},
				{name: "waittrace --timeline FILE", argv: wt("--timeline", timelineFile)},
				{name: "waittrace --reaps", argv: wt("--reaps")},
				{name: "waittrace -k", argv: wt("-k")}},
				append(stracing(variant{name: "strace --seccomp-bpf", argv: st("--seccomp-bpf")},
					variant{name: "strace", argv: st()}), stackStrace...)...),
			base: "untraced", floor: "waittrace",
		},
		{
			name: "(c) 20,000 getppid + 2 children, every call stops",
			load: []string{*load, "syscalls", "20000", "2"},
			variants: append([]variant{{name: "untraced"}, {name: "waittrace --seccomp-bpf=false", argv: wt("--seccomp-bpf=false")}},
				stracing(variant{name: "strace", argv: st()})...),
			base: "untraced",
		},
		{
			name: "(d) attach to a running (c)",
			load: []string{*load, "attach", "20000", "2"},
			variants: append([]variant{{name: "untraced", attached: true}, {name: "waittrace -p", attached: true, attach: wt()}},
				stracing(variant{name: "strace -p", attached: true, attach: st()})...),
			base: "untraced",
		},
		{
			name:     "(f) 200,000 getppid + 100 children reaped by wait4, without -f: every call of the launched process stops",
			load:     []string{*load, "syscalls", "200000", "100"},
			variants: syscallPath(),
			base:     "untraced", added: minimalSyscallName,
		},
	}

	fmt.Printf("waittrace benchmarks, %s, %d cores, %s, %d alternating rounds, medians\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), kernel(), *rounds)
	if !haveStrace {
		fmt.Println("(strace not found: its columns are left out)")
	}
	for _, sc := range scenarios {
		if !strings.ContainsRune(*only, rune(sc.name[1])) {
			continue
		}
		if len(sc.variants) == 0 {
			continue
		}
		times := map[string][]time.Duration{}
		for r := 0; r < *rounds; r++ {
			for _, v := range sc.variants {
				d, err := run(v, sc.load)
				if err != nil {
					fmt.Fprintf(os.Stderr, "bench: %s / %s: %v\n", sc.name, v.name, err)
					os.RemoveAll(timelineDir)
					os.Exit(1)
				}
				times[v.name] = append(times[v.name], d)
			}
		}
		fmt.Printf("\n%s\n", sc.name)
		fmt.Printf("  %-32s %12s %10s", "variant", "median", "x "+sc.base)
		if sc.floor != "" {
			fmt.Printf(" %14s", "x "+sc.floor)
		}
		// The added column needs its reference variant (a C program that
		// may not have been built).
		added := times[sc.added] != nil
		if added {
			fmt.Printf(" %22s", "added cost / minimal's")
		}
		fmt.Println()
		base := median(times[sc.base])
		for _, v := range sc.variants {
			m := median(times[v.name])
			fmt.Printf("  %-32s %12s %10.3f", v.name, m.Round(time.Microsecond), float64(m)/float64(base))
			if sc.floor != "" {
				fmt.Printf(" %14.3f", float64(m)/float64(median(times[sc.floor])))
			}
			if added {
				fmt.Printf(" %22.3f", float64(m-base)/float64(median(times[sc.added])-base))
			}
			fmt.Println()
		}
	}
	if !*noRSS {
		fmt.Println()
		rss(*waittrace, *strace, *load, haveStrace)
	}
}

// run runs the load under v once and returns the time the load measured
// for its own work.
func run(v variant, load []string) (time.Duration, error) {
	if v.attached {
		return runAttached(v, load)
	}
	argv := append(append([]string{}, v.argv...), load...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %v", strings.Join(argv, " "), err)
	}
	return elapsed(out.String())
}

// runAttached starts the load, attaches the tracer, then lets the load go.
func runAttached(v variant, load []string) (time.Duration, error) {
	cmd := exec.Command(load[0], load[1:]...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewReader(stdout)
	if l, err := lines.ReadString('\n'); err != nil || l != "ready\n" {
		return 0, fmt.Errorf("load did not get ready: %q %v", l, err)
	}
	if v.attach != nil {
		tr := exec.Command(v.attach[0], append(v.attach[1:], "-q", "-p", strconv.Itoa(cmd.Process.Pid))...)
		tr.Stderr = os.Stderr
		if err := tr.Start(); err != nil {
			return 0, err
		}
		defer func() { _ = tr.Wait() }()
		if !traced(cmd.Process.Pid, 10*time.Second) {
			return 0, fmt.Errorf("%s did not attach", v.name)
		}
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		return 0, err
	}
	rest, _ := io.ReadAll(lines)
	return elapsed(string(rest))
}

// traced waits until pid has a tracer.
func traced(pid int, within time.Duration) bool {
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "TracerPid:"); ok && strings.TrimSpace(v) != "0" {
				return true
			}
		}
	}
	return false
}

func elapsed(out string) (time.Duration, error) {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "elapsed_ns "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Duration(n), err
		}
	}
	return 0, fmt.Errorf("no elapsed_ns in the load's output %q", out)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// rss reports the peak resident memory of each tracer following 1,000 live
// children.
func rss(waittrace, strace, load string, haveStrace bool) {
	fmt.Println("peak RSS of the tracer with 1,000 live traced children")
	tracers := [][]string{{waittrace, "-f", "-o", "/dev/null", "-e", traceArg}}
	if haveStrace {
		tracers = append(tracers, []string{strace, "-f", "-o", "/dev/null", "-e", traceArg})
	}
	for _, t := range tracers {
		argv := append(append([]string{}, t...), load, "live", "1000")
		cmd := exec.Command(argv[0], argv[1:]...)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		if l != "ready\n" {
			fmt.Fprintf(os.Stderr, "bench: %s: load not ready: %q\n", t[0], l)
			os.Exit(1)
		}
		_, _ = io.WriteString(stdin, "go\n")
		_ = cmd.Wait()
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		fmt.Printf("  %-32s %8.1f MiB\n", shortName(t[0]), float64(ru.Maxrss)/1024)
	}
}

func shortName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "linux"
	}
	return "Linux " + strings.TrimSpace(string(b))
}
