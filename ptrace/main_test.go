package ptrace

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain lets the test binary serve as the engine's launch helper and
// waker: the engine re-executes /proc/self/exe, which is this binary.
func TestMain(m *testing.M) {
	if IsHelper() {
		RunHelper()
	}
	dir, err := os.MkdirTemp("", "ptrace-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixtureDir holds the C fixtures built from testdata/, once per test binary.
var (
	fixtureDir string
	fixtureMu  sync.Mutex
	fixtures   = map[string]error{}
)

// fixture builds testdata/name.c with gcc (once) and returns the program's
// path; it skips the test if gcc is not installed.
func fixture(t testing.TB, name string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed: cannot build the C fixture")
	}
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	out := filepath.Join(fixtureDir, name)
	err, done := fixtures[name]
	if !done {
		src, _ := filepath.Abs(filepath.Join("testdata", name+".c"))
		b, cerr := exec.Command(gcc, "-O2", "-Wall", "-o", out, src).CombinedOutput()
		if cerr != nil {
			err = fmt.Errorf("gcc %s: %v\n%s", src, cerr, b)
		}
		fixtures[name] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitCalls is the Trace predicate of the tests: wait4 and waitid of the
// native personality.
func waitCalls(arch uint32, nr uint64) bool {
	return arch == nativeArch && (nr == unix.SYS_WAIT4 || nr == unix.SYS_WAITID)
}

// mode is a way of stopping a launched command at its system calls.
type mode struct {
	name string
	// seccomp: with the seccomp filter instead of PTRACE_SYSCALL.
	seccomp bool
	// oneCPU: with GOMAXPROCS 1, as with one usable CPU: the loop blocks
	// in wait4 at once instead of polling first.
	oneCPU bool
}

var modes = []mode{{"ptrace-syscall", false, false}, {"seccomp", true, false},
	{"ptrace-syscall-one-cpu", false, true}, {"seccomp-one-cpu", true, true}}

// options returns o set up for mode m.
func (m mode) options(o Options) Options {
	if m.seccomp {
		o.Seccomp = true
		o.SeccompCalls = map[uint32][]uint64{nativeArch: {unix.SYS_WAIT4, unix.SYS_WAITID}}
	}
	return o
}

// check fails the test if the mode was not the one in use.
func (m mode) check(t *testing.T, res Result) {
	t.Helper()
	if res.Seccomp != m.seccomp {
		t.Fatalf("Result.Seccomp=%v (SeccompError %v), want %v", res.Seccomp, res.SeccompError, m.seccomp)
	}
}

// forModes runs f as a subtest in each mode.
func forModes(t *testing.T, f func(t *testing.T, m mode)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			if m.oneCPU {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			}
			f(t, m)
		})
	}
}

// rec is a copy of an Event without its memory accessor.
type rec struct {
	Kind    Kind
	Tid     int
	Arch    uint32
	Nr      uint64
	Args    [6]uint64
	Rval    int64
	IsError bool
	Sig     int
	Core    bool
	Status  int
	Origin  Origin
	Threads int
	Former  int
	Siginfo []byte
	// Word is the 32-bit word read at Args[1] at the exit of a wait4 that
	// returned a pid (the status), if it could be read.
	Word    uint32
	HasWord bool
}

func (r rec) String() string {
	switch r.Kind {
	case SyscallEntry:
		return fmt.Sprintf("[%d] entry nr=%d args=%#x", r.Tid, r.Nr, r.Args[:4])
	case SyscallExit:
		s := fmt.Sprintf("[%d] exit nr=%d rval=%d err=%v", r.Tid, r.Nr, r.Rval, r.IsError)
		if r.HasWord {
			s += fmt.Sprintf(" status=%#x", r.Word)
		}
		return s
	case Signal:
		return fmt.Sprintf("[%d] signal %d", r.Tid, r.Sig)
	case GroupStop:
		return fmt.Sprintf("[%d] group-stop %d", r.Tid, r.Sig)
	case Exited:
		return fmt.Sprintf("[%d] exited %d", r.Tid, r.Status)
	case Killed:
		return fmt.Sprintf("[%d] killed %d core=%v", r.Tid, r.Sig, r.Core)
	case NewTracee:
		return fmt.Sprintf("[%d] new origin=%d threads=%d", r.Tid, r.Origin, r.Threads)
	case Detached:
		return fmt.Sprintf("[%d] detached", r.Tid)
	case Superseded:
		return fmt.Sprintf("[%d] superseded %d", r.Tid, r.Former)
	case Tick:
		return "tick"
	}
	return fmt.Sprintf("[%d] kind %d", r.Tid, r.Kind)
}

// recorder collects the events of one trace. Its handler runs on the
// tracer's goroutine; the events are read only after Run has returned.
type recorder struct {
	events []rec
	// hook, if set, is called with each event during the handler.
	hook func(*Event)
}

func (r *recorder) handle(ev *Event) {
	c := rec{Kind: ev.Kind, Tid: ev.Tid, Arch: ev.Arch, Nr: ev.Nr, Args: ev.Args, Rval: ev.Rval,
		IsError: ev.IsError, Sig: ev.Sig, Core: ev.Core, Status: ev.Status, Origin: ev.Origin,
		Threads: ev.Threads, Former: ev.Former}
	if ev.Siginfo != nil {
		c.Siginfo = append([]byte(nil), ev.Siginfo...)
	}
	if ev.Kind == SyscallExit && ev.Nr == unix.SYS_WAIT4 && !ev.IsError && ev.Rval > 0 && ev.Args[1] != 0 {
		var b [4]byte
		if err := ev.Mem.ReadMemory(ev.Args[1], b[:]); err == nil {
			c.Word, c.HasWord = binary.NativeEndian.Uint32(b[:]), true
		}
	}
	if r.hook != nil {
		r.hook(ev)
	}
	r.events = append(r.events, c)
}

func (r *recorder) dump() string {
	var b strings.Builder
	for _, e := range r.events {
		b.WriteString("\t" + e.String() + "\n")
	}
	return b.String()
}

// find returns the events that match.
func (r *recorder) find(match func(rec) bool) []rec {
	var out []rec
	for _, e := range r.events {
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

// run runs tr.Run(spec) and fails the test if it does not return within d;
// the trace is then interrupted with SIGKILL so that no process is left,
// and if even that does not end it the test binary panics.
func run(t *testing.T, tr *Tracer, spec Spec, d time.Duration) Result {
	t.Helper()
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	polls := runtime.GOMAXPROCS(0) > 1
	go func() {
		res, err := tr.Run(spec)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatalf("Run: %v", o.err)
		}
		if tr.spin != polls {
			t.Errorf("polling for stops: %v, want %v with GOMAXPROCS %d", tr.spin, polls, runtime.GOMAXPROCS(0))
		}
		return o.res
	case <-time.After(d):
		tr.Detach()
		select {
		case <-done:
			t.Fatalf("Run did not return within %v (it did once interrupted)", d)
		case <-time.After(5 * time.Second):
		}
		// A Run still in wait4(-1) would take the children of every later
		// test: stop here, with every goroutine's stack.
		panic(fmt.Sprintf("%s: Run did not return within %v, nor after Interrupt", t.Name(), d))
	}
}

// procField returns a field of /proc/pid/status, or "" if it is unreadable.
func procField(pid int, name string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ""
	}
	return statusField(string(b), name)
}

// procState returns the state letter of /proc/pid/stat.
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}

// procSyscall returns the number of the system call pid is blocked in
// (the first field of /proc/pid/syscall), or "" if it is running or gone.
func procSyscall(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// eventually polls cond every 10ms for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
