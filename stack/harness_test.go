package stack

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// A small ptrace harness of the tests' own: the fixture is started under
// PTRACE_TRACEME and run from system call to system call until the entry of
// its first wait4, where its stack holds the fixture's chain of functions.

// procMem reads a tracee's memory with process_vm_readv.
type procMem int

func (pid procMem) ReadMemory(addr uint64, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	local := []unix.Iovec{{Base: &p[0]}}
	local[0].SetLen(len(p))
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(p)}}
	n, err := unix.ProcessVMReadv(int(pid), local, remote, 0)
	if err != nil {
		return fmt.Errorf("process_vm_readv %#x: %w", addr, err)
	}
	if n != len(p) {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// stopped is a fixture stopped at the entry of a wait4.
type stopped struct {
	pid  int
	regs Regs
}

// traceToWait4 starts argv under ptrace and runs it to the entry of the
// system call number nr (wait4 for the fixture's personality). The calling
// goroutine stays locked to its thread, the tracer's, until the test ends;
// the fixture is killed then.
func traceToWait4(t testing.TB, nr uint64, argv ...string) *stopped {
	t.Helper()
	return traceUntil(t, argv, func(sig syscall.Signal, regs Regs, got uint64) bool {
		return sig == 0 && got == nr
	})
}

// traceUntil starts argv under ptrace and runs it until stop, called at
// each syscall-entry stop (with sig 0 and the system call number) and
// each signal-delivery stop (with the signal), says so.
func traceUntil(t testing.TB, argv []string, stop func(sig syscall.Signal, regs Regs, nr uint64) bool) *stopped {
	t.Helper()
	runtime.LockOSThread()
	cmd := exec.Command(argv[0], argv[1:]...)
	// LD_BIND_NOW: a signal stop must not land in ld.so's lazy-binding
	// trampoline (_dl_runtime_resolve), whose CFA is kept in rbx, which
	// the walk does not follow (doc.go, Limitations): the tests ask what
	// they check, not whether the first call of waitpid was resolved yet.
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "LD_BIND_NOW=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		cmd.Wait()
	})
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, syscall.WALL, nil); err != nil || !ws.Stopped() {
		t.Fatalf("%v: no stop at exec: %v %v", argv, ws, err)
	}
	const exitKill = 0x100000 // PTRACE_O_EXITKILL
	if err := syscall.PtraceSetOptions(pid, syscall.PTRACE_O_TRACESYSGOOD|exitKill); err != nil {
		t.Fatalf("PTRACE_SETOPTIONS: %v", err)
	}
	entering, sig := false, 0
	for range 1_000_000 {
		if err := syscall.PtraceSyscall(pid, sig); err != nil {
			t.Fatalf("PTRACE_SYSCALL: %v", err)
		}
		sig = 0
		if _, err := syscall.Wait4(pid, &ws, syscall.WALL, nil); err != nil {
			t.Fatalf("wait4: %v", err)
		}
		if !ws.Stopped() {
			t.Fatalf("%v ended (%v) before the stop; output:\n%s", argv, ws, out.String())
		}
		switch s := ws.StopSignal(); s {
		case syscall.SIGTRAP | 0x80:
			entering = !entering
			if !entering {
				continue
			}
			if regs, nr := stopRegs(t, pid); stop(0, regs, nr) {
				return &stopped{pid: pid, regs: regs}
			}
		case syscall.SIGTRAP:
		default:
			if regs, _ := stopRegs(t, pid); stop(s, regs, 0) {
				return &stopped{pid: pid, regs: regs}
			}
			sig = int(s) // deliver it
		}
	}
	t.Fatalf("%v: no stop", argv)
	return nil
}

// Fixtures are built once per test binary, on first use, into fixtureDir.
var (
	fixtureDir  string
	fixtureMu   sync.Mutex
	fixtureDone = map[string]error{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stack-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture describes how a test runs a fixture and what its stack holds.
type fixture struct {
	name  string
	argv  []string
	nr    uint64   // the wait4 system call number of its personality
	own   []string // its own objects, whose frames must match strace's line for line
	chain []string // its functions that the stack holds, innermost first
	// strace reports whether strace -k prints a stack for it (not for an
	// i386 tracee: strace's libunwind backend walks only the native
	// personality).
	strace bool
	// straceMisses is the index of a frame strace does not print, if
	// not 0: in a Go program the caller of the frameless assembly
	// function at the system call. strace's libunwind reads no
	// .debug_frame (only .eh_frame, which Go does not write), so it
	// follows the frame pointers, and the frame pointer at the stop is
	// still the caller's, whose return address it skips.
	straceMisses int
}

var (
	cChain     = []string{"reap", "supervise", "main"}
	handlerChn = []string{"reap", "on_sigchld", "supervise_async", "main"}
	ccChain    = []string{
		"fixture::Supervisor<int>::reap(int, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)",
		"fixture::Supervisor<int>::supervise()",
		"main",
	}
	goChain = []string{"main.reap", "main.supervise", "main.main"}
)

// build runs the commands that make out (in fixtureDir) once; it skips the
// test, naming the tool, if the first command's tool is missing.
func build(t testing.TB, out string, cmds ...[]string) string {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	path := filepath.Join(fixtureDir, out)
	err, done := fixtureDone[out]
	if !done {
		err = runBuild(cmds)
		fixtureDone[out] = err
	}
	if err != nil {
		if _, ok := err.(missingTool); ok {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return path
}

type missingTool string

func (m missingTool) Error() string { return string(m) }

func runBuild(cmds [][]string) error {
	for i, c := range cmds {
		if _, err := exec.LookPath(c[0]); err != nil {
			return missingTool(c[0] + " not installed")
		}
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			if i == 0 && strings.Contains(c[0], "gcc") && strings.Contains(strings.Join(c, " "), "-m32") {
				return missingTool("no 32-bit gcc (gcc-multilib): " + strings.TrimSpace(string(out)))
			}
			return fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return nil
}

// fixtures returns the fixtures of the table tests by name.
func fixtureByName(t testing.TB, name string) fixture {
	t.Helper()
	out := func(s string) string { return filepath.Join(fixtureDir, s) }
	const src = "testdata/stack/"
	switch name {
	case "c-O0-fp", "c-O0-fp-handler":
		p := build(t, "c-O0-fp", []string{"gcc", "-O0", "-fno-omit-frame-pointer", "-g", "-o", out("c-O0-fp"), src + "wait.c"})
		if name == "c-O0-fp-handler" {
			return fixture{name: name, argv: []string{p, "handler"}, nr: wait4Nr, own: []string{p}, chain: handlerChn, strace: true}
		}
		return fixture{name: name, argv: []string{p}, nr: wait4Nr, own: []string{p}, chain: cChain, strace: true}
	case "c-O2-nofp", "c-O2-nofp-handler":
		p := build(t, "c-O2-nofp", []string{"gcc", "-O2", "-fomit-frame-pointer", "-o", out("c-O2-nofp"), src + "wait.c"})
		if name == "c-O2-nofp-handler" {
			return fixture{name: name, argv: []string{p, "handler"}, nr: wait4Nr, own: []string{p}, chain: handlerChn, strace: true}
		}
		return fixture{name: name, argv: []string{p}, nr: wait4Nr, own: []string{p}, chain: cChain, strace: true}
	case "c-debuglink":
		// Stripped of .symtab, with the symbols in a separate debug file
		// that .gnu_debuglink names, beside it (where libunwind looks
		// too). Not PIE: libunwind finds the load bias by the debug
		// file's program headers, whose offsets objcopy zeroes, so
		// strace names no symbol of a PIE's debug file.
		p := out("c-debuglink")
		build(t, "c-debuglink",
			[]string{"gcc", "-O2", "-fomit-frame-pointer", "-no-pie", "-Wl,--build-id=none", "-o", p, src + "wait.c"},
			[]string{"objcopy", "--only-keep-debug", p, p + ".debug"},
			[]string{"objcopy", "--strip-all", "--add-gnu-debuglink=" + p + ".debug", p})
		return fixture{name: name, argv: []string{p}, nr: wait4Nr, own: []string{p}, chain: cChain, strace: true}
	case "cc-O0-fp":
		p := build(t, name, []string{"g++", "-O0", "-fno-omit-frame-pointer", "-o", out(name), src + "wait.cc"})
		return fixture{name: name, argv: []string{p}, nr: wait4Nr, own: []string{p}, chain: ccChain, strace: true}
	case "cc-O2-nofp":
		p := build(t, name, []string{"g++", "-O2", "-fomit-frame-pointer", "-o", out(name), src + "wait.cc"})
		return fixture{name: name, argv: []string{p}, nr: wait4Nr, own: []string{p}, chain: ccChain, strace: true}
	case "go":
		p := build(t, name, []string{"go", "build", "-buildvcs=false", "-o", out(name), "./" + src + "gowait"})
		return fixture{name: name, argv: []string{p}, nr: wait4Nr, own: []string{p}, chain: goChain, strace: true, straceMisses: 1}
	case "go-nodwarf":
		// Without DWARF, so without .debug_frame: walked by frame
		// pointers, as strace's libunwind walks every Go program.
		p := build(t, name, []string{"go", "build", "-buildvcs=false", "-ldflags=-w", "-o", out(name), "./" + src + "gowait"})
		return fixture{name: name, argv: []string{p}, nr: wait4Nr, own: []string{p},
			chain: []string{"syscall.Syscall6", "syscall.wait4", "main.reap", "main.supervise", "main.main"}, strace: true}
	case "python":
		py, err := exec.LookPath("python3")
		if err != nil {
			t.Skip("python3 not installed")
		}
		// python3 may be a wrapper script (pyenv's): trace the
		// interpreter itself.
		exe, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			t.Fatalf("python3: %v", err)
		}
		interp, err := filepath.EvalSymlinks(strings.TrimSpace(string(exe)))
		if err != nil {
			t.Fatal(err)
		}
		script, _ := filepath.Abs("../" + src + "wait.py")
		own := []string{interp}
		if lib := libpython(t, interp); lib != "" {
			own = append(own, lib)
		}
		return fixture{name: name, argv: []string{interp, script}, nr: wait4Nr, own: own,
			chain: []string{"os_waitpid", "_PyEval_EvalFrameDefault", "Py_BytesMain"}, strace: true}
	}
	return i386Fixture(t, name, out, src)
}

// libpython returns the path of the libpython the interpreter links, if it
// links one.
func libpython(t testing.TB, interp string) string {
	out, err := exec.Command("ldd", interp).Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && strings.HasPrefix(f[0], "libpython") {
			p, err := filepath.EvalSymlinks(f[2])
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	return ""
}
