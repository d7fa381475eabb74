//go:build linux

package e2e

// Tampering (-e inject=, -e fault=) compared with strace, form by form:
// testdata/tamper.c makes wait calls and prints what it saw (return
// values, errno names, the signals its handler got, whether a call took
// long), and it runs under strace and under waittrace with the same
// expression. The program's report must be the one the expression
// produces, under every tracer (so the tampering really reached the
// program), and the traces must be the same once pids and addresses are
// masked.
//
//	go test -run Tamper ./e2e/

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	tamperOnce, tamper32Once sync.Once
	tamperBin, tamper32Bin   string
	tamperErr, tamper32Err   error
)

// tamperFixture builds testdata/tamper.c once.
func tamperFixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	tamperOnce.Do(func() {
		tamperBin = filepath.Join(buildDir, "tamper")
		out, err := exec.Command("gcc", "-O0", "-Wall", "-o", tamperBin, filepath.Join("..", "testdata", "tamper.c")).CombinedOutput()
		if err != nil {
			tamperErr = fmt.Errorf("gcc testdata/tamper.c: %v\n%s", err, out)
		}
	})
	if tamperErr != nil {
		t.Fatal(tamperErr)
	}
	return tamperBin
}

// tamper32Fixture builds testdata/tamper.c for i386 once; it skips the
// test when gcc cannot (no 32-bit libc) or the kernel cannot run it.
func tamper32Fixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	tamper32Once.Do(func() {
		tamper32Bin = filepath.Join(buildDir, "tamper32")
		out, err := exec.Command("gcc", "-m32", "-O0", "-Wall", "-o", tamper32Bin, filepath.Join("..", "testdata", "tamper.c")).CombinedOutput()
		if err != nil {
			tamper32Err = fmt.Errorf("gcc -m32 cannot build testdata/tamper.c (a 32-bit libc is needed): %v\n%s", err, out)
			return
		}
		if err := exec.Command(tamper32Bin).Run(); errors.Is(err, syscall.ENOEXEC) {
			tamper32Err = fmt.Errorf("this kernel cannot run i386 programs: %v", err)
		}
	})
	if tamper32Err != nil {
		t.Skip(tamper32Err)
	}
	return tamper32Bin
}

// tamperCase is one form: the fixture's mode, the tracer flags, and the
// report the program must print under any tracer that carries them out.
type tamperCase struct {
	name   string
	args   []string
	flags  []string
	report string
	// noFollow: not run with -f as well (the children's exits would come
	// in either order).
	noFollow bool
	// warning: the tracers warn about the expression (on stderr).
	warning bool
}

var tamperCases = []tamperCase{
	{name: "error-eintr-when1", args: []string{"eintr"}, flags: []string{"-e", "inject=wait4:error=EINTR:when=1"},
		report: "wait4 #1: -1 EINTR\nwait4 #2: child, exited 3\n"},
	{name: "error-echild-when2+", args: []string{"echild"}, flags: []string{"-e", "inject=wait4:error=ECHILD:when=2+"},
		report: "wait4 #1: child, exited 0\nwait4 #2: -1 ECHILD\nreaped 1 of 2\n", noFollow: true},
	{name: "retval0-wnohang", args: []string{"wnohang"}, flags: []string{"-e", "inject=wait4:retval=0:when=1"},
		report: "wait4 #1: 0\nwait4 #2: child, exited 4\n"},
	{name: "retval5", args: []string{"wnohang"}, flags: []string{"--inject=wait4:retval=5:when=1"},
		report: "wait4 #1: 5 (not the child), exited 0\nwait4 #2: child, exited 4\n"},
	{name: "signal-usr1", args: []string{"signal"}, flags: []string{"-e", "inject=wait4:signal=SIGUSR1:when=1"},
		report: "wait4 #1: -1 EINTR\n  SIGUSR1 x1, si_code 128\nwait4 #2: child, exited 3\n"},
	{name: "delay-enter", args: []string{"delay", "100"}, flags: []string{"-e", "inject=wait4:delay_enter=100ms"},
		report: "wait4 #1: child, exited 0\ntook >= 100ms: yes\n"},
	{name: "delay-exit", args: []string{"delay", "150"}, flags: []string{"-e", "inject=wait4:delay_exit=150000"},
		report: "wait4 #1: child, exited 0\ntook >= 150ms: yes\n"},
	{name: "error-delay-exit", args: []string{"eintr"}, flags: []string{"-e", "inject=wait4:error=EINTR:delay_exit=50ms:when=1"},
		report: "wait4 #1: -1 EINTR\nwait4 #2: child, exited 3\n"},
	{name: "error-syscall-gettid", args: []string{"eintr"}, flags: []string{"-e", "inject=wait4:error=EINTR:syscall=gettid:when=1"},
		report: "wait4 #1: -1 EINTR\nwait4 #2: child, exited 3\n"},
	{name: "fault-wait4-when3", args: []string{"fault"}, flags: []string{"-e", "fault=wait4:when=3"},
		report: "wait4 #1: 0\nwait4 #2: 0\nwait4 #3: -1 ENOSYS\nwait4 #4: 0\nwait4 #5: child, exited 6\n"},
	{name: "fault-waitid", args: []string{"waitid"}, flags: []string{"-e", "fault=waitid"},
		report: "waitid #1: -1 ENOSYS\nwaitid #2: -1 ENOSYS\nwait4 #1: child, exited 5\n"},
	{name: "fault-waitid-eintr", args: []string{"waitid"}, flags: []string{"--fault=waitid:error=EINTR:when=1"},
		report: "waitid #1: -1 EINTR\nwaitid #2: 0, child exited 5\nwait4 #1: -1 ECHILD\n"},
	// The later expression replaces the earlier one for wait4.
	{name: "later-replaces", args: []string{"eintr"}, flags: []string{"-e", "inject=wait4:error=EINTR:when=1", "-e", "inject=wait4:delay_exit=1ms"},
		report: "wait4 #1: child, exited 3\n"},
}

// tamperRunResult is one run of the fixture under one tracer.
type tamperRunResult struct {
	report, trace, stderr string
	pids                  map[string]string // pid -> PARENT or CHILD
}

func runTamperCase(t *testing.T, bin, fix string, flags []string, tc tamperCase) tamperRunResult {
	t.Helper()
	dir := workDir(t)
	outFile := filepath.Join(dir, "trace.out")
	argv := append([]string{bin, "-o", outFile, "-e", traceFilter}, flags...)
	argv = append(append(argv, tc.flags...), "--", fix)
	argv = append(argv, tc.args...)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out\nstderr:\n%s", strings.Join(argv, " "), stderr.Bytes())
	}
	var exitErr *exec.ExitError
	if err != nil {
		if errors.As(err, &exitErr) && exitErr.ExitCode() == 77 {
			t.Fatalf("%s: the fixture failed\nstderr:\n%s", strings.Join(argv, " "), stderr.Bytes())
		}
		t.Fatalf("%s: %v\nstderr:\n%s", strings.Join(argv, " "), err, stderr.Bytes())
	}
	trace, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	r := tamperRunResult{report: stdout.String(), trace: string(trace), pids: map[string]string{}}
	for _, l := range strings.Split(stderr.String(), "\n") {
		switch f := strings.Fields(l); {
		case len(f) == 2 && f[0] == "parent":
			r.pids[f[1]] = "PARENT"
		case len(f) == 2 && f[0] == "child":
			r.pids[f[1]] = "CHILD"
		case l != "":
			r.stderr += l + "\n"
		}
	}
	return r
}

var (
	numberRe  = regexp.MustCompile(`\b[0-9]+\b`)
	addressRe = regexp.MustCompile(`0x[0-9a-f]+`)
	// prefixPadRe is a masked pid prefix and its padding.
	prefixPadRe = regexp.MustCompile(`^(PARENT|CHILD) +`)
)

// tamperMask replaces the run's pids with PARENT and CHILD and addresses
// with ADDR, checking and squeezing the padding before "= " as masked
// does.
func tamperMask(t *testing.T, r tamperRunResult) string {
	t.Helper()
	var b strings.Builder
	for _, l := range strings.SplitAfter(r.trace, "\n") {
		if m := returnPad.FindStringSubmatchIndex(l); m != nil {
			lead, pad := m[3], m[5]-m[4]
			if want := max(1, 40-lead); pad != want {
				t.Errorf("%d spaces before \"= \", want %d: %q", pad, want, l)
			}
			l = l[:m[3]] + " " + l[m[5]:]
		}
		l = addressRe.ReplaceAllString(l, "ADDR")
		l = numberRe.ReplaceAllStringFunc(l, func(n string) string {
			if label, ok := r.pids[n]; ok {
				return label
			}
			return n
		})
		// -f -o's "%-5d " prefix pads short pids.
		l = prefixPadRe.ReplaceAllString(l, "$1 ")
		b.WriteString(l)
	}
	return b.String()
}

func TestTamper(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the tamper comparison is written for linux/amd64, not %s", runtime.GOARCH)
	}
	compareTamper(t, tamperCases, tamperFixture)
}

// TestTamperI386: the same with a 32-bit program, whose calls have other
// numbers and whose registers are half as wide.
func TestTamperI386(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("i386 programs run on linux/amd64, not %s", runtime.GOARCH)
	}
	var cases []tamperCase
	for _, tc := range tamperCases {
		switch tc.name {
		case "error-eintr-when1", "retval5", "signal-usr1", "delay-enter", "fault-waitid", "error-syscall-gettid":
			cases = append(cases, tc)
		}
	}
	cases = append(cases, tamperCase{name: "retval-compat-minus1", args: []string{"wnohang"},
		flags:  []string{"-e", "inject=wait4:retval=4294967295:when=1"},
		report: "wait4 #1: -1 EPERM\nwait4 #2: child, exited 4\n", warning: true})
	compareTamper(t, cases, tamper32Fixture)
}

// compareTamper runs each case under strace and waittrace, with and
// without -f.
func compareTamper(t *testing.T, cases []tamperCase, fixture func(*testing.T) string) {
	for _, tc := range cases {
		for _, follow := range []bool{false, true} {
			if follow && tc.noFollow {
				continue
			}
			name := tc.name
			var f []string
			if follow {
				name, f = name+"-f", []string{"-f"}
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				// strace -f stops at every call; waittrace -f uses the
				// seccomp filter, and is run without it too.
				variants := []tracer{{"strace", stracePath, f}, {"waittrace", "", f}}
				if follow {
					variants = append(variants, tracer{"waittrace-nobpf", "", append([]string{"--seccomp-bpf=false"}, f...)})
				}
				var ref string
				haveRef := false
				for _, tr := range variants {
					t.Run(tr.name, func(t *testing.T) {
						bin := tr.use(t)
						r := runTamperCase(t, bin, fixture(t), tr.flags, tc)
						if r.report != tc.report {
							t.Errorf("the program saw, under %s:\n%s\nwant:\n%s", tr.name, r.report, tc.report)
						}
						if (r.stderr != "") != tc.warning {
							t.Errorf("%s wrote on stderr:\n%s", tr.name, r.stderr)
						}
						got := tamperMask(t, r)
						if !strings.Contains(got, "(INJECTED)") && !strings.Contains(got, "(DELAYED)") && !strings.Contains(got, "--- SIGUSR1") {
							t.Errorf("%s's trace shows no tampering:\n%s", tr.name, got)
						}
						if tr.name == "strace" {
							ref, haveRef = got, true
							return
						}
						if haveRef && got != ref {
							t.Errorf("%s's trace differs from strace's (-strace +%s):\n%s", tr.name, tr.name, lineDiff(ref, got))
						}
					})
				}
			})
		}
	}
}

// TestTamperJSON: the JSON record of a tampered call says so, with the
// error the program got.
func TestTamperJSON(t *testing.T) {
	bin := tracers[1].use(t)
	fix := tamperFixture(t)
	dir := workDir(t)
	out := filepath.Join(dir, "trace.json")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "--json", "-o", out,
		"-e", "inject=wait4:error=EINTR:delay_exit=10ms:when=1", fix, "eintr")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var calls []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if rec["eventName"] == "wait4" {
			calls = append(calls, rec)
		}
	}
	if len(calls) != 2 {
		t.Fatalf("%d wait4 records, want 2:\n%s", len(calls), b)
	}
	first, second := calls[0], calls[1]
	if first["injected"] != true || first["delayed"] != true || first["error"] != "EINTR" || first["returnValue"] != float64(-1) {
		t.Errorf("first wait4: %v, want it injected, delayed, EINTR", first)
	}
	if _, ok := second["injected"]; ok {
		t.Errorf("second wait4: %v, want no injected field", second)
	}
}
