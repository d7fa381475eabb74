package stack

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

var fixtureNames = []string{
	"c-O0-fp", "c-O2-nofp", "c-O0-fp-handler", "c-O2-nofp-handler", "c-debuglink",
	"cc-O0-fp", "cc-O2-nofp", "go", "go-nodwarf", "python", "go-386", "c-386",
}

// TestUnwindFixtures stops each fixture at its wait4 and checks that the
// stack holds the fixture's chain of functions in order, then that it is
// the stack strace -k prints for the same program.
func TestUnwindFixtures(t *testing.T) {
	for _, name := range fixtureNames {
		t.Run(name, func(t *testing.T) {
			fx := fixtureByName(t, name)
			st := traceToWait4(t, fx.nr, fx.argv...)
			frames, err := NewUnwinder().Unwind(st.pid, st.regs, procMem(st.pid), 0)
			if err != nil {
				t.Fatalf("Unwind: %v", err)
			}
			var lines []string
			for _, f := range frames {
				lines = append(lines, f.String())
			}
			t.Logf("stack:\n%s", strings.Join(lines, "\n"))
			checkChain(t, frames, fx.chain)
			for i, f := range frames {
				if f.Object == "" {
					t.Errorf("frame %d: %s", i, f)
				}
			}
			if fx.strace {
				t.Run("strace", func(t *testing.T) { compareStrace(t, fx, frames) })
			}
		})
	}
}

// TestUnwindAtSignal unwinds at a signal-delivery stop (strace prints a
// stack after "--- SIGCHLD ..." too): the child's SIGCHLD interrupts the
// parent in fork's return or in waitpid, under supervise either way.
func TestUnwindAtSignal(t *testing.T) {
	fx := fixtureByName(t, "c-O2-nofp")
	st := traceUntil(t, fx.argv, func(sig syscall.Signal, _ Regs, _ uint64) bool { return sig == syscall.SIGCHLD })
	frames, err := NewUnwinder().Unwind(st.pid, st.regs, procMem(st.pid), 0)
	if err != nil {
		t.Fatalf("Unwind: %v", err)
	}
	t.Logf("stack:\n%s", lines(frames))
	checkChain(t, frames, []string{"supervise", "main"})
	if len(frames) == 0 || !strings.Contains(frames[0].Object, "libc") {
		t.Errorf("first frame not in libc")
	}
}

// checkChain checks that the frames' symbols hold chain in order, each a
// frame of a fixture's own function right after the one before: no frame
// lost or made up between them.
func checkChain(t *testing.T, frames []Frame, chain []string) {
	t.Helper()
	i := slices.IndexFunc(frames, func(f Frame) bool { return f.Symbol == chain[0] })
	if i < 0 {
		t.Fatalf("no frame of %s", chain[0])
	}
	for _, want := range chain[1:] {
		j := slices.IndexFunc(frames[i+1:], func(f Frame) bool { return f.Symbol == want })
		if j < 0 {
			t.Fatalf("no frame of %s after %s", want, frames[i].Symbol)
		}
		i += 1 + j
	}
}

// straceLine is a frame line of strace -k: " > OBJECT(SYMBOL+0xOFF) [0xOFFSET]".
var straceLine = regexp.MustCompile(`^ > (.*)\((.*)\) \[0x([0-9a-f]+)\]$`)

// compareStrace runs the fixture under strace -k and compares the stack
// strace prints at the wait4 with frames, line for line. Lines of the
// fixture's own objects must be the same; a system library's line may
// differ in its symbol alone, at the same object and offset: where the
// library is stripped (libc) its symbols come from its separate debug file
// under /usr/lib/debug/.build-id, which libunwind, strace's unwinder, does
// not read (it follows .gnu_debuglink only), so strace names the nearest
// exported symbol before the address (__libc_init_first+0x8a) where this
// package names the function (__libc_start_call_main+0x7a).
func compareStrace(t *testing.T, fx fixture, frames []Frame) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace not installed")
	}
	out := filepath.Join(t.TempDir(), "trace")
	args := append([]string{"-qq", "-k", "-e", "trace=wait4", "-e", "signal=none", "-o", out}, fx.argv...)
	cmd := exec.Command("strace", args...)
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(msg), "-k") {
			t.Skipf("strace without stack-trace support: %s", msg)
		}
		t.Fatalf("strace: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := straceStack(string(data))
	if len(want) == 0 {
		t.Fatalf("no stack after wait4 in strace's output:\n%s", data)
	}
	if i := fx.straceMisses; i > 0 && i < len(frames) {
		t.Logf("frame %d, which strace misses: %s", i, frames[i])
		frames = slices.Delete(slices.Clone(frames), i, i+1)
	}
	if len(want) != len(frames) {
		t.Errorf("%d frames, strace printed %d:\n%s", len(frames), len(want), strings.Join(want, "\n"))
	}
	for i := range min(len(want), len(frames)) {
		got := frames[i].String()
		if got == want[i] {
			continue
		}
		m := straceLine.FindStringSubmatch(want[i])
		if m == nil {
			t.Errorf("frame %d:\n got  %s\n want %s", i, got, want[i])
			continue
		}
		off, _ := strconv.ParseUint(m[3], 16, 64)
		switch {
		case slices.Contains(fx.own, m[1]):
			t.Errorf("frame %d:\n got  %s\n want %s", i, got, want[i])
		case m[1] != frames[i].Object || off != frames[i].Offset || frames[i].Symbol == "":
			t.Errorf("frame %d is not strace's, nor at its object and offset:\n got  %s\n want %s", i, got, want[i])
		default:
			t.Logf("frame %d: system library's symbol from its debug file:\n ours   %s\n strace %s", i, got, want[i])
		}
	}
}

// straceStack returns the frame lines strace printed after its first
// wait4 line.
func straceStack(trace string) []string {
	var stack []string
	in := false
	for _, line := range strings.Split(trace, "\n") {
		switch {
		case !in && strings.HasPrefix(line, "wait4("):
			in = true
		case in && strings.HasPrefix(line, " > "):
			stack = append(stack, line)
		case in:
			return stack
		}
	}
	return stack
}
