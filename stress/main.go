// Command stress runs waittrace's load cases (make stress) and prints, for
// each, the wait calls the fixture made against those the trace shows, the
// processes left stopped or traced, waittrace's peak RSS and the errors:
//
//   - a burst of 1,000 short-lived children under -f;
//   - 10 processes attached at once with -p, reaping children;
//   - a soak: 60 seconds of continuous reaping under -f.
//
// The fixture is testdata/hard/hard.c: it logs each wait call it makes and
// what it returned, and the trace must show exactly those calls.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type result struct {
	name             string
	made, traced     int
	missing, extra   int
	stopped, traced2 int // after the end: left stopped, left traced
	peakRSS          int // kB
	elapsed          time.Duration
	errors           []string
}

func main() {
	waittrace := flag.String("waittrace", "./waittrace", "waittrace binary")
	fixture := flag.String("fixture", "testdata/bin/hard", "the hard fixture (testdata/hard/hard.c)")
	children := flag.Int("children", 1000, "children in the burst")
	attached := flag.Int("attached", 10, "processes attached at once")
	rounds := flag.Int("rounds", 500, "children each attached process reaps")
	soak := flag.Duration("soak", 60*time.Second, "length of the soak")
	flag.Parse()

	dir, err := os.MkdirTemp("", "waittrace-stress-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)

	fmt.Printf("waittrace stress, %s, %d cores, %s\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), kernel())
	results := []result{
		launched(*waittrace, *fixture, dir, fmt.Sprintf("%d-child burst (-f)", *children), "burst", strconv.Itoa(*children)),
		attach(*waittrace, *fixture, dir, *attached, *rounds),
		launched(*waittrace, *fixture, dir, fmt.Sprintf("%v soak, reaping continuously (-f)", *soak), "soak", strconv.Itoa(int(soak.Seconds()))),
	}
	fmt.Printf("%-40s %10s %12s %8s %6s %13s %9s %8s %6s\n", "case", "calls made", "calls traced", "missing", "extra", "left stopped", "peak RSS", "time", "errors")
	failed := false
	for _, r := range results {
		fmt.Printf("%-40s %10d %12d %8d %6d %13d %6.1f MB %7.1fs %6d\n", r.name, r.made, r.traced, r.missing, r.extra,
			r.stopped+r.traced2, float64(r.peakRSS)/1024, r.elapsed.Seconds(), len(r.errors))
		for _, e := range r.errors {
			fmt.Printf("    error: %s\n", e)
		}
		if r.missing+r.extra+r.stopped+r.traced2+len(r.errors) > 0 || r.made == 0 {
			failed = true
		}
	}
	if failed {
		fmt.Println("\nFAIL")
		os.Exit(1)
	}
	fmt.Println("\nok: every call traced exactly once, nothing left stopped")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "stress:", err)
	os.Exit(1)
}

func kernel() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return "Linux"
	}
	b := make([]byte, 0, len(u.Release))
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return "Linux " + string(b)
}

// launched traces "fixture LOG mode args" launched by waittrace -f.
func launched(waittrace, fixture, dir, name, mode string, args ...string) result {
	r := result{name: name}
	logFile, traceFile := filepath.Join(dir, mode+".log"), filepath.Join(dir, mode+".trace")
	cmd := exec.Command(waittrace, append([]string{"-f", "-o", traceFile, "-e", "trace=wait4,waitid,waitpid", fixture, logFile, mode}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fatal(err)
	}
	stop := sampleRSS(cmd.Process.Pid, &r.peakRSS)
	err := cmd.Wait()
	stop()
	r.elapsed = time.Since(start)
	if err != nil {
		r.errors = append(r.errors, fmt.Sprintf("waittrace: %v", err))
	}
	r.errors = append(r.errors, stderrErrors(stderr.String())...)
	r.compare(readCalls(logFile, nil), readCalls(traceFile, traceLine))
	r.leftovers(cmd.Process.Pid)
	return r
}

// attach starts n processes, attaches one waittrace to them all, lets them
// reap rounds children each, and waits for waittrace to end with them.
func attach(waittrace, fixture, dir string, n, rounds int) result {
	r := result{name: fmt.Sprintf("%d attached processes (-f -p x%d)", n, n)}
	goFile := filepath.Join(dir, "go")
	var procs []*exec.Cmd
	var logs []string
	args := []string{"-f", "-o", filepath.Join(dir, "attach.trace"), "-e", "trace=wait4,waitid,waitpid"}
	for i := 0; i < n; i++ {
		logFile := filepath.Join(dir, fmt.Sprintf("attach-%d.log", i))
		p := exec.Command(fixture, logFile, "attach-go", strconv.Itoa(rounds), goFile)
		p.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := p.Start(); err != nil {
			fatal(err)
		}
		procs = append(procs, p)
		logs = append(logs, logFile)
		args = append(args, "-p", strconv.Itoa(p.Process.Pid))
	}
	defer func() {
		for _, p := range procs {
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
			_ = p.Wait()
		}
	}()
	cmd := exec.Command(waittrace, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fatal(err)
	}
	stop := sampleRSS(cmd.Process.Pid, &r.peakRSS)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		all := true
		for _, p := range procs {
			all = all && tracerPid(p.Process.Pid) != 0
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			r.errors = append(r.errors, "not all processes were attached within 10 s")
			break
		}
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		fatal(err)
	}
	err := cmd.Wait()
	stop()
	r.elapsed = time.Since(start)
	if err != nil {
		r.errors = append(r.errors, fmt.Sprintf("waittrace: %v", err))
	}
	r.errors = append(r.errors, stderrErrors(stderr.String())...)
	var made []string
	for i, p := range procs {
		made = append(made, readCalls(logs[i], nil)...)
		r.leftovers(p.Process.Pid)
	}
	r.compare(made, readCalls(filepath.Join(dir, "attach.trace"), traceLine))
	return r
}

// stderrErrors returns the lines of waittrace's stderr that are not its
// attach and detach messages.
func stderrErrors(s string) []string {
	var errs []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" && !strings.HasSuffix(l, " attached") && !strings.HasSuffix(l, " detached") {
			errs = append(errs, l)
		}
	}
	return errs
}

// A finished call in a -f -o trace: a complete line or a resumed one.
var traceLine = regexp.MustCompile(`^(\d+) +(?:<\.\.\. (wait4|waitid) resumed>|(wait4|waitid)\().* = (-?\d+)(?: [A-Z].*)?$`)

// readCalls returns "TID CALL RET" for each call in a fixture's log (re
// nil) or in a trace.
func readCalls(path string, re *regexp.Regexp) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var calls []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if re == nil {
			if fs := strings.Fields(l); len(fs) == 3 && (fs[1] == "wait4" || fs[1] == "waitid") {
				calls = append(calls, l)
			}
		} else if m := re.FindStringSubmatch(l); m != nil {
			calls = append(calls, m[1]+" "+m[2]+m[3]+" "+m[4])
		}
	}
	return calls
}

func (r *result) compare(made, traced []string) {
	r.made, r.traced = len(made), len(traced)
	count := map[string]int{}
	for _, c := range made {
		count[c]++
	}
	for _, c := range traced {
		count[c]--
	}
	for _, n := range count {
		if n > 0 {
			r.missing += n
		} else {
			r.extra -= n
		}
	}
}

// leftovers counts the processes of pgid (a run's process group) left
// after waittrace ended, and among them the stopped and the traced ones.
func (r *result) leftovers(pgid int) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(stat, ')')
		f := strings.Fields(string(stat[i+2:]))
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) || f[0] == "Z" {
			continue
		}
		switch {
		case f[0] == "T" || f[0] == "t":
			r.stopped++
		case tracerPid(pid) != 0:
			r.traced2++
		}
	}
}

func tracerPid(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// sampleRSS records the peak RSS (VmHWM, kB) of pid until stop is called.
func sampleRSS(pid int, peak *int) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
					if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil && n > *peak {
						*peak = n
					}
				}
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }
}
