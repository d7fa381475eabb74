//go:build linux

package e2e

// Integration tests: run real tracers over the self-checking fixtures in
// testdata/.  Each fixture makes wait-family system calls and prints on
// stdout the exact trace a tracer must write for them (strace's own test
// style); the test diffs the tracer's -o file against that, byte for byte.
//
// Every test runs once per tracer: strace (/usr/bin/strace, the reference
// whose output waittrace reproduces; proves the fixtures right) and
// waittrace, built from this repository in TestMain.
//
//	go test -run 'Integration/.*/strace' .     # the reference only
//	go test -run 'Integration/.*/waittrace' .  # waittrace only

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	stracePath   = "/usr/bin/strace"
	traceFilter  = "trace=wait4,waitid,waitpid"
	runTimeout   = 30 * time.Second
	nobodyID     = 65534
	gccSkipMsg   = "gcc not found in PATH: the C fixtures in testdata/ need gcc"
	nobodySkip   = "needs root to switch to uid 65534 (nobody)"
	buildDirMode = 0o755
)

var (
	buildDir string // holds the built tracer and fixtures; mode 0755

	waittraceBin      string
	waittraceBuildErr error // non-nil: waittrace variants fail with this

	fixtureBins     = map[string]string{} // name -> path
	fixtureBuildErr = map[string]error{}  // name -> why it is missing
	fixtureSkip     = map[string]string{} // name -> reason to skip
)

// cFixtures are the C programs in testdata/ built with gcc.
var cFixtures = []string{"wait4", "waitid", "follow", "exitcode", "loop", "waitexample", "demo", "untraced", "noseccomp", "names"}

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "waittrace-integration-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "integration: ", err)
			return 1
		}
		defer os.RemoveAll(dir)
		if err := os.Chmod(dir, buildDirMode); err != nil {
			fmt.Fprintln(os.Stderr, "integration: ", err)
			return 1
		}
		buildDir = dir
		// The subtests mostly wait on child processes, and a hung tracer
		// costs its whole timeout: run more of them at once than the
		// default -parallel (GOMAXPROCS) unless told otherwise.
		flag.Parse()
		explicit := false
		flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
		if !explicit {
			_ = flag.Set("test.parallel", strconv.Itoa(max(8, runtime.GOMAXPROCS(0))))
		}
		// A tracer killed by a signal re-raises it on itself; keep the
		// cores of tracers and of fixtures' own exits out of the tree.
		// (Fixtures that want a core raise their soft limit themselves.)
		var rl syscall.Rlimit
		if syscall.Getrlimit(syscall.RLIMIT_CORE, &rl) == nil {
			rl.Cur = 0
			_ = syscall.Setrlimit(syscall.RLIMIT_CORE, &rl)
		}
		buildAll()
		return m.Run()
	}()
	os.Exit(code)
}

// buildAll builds waittrace and every fixture concurrently.
func buildAll() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	run := func(name string, env []string, args ...string) {
		defer wg.Done()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			err = fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if name == "waittrace" {
			waittraceBuildErr = err
			return
		}
		fixtureBuildErr[name] = err
	}
	waittraceBin = filepath.Join(buildDir, "waittrace")
	wg.Add(1)
	go run("waittrace", nil, "go", "build", "-o", waittraceBin, "..")

	fixtureBins["waitpid386"] = filepath.Join(buildDir, "waitpid386")
	wg.Add(1)
	go run("waitpid386", []string{"GOARCH=386", "CGO_ENABLED=0"},
		"go", "build", "-buildvcs=false", "-o", fixtureBins["waitpid386"], "../testdata/waitpid386")

	if _, err := exec.LookPath("gcc"); err != nil {
		for _, f := range cFixtures {
			fixtureSkip[f] = gccSkipMsg
		}
	} else {
		for _, f := range cFixtures {
			fixtureBins[f] = filepath.Join(buildDir, f)
			wg.Add(1)
			go run(f, nil, "gcc", "-O0", "-Wall", "-o", fixtureBins[f], filepath.Join("..", "testdata", f+".c"))
		}
	}
	wg.Wait()
	for _, p := range fixtureBins {
		_ = os.Chmod(p, buildDirMode) // readable and executable by nobody
	}
	if waittraceBuildErr == nil {
		_ = os.Chmod(waittraceBin, buildDirMode)
	}
}

// fixture returns the path of a built fixture, or skips/fails the test.
func fixture(t *testing.T, name string) string {
	t.Helper()
	if msg, ok := fixtureSkip[name]; ok {
		t.Skip(msg)
	}
	if err := fixtureBuildErr[name]; err != nil {
		t.Fatalf("building fixture %s failed: %v", name, err)
	}
	return fixtureBins[name]
}

type tracer struct {
	name string
	path string
	// flags are added to every run of this tracer.
	flags []string
}

var tracers = []tracer{{"strace", stracePath, nil}, {"waittrace", "", nil},
	// Every case again without the seccomp filter: a stop at every call.
	{"waittrace-nobpf", "", []string{"--seccomp-bpf=false"}}}

// use returns the tracer's binary: strace variants skip when strace is
// not installed; waittrace variants fail when waittrace did not build.
func (tr tracer) use(t *testing.T) string {
	t.Helper()
	if tr.name == "strace" {
		if _, err := os.Stat(stracePath); err != nil {
			t.Skipf("strace not installed at %s: %v", stracePath, err)
		}
		return stracePath
	}
	if waittraceBuildErr != nil {
		t.Fatalf("building waittrace failed (go build -o %s .):\n%v", waittraceBin, waittraceBuildErr)
	}
	return waittraceBin
}

// asUser says under which identity a test runs its processes.
type asUser int

const (
	asSelf asUser = iota
	asNobody
)

func (u asUser) String() string {
	if u == asNobody {
		return "nobody"
	}
	return "self"
}

// prepare skips a nobody variant when not root and returns the
// SysProcAttr for a command; every command gets its own process group.
func (u asUser) prepare(t *testing.T) *syscall.SysProcAttr {
	t.Helper()
	attr := &syscall.SysProcAttr{Setpgid: true}
	if u == asNobody {
		if os.Geteuid() != 0 {
			t.Skip(nobodySkip)
		}
		for d := buildDir; d != "/" && d != "."; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err != nil || fi.Mode().Perm()&0o001 == 0 {
				t.Skipf("%s is not searchable by uid %d: put TMPDIR elsewhere", d, nobodyID)
			}
		}
		attr.Credential = &syscall.Credential{Uid: nobodyID, Gid: nobodyID, Groups: []uint32{}}
	}
	return attr
}

// workDir returns a fresh directory, writable by everybody (for nobody
// variants, and for the cores fixtures may dump into their cwd).
func workDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	// t.TempDir's parent is 0700; nobody must be able to reach d.
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// command builds an exec.Cmd with a timeout that kills its whole process
// group, so a hung tracer fails the test instead of hanging it.
func command(t *testing.T, ctx context.Context, attr *syscall.SysProcAttr, dir string, env []string, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = attr
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// traceCase is one row of the exact-output table.
type traceCase struct {
	name    string
	fixture string
	args    []string // fixture arguments
	flags   []string // tracer flags, besides -o FILE -e trace=...
	env     []string
	user    asUser
	exit    int            // expected exit status of the tracer
	signal  syscall.Signal // or: the signal the tracer must die of
}

var traceCases = []traceCase{
	{name: "wait4", fixture: "wait4"},
	{name: "wait4-v", fixture: "wait4", args: []string{"-v"}, flags: []string{"-v"}},
	{name: "waitid", fixture: "waitid"},
	{name: "waitid-v", fixture: "waitid", args: []string{"-v"}, flags: []string{"-v"}},
	{name: "waitpid386", fixture: "waitpid386", env: []string{"GODEBUG=asyncpreemptoff=1"}},
	{name: "follow", fixture: "follow", flags: []string{"-f"}},
	{name: "exit0", fixture: "exitcode", args: []string{"0"}},
	{name: "exit7", fixture: "exitcode", args: []string{"7"}, exit: 7},
	{name: "exit7-f", fixture: "exitcode", args: []string{"7", "-f"}, flags: []string{"-f"}, exit: 7},
	{name: "sigterm", fixture: "exitcode", args: []string{"term"}, signal: syscall.SIGTERM},
	{name: "sigsegv", fixture: "exitcode", args: []string{"segv"}, signal: syscall.SIGSEGV},
	{name: "sigterm-f", fixture: "exitcode", args: []string{"term", "-f"}, flags: []string{"-f"}, signal: syscall.SIGTERM},
	{name: "wait4-nobody", fixture: "wait4", user: asNobody},
	{name: "waitid-nobody", fixture: "waitid", user: asNobody},
	{name: "follow-nobody", fixture: "follow", flags: []string{"-f"}, user: asNobody},
	// Descendants without -f are not traced: their waits are theirs alone.
	{name: "untraced", fixture: "untraced"},
	{name: "untraced-nobody", fixture: "untraced", user: asNobody},
}

// TestIntegration runs each fixture under each tracer and requires the
// tracer's -o file to equal the fixture's stdout exactly, and the
// tracer to end as the fixture did.
//
// It also runs the other integration groups as its subtests, so that all
// run in parallel and "-run 'Integration/.*/strace'" selects them all.
func TestIntegration(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		// The fixtures' expectations are written for x86_64 (and i386).
		t.Skipf("integration fixtures need linux/amd64, not %s", runtime.GOARCH)
	}
	testWaitExample(t)
	testAttachAll(t)
	testAttachErrors(t)
	testDemo(t)
	for _, tc := range traceCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, tr := range tracers {
				t.Run(tr.name, func(t *testing.T) {
					t.Parallel()
					runTraceCase(t, tr, tc)
				})
			}
		})
	}
}

func runTraceCase(t *testing.T, tr tracer, tc traceCase) {
	bin := tr.use(t)
	attr := tc.user.prepare(t)
	fix := fixture(t, tc.fixture)
	if tc.fixture == "waitpid386" {
		requireI386(t, fix)
	}
	dir := workDir(t)
	outFile := filepath.Join(dir, "trace.out")
	argv := append(append([]string{bin, "-o", outFile, "-e", traceFilter}, tr.flags...), tc.flags...)
	argv = append(append(argv, "--", fix), tc.args...)

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, attr, dir, tc.env, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v\nstderr:\n%s", strings.Join(argv, " "), runTimeout, stderr.Bytes())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Exited() && ws.ExitStatus() == 77 {
		// The fixture saw something unexpected -- under a tracer that can
		// mean the tracer changed its behaviour (e.g. swallowed a signal).
		t.Fatalf("fixture %s failed its self-check (exit 77) under %s\nstderr:\n%s", tc.fixture, tr.name, stderr.Bytes())
	}
	switch {
	case tc.signal != 0:
		if !ws.Signaled() || ws.Signal() != tc.signal {
			t.Errorf("%s ended with %v; want it killed by %v like the fixture\nstderr:\n%s",
				tr.name, cmd.ProcessState, tc.signal, stderr.Bytes())
		}
	case !ws.Exited() || ws.ExitStatus() != tc.exit:
		t.Errorf("%s ended with %v; want exit status %d like the fixture\nstderr:\n%s",
			tr.name, cmd.ProcessState, tc.exit, stderr.Bytes())
	}
	got, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatalf("reading the trace: %v\nstderr:\n%s", err, stderr.Bytes())
	}
	want := stdout.Bytes()
	if len(want) == 0 {
		t.Fatalf("fixture printed no expected trace\nstderr:\n%s", stderr.Bytes())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("trace differs from the fixture's expectation (-want +got):\n%s\nstderr:\n%s",
			lineDiff(string(want), string(got)), stderr.Bytes())
	}
}

var (
	i386Once sync.Once
	i386Err  error
)

// requireI386 skips when the kernel cannot run i386 binaries.
func requireI386(t *testing.T, bin string) {
	t.Helper()
	i386Once.Do(func() {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
		cmd.Stdout = new(bytes.Buffer)
		i386Err = cmd.Run()
	})
	if errors.Is(i386Err, syscall.ENOEXEC) {
		t.Skipf("this kernel cannot run i386 binaries: %v", i386Err)
	}
}

// returnPad finds the padding strace puts before a call's "= " so that
// it starts at column 40 (or one space after a longer call).
var returnPad = regexp.MustCompile(`^(.*?\S)( +)= `)

// masked replaces re's matches with repl in every line of trace, for
// comparing traces whose pids or addresses differ. A masked number can
// change the line's width, and so the padding before "= " (two runs'
// pids can have different digit counts, e.g. 998 and 1003); that padding
// is checked on the raw line, then squeezed to one space.
func masked(t *testing.T, trace string, re *regexp.Regexp, repl string) string {
	t.Helper()
	lines := strings.SplitAfter(trace, "\n")
	for i, l := range lines {
		if m := returnPad.FindStringSubmatchIndex(l); m != nil {
			lead, pad := m[3], m[5]-m[4]
			if want := max(1, 40-lead); pad != want {
				t.Errorf("%d spaces before \"= \", want %d: %q", pad, want, l)
			}
			l = l[:m[3]] + " " + l[m[5]:]
		}
		lines[i] = re.ReplaceAllString(l, repl)
	}
	return strings.Join(lines, "")
}

// lineDiff renders a minimal line diff of want and got: "-" lines only
// in want, "+" lines only in got, " " common lines.
func lineDiff(want, got string) string {
	a := strings.SplitAfter(want, "\n")
	b := strings.SplitAfter(got, "\n")
	// lcs[i][j]: length of the longest common subsequence of a[i:], b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	line := func(prefix, s string) {
		if s == "" {
			return
		}
		if !strings.HasSuffix(s, "\n") {
			s += "\n\\ No newline at end\n"
		}
		sb.WriteString(prefix + s)
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			line(" ", a[i])
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			line("-", a[i])
			i++
		default:
			line("+", b[j])
			j++
		}
	}
	return sb.String()
}

// lineReader delivers a command's stdout line by line.
type lineReader struct {
	lines chan string
}

func newLineReader(cmd *exec.Cmd) (*lineReader, error) {
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	lr := &lineReader{lines: make(chan string, 16)}
	go func() {
		defer close(lr.lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lr.lines <- sc.Text()
		}
	}()
	return lr, nil
}

// next returns the next line; ok is false at EOF or after 10 seconds.
func (lr *lineReader) next() (line string, ok bool) {
	select {
	case l, ok := <-lr.lines:
		return l, ok
	case <-time.After(10 * time.Second):
		return "", false
	}
}

var childPIDLine = regexp.MustCompile(`^Child PID is (\d+)$`)

// driveWaitExample runs the wait(2) manual page example (argv ends with
// its path), stops, continues and terminates its child as the manual's
// shell session does, and returns the program's stdout with the child's
// pid replaced by "PID", plus the tracer's stderr.
func driveWaitExample(t *testing.T, attr *syscall.SysProcAttr, dir string, argv ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, attr, dir, nil, argv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	lr, err := newLineReader(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Cancel(); _ = cmd.Wait() }()

	var out []string
	expect := func(want string) {
		t.Helper()
		line, ok := lr.next()
		if !ok {
			t.Fatalf("%s: no line %q (stdout so far %q)\nstderr:\n%s", argv[0], want, out, stderr.Bytes())
		}
		out = append(out, line)
		if want != "" && line != want {
			t.Fatalf("%s: got line %q, want %q (stdout so far %q)\nstderr:\n%s", argv[0], line, want, out, stderr.Bytes())
		}
	}
	expect("")
	m := childPIDLine.FindStringSubmatch(out[0])
	if m == nil {
		t.Fatalf("first line %q is not %q", out[0], "Child PID is N")
	}
	child, _ := strconv.Atoi(m[1])
	out[0] = "Child PID is PID"
	for _, step := range []struct {
		sig  syscall.Signal
		want string
	}{
		{syscall.SIGSTOP, "stopped by signal 19"},
		{syscall.SIGCONT, "continued"},
		{syscall.SIGTERM, "killed by signal 15"},
	} {
		if err := syscall.Kill(child, step.sig); err != nil {
			t.Fatalf("kill -%d %d: %v", step.sig, child, err)
		}
		expect(step.want)
	}
	if line, ok := lr.next(); ok {
		t.Errorf("unexpected extra output %q", line)
	}
	err = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out", argv[0])
	}
	if err != nil {
		t.Errorf("%s: %v\nstderr:\n%s", strings.Join(argv, " "), err, stderr.Bytes())
	}
	return strings.Join(out, "\n") + "\n", stderr.String()
}

// testWaitExample checks transparency: the wait(2) manual
// page example, driven with kill -STOP/-CONT/-TERM, prints the same
// under a tracer (with and without -f) as untraced.
func testWaitExample(t *testing.T) {
	for _, flags := range [][]string{nil, {"-f"}} {
		name := "waitexample"
		if flags != nil {
			name = "waitexample-f"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, tr := range tracers {
				t.Run(tr.name, func(t *testing.T) {
					t.Parallel()
					bin := tr.use(t)
					fix := fixture(t, "waitexample")
					attr := asSelf.prepare(t)
					dir := workDir(t)
					untraced, _ := driveWaitExample(t, attr, dir, fix)
					outFile := filepath.Join(dir, "trace.out")
					argv := append([]string{bin, "-o", outFile, "-e", traceFilter}, flags...)
					traced, stderr := driveWaitExample(t, asSelf.prepare(t), dir, append(argv, "--", fix)...)
					if traced != untraced {
						t.Errorf("output differs under %s (-untraced +traced):\n%s\nstderr:\n%s",
							tr.name, lineDiff(untraced, traced), stderr)
					}
					trace, err := os.ReadFile(outFile)
					if err != nil {
						t.Fatal(err)
					}
					for _, want := range []string{"WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP", "WIFCONTINUED(s)", "WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM"} {
						if !bytes.Contains(trace, []byte(want)) {
							t.Errorf("trace lacks %q:\n%s", want, trace)
						}
					}
				})
			}
		})
	}
}

// procState returns the state letter of /proc/PID/stat and the
// TracerPid field of /proc/PID/status.
func procState(pid int) (state string, tracerPid string, err error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", "", err
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return "", "", fmt.Errorf("odd /proc/%d/stat: %q", pid, stat)
	}
	state = string(stat[i+2])
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", "", err
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
			tracerPid = strings.TrimSpace(v)
		}
	}
	return state, tracerPid, nil
}

func readCounter(path string) int {
	b, _ := os.ReadFile(path)
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// startLoop starts the loop fixture and waits until it makes progress.
func startLoop(t *testing.T, user asUser, dir string) (pid int, counter string) {
	t.Helper()
	fix := fixture(t, "loop")
	counter = filepath.Join(dir, "counter")
	ctx, cancel := context.WithTimeout(context.Background(), 2*runTimeout)
	cmd := command(t, ctx, user.prepare(t), dir, nil, fix, counter)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Cancel()
		_ = cmd.Wait()
		cancel()
	})
	if !waitFor(10*time.Second, func() bool { return readCounter(counter) >= 2 }) {
		t.Fatalf("loop fixture made no progress")
	}
	return cmd.Process.Pid, counter
}

var completeLoopLine = regexp.MustCompile(`^wait4\((\d+), \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], 0, NULL\) += (\d+)$`)

// testAttachAll attaches with -p to a running process, detaches
// with SIGINT, and checks the process carries on untraced and unharmed.
func testAttachAll(t *testing.T) {
	for _, user := range []asUser{asSelf, asNobody} {
		name := "attach"
		if user == asNobody {
			name = "attach-nobody"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, tr := range tracers {
				t.Run(tr.name, func(t *testing.T) {
					t.Parallel()
					testAttach(t, tr, user)
				})
			}
		})
	}
}

func testAttach(t *testing.T, tr tracer, user asUser) {
	bin := tr.use(t)
	attr := user.prepare(t)
	dir := workDir(t)
	pid, counter := startLoop(t, user, dir)
	outFile := filepath.Join(dir, "trace.out")

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	argv := []string{bin, "-p", strconv.Itoa(pid), "-o", outFile, "-e", traceFilter}
	cmd := command(t, ctx, attr, dir, nil, argv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	complete := func() int {
		b, _ := os.ReadFile(outFile)
		n := 0
		for _, l := range strings.Split(string(b), "\n") {
			if m := completeLoopLine.FindStringSubmatch(l); m != nil && m[1] == m[2] {
				n++
			}
		}
		return n
	}
	time.Sleep(300 * time.Millisecond)
	// On a slow machine give it longer to record a couple of calls.
	waitFor(10*time.Second, func() bool { return complete() >= 2 })
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT to %s: %v", tr.name, err)
	}
	select {
	case err := <-done:
		if ctx.Err() != nil {
			t.Fatalf("%s timed out", tr.name)
		}
		var exitErr *exec.ExitError
		if err != nil && !errors.As(err, &exitErr) {
			t.Fatalf("%s: %v", tr.name, err)
		}
	case <-time.After(runTimeout):
		t.Fatalf("%s did not exit after SIGINT\nstderr:\n%s", tr.name, stderr.Bytes())
	}

	trace, _ := os.ReadFile(outFile)
	if complete() == 0 {
		t.Errorf("trace has no complete wait4 line for pid %d:\n%s\nstderr:\n%s", pid, trace, stderr.Bytes())
	}
	// The process must be alive, not stopped, untraced, and working.
	var state, tracerPid string
	var err error
	if !waitFor(2*time.Second, func() bool {
		state, tracerPid, err = procState(pid)
		return err == nil && tracerPid == "0" && state != "T" && state != "t"
	}) {
		t.Fatalf("after detach: state %q, TracerPid %q, err %v", state, tracerPid, err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("process %d gone after detach: %v", pid, err)
	}
	before := readCounter(counter)
	if !waitFor(5*time.Second, func() bool { return readCounter(counter) >= before+2 }) {
		st, tp, _ := procState(pid)
		t.Fatalf("process %d made no progress after detach (counter %d, state %s, TracerPid %s)", pid, readCounter(counter), st, tp)
	}
}

// testAttachErrors: -p on a pid that does not exist, and on
// a pid the user may not trace, must fail with a non-zero exit and an
// error naming the pid (for waittrace: exactly one line on stderr).
func testAttachErrors(t *testing.T) {
	for _, kind := range []string{"nosuchpid", "notpermitted"} {
		t.Run("attach-"+kind, func(t *testing.T) {
			t.Parallel()
			for _, tr := range tracers {
				t.Run(tr.name, func(t *testing.T) {
					t.Parallel()
					bin := tr.use(t)
					dir := workDir(t)
					var pid int
					attr := asSelf.prepare(t)
					if kind == "nosuchpid" {
						pid = unusedPID(t)
					} else if os.Geteuid() == 0 {
						// Trace, as nobody, a process of root's.
						attr = asNobody.prepare(t)
						pid, _ = startLoop(t, asSelf, dir)
					} else {
						pid = 1
						if uid, err := procUID(pid); err != nil || uid == os.Getuid() {
							t.Skipf("pid 1 belongs to us (uid %d, %v): no process we may not trace", uid, err)
						}
					}
					ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
					defer cancel()
					argv := []string{bin, "-p", strconv.Itoa(pid), "-o", filepath.Join(dir, "trace.out"), "-e", traceFilter}
					cmd := command(t, ctx, attr, dir, nil, argv...)
					var stderr bytes.Buffer
					cmd.Stderr = &stderr
					err := cmd.Run()
					if ctx.Err() != nil {
						t.Fatalf("%s timed out", strings.Join(argv, " "))
					}
					if err == nil {
						t.Fatalf("%s succeeded; want a non-zero exit", strings.Join(argv, " "))
					}
					if !strings.Contains(stderr.String(), strconv.Itoa(pid)) {
						t.Errorf("stderr does not name pid %d:\n%s", pid, stderr.Bytes())
					}
					if tr.name != "strace" {
						if lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n"); len(lines) != 1 {
							t.Errorf("want exactly one line on stderr, got %d:\n%s", len(lines), stderr.Bytes())
						}
					}
				})
			}
		})
	}
}

// unusedPID finds a pid no process has.
func unusedPID(t *testing.T) int {
	t.Helper()
	pidMax := 32768
	if b, err := os.ReadFile("/proc/sys/kernel/pid_max"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			pidMax = n
		}
	}
	for pid := pidMax - 1; pid > pidMax-1000; pid-- {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return pid
		}
	}
	t.Skip("found no unused pid")
	return 0
}

func procUID(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Uid:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				return strconv.Atoi(f[0])
			}
		}
	}
	return -1, fmt.Errorf("no Uid in /proc/%d/status", pid)
}

// testDemo runs testdata/demo.c (the `make demo` program)
// traced with -f and checks it runs and the trace shows the wait family.
func testDemo(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		t.Parallel()
		for _, tr := range tracers {
			t.Run(tr.name, func(t *testing.T) {
				t.Parallel()
				bin := tr.use(t)
				fix := fixture(t, "demo")
				dir := workDir(t)
				outFile := filepath.Join(dir, "trace.out")
				ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
				defer cancel()
				argv := []string{bin, "-f", "-o", outFile, "-e", traceFilter, "--", fix}
				cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
				}
				trace, err := os.ReadFile(outFile)
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{
					"WEXITSTATUS(s) == 3", "si_status=SIGTERM", "WIFSTOPPED(s)",
					"WIFCONTINUED(s)", "WNOHANG, NULL) = 0", "waitid(P_PID, ", "-1 ECHILD",
					"+++ exited with 0 +++",
				} {
					if !bytes.Contains(trace, []byte(want)) {
						t.Errorf("trace lacks %q:\n%s", want, trace)
					}
				}
			})
		}
	})
}
