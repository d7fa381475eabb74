//go:build linux

package e2e

// -k (--stack-traces) against strace -k: the same fixtures under both, the
// stacks compared line for line. The fixture's own frames must be
// strace's exactly; a system library's may differ in the symbol alone, at
// the same object and offset: where libc6-dbg is installed waittrace names
// libc's functions from the debug file (__libc_start_call_main+0x7a),
// which strace's libunwind does not read (__libc_init_first+0x8a).

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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	cBuildMu   sync.Mutex
	cBuildDone = map[string]error{}
)

// buildC compiles testdata/SRC with gcc and flags into the TestMain build
// dir as name, once per test binary.
func buildC(t testing.TB, name, src string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	out := filepath.Join(buildDir, name)
	cBuildMu.Lock()
	defer cBuildMu.Unlock()
	err, done := cBuildDone[name]
	if !done {
		args := append(append([]string{}, flags...), "-Wall", "-o", out, filepath.Join("..", "testdata", src))
		if msg, e := exec.Command("gcc", args...).CombinedOutput(); e != nil {
			err = fmt.Errorf("gcc %s: %v\n%s", strings.Join(args, " "), e, msg)
		}
		cBuildDone[name] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stackFixture is a -k fixture: a C program and how it is built and run.
type stackFixture struct {
	name, src string
	cflags    []string
	args      []string
	// signals: the signal stops are deterministic (SIGCHLD is blocked
	// until sigsuspend), so their stacks are compared too.
	signals bool
}

var stackFixtures = []stackFixture{
	{name: "O0-fp", src: "stack/wait.c", cflags: []string{"-O0", "-fno-omit-frame-pointer", "-g"}},
	{name: "O2-nofp", src: "stack/wait.c", cflags: []string{"-O2", "-fomit-frame-pointer"}},
	{name: "O0-fp-handler", src: "stack/wait.c", cflags: []string{"-O0", "-fno-omit-frame-pointer", "-g"}, args: []string{"handler"}, signals: true},
	{name: "O2-nofp-handler", src: "stack/wait.c", cflags: []string{"-O2", "-fomit-frame-pointer"}, args: []string{"handler"}, signals: true},
	{name: "deep", src: "stacktrace/deep.c", cflags: []string{"-O0"}},
	{name: "unfinished", src: "stacktrace/unfinished.c", cflags: []string{"-O0"}},
}

func (f stackFixture) build(t *testing.T) string {
	t.Helper()
	// Named by source and flags: the handler variants share a binary.
	name := "k-" + strings.TrimSuffix(filepath.Base(f.src), ".c") + strings.Join(f.cflags, "")
	return buildC(t, name, f.src, f.cflags...)
}

// needStrace skips unless strace with -k support is installed.
func needStrace(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(stracePath); err != nil {
		t.Skipf("strace not installed at %s", stracePath)
	}
	if out, err := exec.Command(stracePath, "-k", "-e", "trace=none", "true").CombinedOutput(); err != nil {
		t.Skipf("strace without -k (stack trace) support: %s", out)
	}
}

// runK runs tracer bin with flags over argv and returns its trace (-o
// FILE, or the files of -ff by pid) and how it ended.
func runK(t *testing.T, bin string, flags []string, argv ...string) (string, map[string]string) {
	t.Helper()
	dir := workDir(t)
	out := filepath.Join(dir, "trace")
	args := append(append([]string{bin, "-o", out}, flags...), "--")
	args = append(args, argv...)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, &syscall.SysProcAttr{Setpgid: true}, dir, nil, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out\n%s", strings.Join(args, " "), stderr.Bytes())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	if cmd.ProcessState.ExitCode() == 77 {
		t.Fatalf("fixture failed its self-check under %s\n%s", bin, stderr.Bytes())
	}
	files := map[string]string{}
	matches, _ := filepath.Glob(out + "*")
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(m)] = string(b)
	}
	return files["trace"], files
}

// kBlock is a line of a -k trace and the stack lines after it.
type kBlock struct {
	head   string // without the "PID " or "[pid N] " prefix
	frames []string
}

var kPidPrefix = regexp.MustCompile(`^(\[pid +\d+\] |\d+ +)`)

// kBlocks splits a trace into its wait4 and signal lines, each with the
// stack lines that follow it.
func kBlocks(trace string) []kBlock {
	var bs []kBlock
	var cur *kBlock
	for _, line := range strings.Split(trace, "\n") {
		if strings.HasPrefix(line, " > ") {
			if cur != nil {
				cur.frames = append(cur.frames, line)
			}
			continue
		}
		cur = nil
		head := kPidPrefix.ReplaceAllString(line, "")
		if strings.HasPrefix(head, "wait4(") || strings.HasPrefix(head, "<... wait4 resumed>") || strings.HasPrefix(head, "---") {
			bs = append(bs, kBlock{head: head})
			cur = &bs[len(bs)-1]
		}
	}
	return bs
}

// kind is what a block is about: "wait4" (whether printed whole, or
// resumed: the two tracers may interleave differently), "unfinished" for
// a call's first half (never followed by a stack), or the signal line.
func (b kBlock) kind() string {
	switch {
	case strings.Contains(b.head, "<unfinished ...>"):
		return "unfinished"
	case strings.HasPrefix(b.head, "---"):
		return "signal"
	}
	return "wait4"
}

var kLine = regexp.MustCompile(`^ > (.*)\((.*)\) \[0x([0-9a-f]+)\]$`)

// compareFrames compares waittrace's stack lines with strace's: lines of
// the fixture's own object (own) exactly, the others by object and offset.
func compareFrames(t *testing.T, what, own string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d frames, strace printed %d:\ngot:\n%s\nwant:\n%s", what, len(got), len(want),
			strings.Join(got, "\n"), strings.Join(want, "\n"))
		return
	}
	for i := range got {
		if got[i] == want[i] {
			continue
		}
		g, w := kLine.FindStringSubmatch(got[i]), kLine.FindStringSubmatch(want[i])
		switch {
		case g == nil || w == nil:
			t.Errorf("%s: frame %d:\n got  %s\n want %s", what, i, got[i], want[i])
		case w[1] == own:
			t.Errorf("%s: frame %d of the fixture's own code:\n got  %s\n want %s", what, i, got[i], want[i])
		case g[1] != w[1] || g[3] != w[3]:
			t.Errorf("%s: frame %d not at strace's object and offset:\n got  %s\n want %s", what, i, got[i], want[i])
		}
	}
}

// compareK compares the stacks of two -k traces of one fixture.
func compareK(t *testing.T, f stackFixture, own, got, want string) {
	t.Helper()
	byKind := func(trace string) map[string][]kBlock {
		m := map[string][]kBlock{}
		for _, b := range kBlocks(trace) {
			m[b.kind()] = append(m[b.kind()], b)
		}
		return m
	}
	g, w := byKind(got), byKind(want)
	for _, b := range append(g["unfinished"], w["unfinished"]...) {
		if len(b.frames) > 0 {
			t.Errorf("a stack after %q:\n%s", b.head, strings.Join(b.frames, "\n"))
		}
	}
	if len(g["unfinished"]) == 0 && len(w["unfinished"]) > 0 && f.name == "unfinished" {
		t.Errorf("no unfinished call\ngot:\n%s\nwant:\n%s", got, want)
	}
	if len(g["wait4"]) != len(w["wait4"]) || len(w["wait4"])+len(w["unfinished"]) == 0 {
		t.Fatalf("%d completed wait4 calls, strace printed %d\ngot:\n%s\nwant:\n%s", len(g["wait4"]), len(w["wait4"]), got, want)
	}
	for i := range w["wait4"] {
		compareFrames(t, "wait4 #"+strconv.Itoa(i), own, g["wait4"][i].frames, w["wait4"][i].frames)
	}
	if len(g["signal"]) != len(w["signal"]) {
		t.Errorf("%d signal lines, strace printed %d\ngot:\n%s\nwant:\n%s", len(g["signal"]), len(w["signal"]), got, want)
		return
	}
	for i, b := range g["signal"] {
		switch {
		case len(b.frames) == 0:
			t.Errorf("no stack after %q", b.head)
		case f.signals:
			compareFrames(t, "signal #"+strconv.Itoa(i), own, b.frames, w["signal"][i].frames)
		}
	}
}

func skipUnlessAmd64(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("the -k comparisons are written for linux/amd64, not %s", runtime.GOARCH)
	}
}

// TestStackTraces runs each fixture under strace -k and waittrace -k, with
// -f and -o FILE (so "PID " prefixes, which stack lines do not get), and
// compares the stack after every wait4 (resumed or whole) and signal line.
func TestStackTraces(t *testing.T) {
	skipUnlessAmd64(t)
	needStrace(t)
	wt := tracer{name: "waittrace"}.use(t)
	for _, f := range stackFixtures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			bin := f.build(t)
			argv := append([]string{bin}, f.args...)
			flags := []string{"-f", "-k", "-e", "trace=wait4"}
			want, _ := runK(t, stracePath, flags, argv...)
			got, _ := runK(t, wt, flags, argv...)
			t.Logf("waittrace:\n%s", got)
			compareK(t, f, bin, got, want)
		})
	}
}

// TestStackTracesPerThread: with -ff each process's file has its stacks.
func TestStackTracesPerThread(t *testing.T) {
	skipUnlessAmd64(t)
	needStrace(t)
	wt := tracer{name: "waittrace"}.use(t)
	f := stackFixtures[2] // the handler: a wait4 and a signal in the parent
	bin := f.build(t)
	argv := append([]string{bin}, f.args...)
	flags := []string{"-ff", "-k", "-e", "trace=wait4"}
	parentFile := func(files map[string]string) string {
		for _, trace := range files {
			if strings.Contains(trace, "wait4(") {
				return trace
			}
		}
		t.Fatalf("no file with wait4 among %d", len(files))
		return ""
	}
	_, wantFiles := runK(t, stracePath, flags, argv...)
	_, gotFiles := runK(t, wt, flags, argv...)
	if len(gotFiles) != len(wantFiles) {
		t.Errorf("%d files, strace wrote %d", len(gotFiles), len(wantFiles))
	}
	compareK(t, f, bin, parentFile(gotFiles), parentFile(wantFiles))
}

// TestStackTracesNone: without -k no stack, and none for an i386 tracee
// with it (strace 6.1 prints none for a personality other than its own).
func TestStackTracesNone(t *testing.T) {
	skipUnlessAmd64(t)
	wt := tracer{name: "waittrace"}.use(t)
	bin := stackFixtures[0].build(t)
	if trace, _ := runK(t, wt, []string{"-f"}, bin); strings.Contains(trace, "\n > ") {
		t.Errorf("a stack without -k:\n%s", trace)
	}
	fix := fixture(t, "waitpid386")
	requireI386(t, fix)
	trace, _ := runK(t, wt, []string{"-f", "-k"}, fix)
	if !strings.Contains(trace, "waitpid(") {
		t.Fatalf("no waitpid in:\n%s", trace)
	}
	if strings.Contains(trace, "\n > ") {
		t.Errorf("a stack for an i386 tracee:\n%s", trace)
	}
}

// TestStackTracesJSONAndTable: --json gives the same frames as strace's
// lines (object and offset; symbol for the fixture's own), and the table
// a "stack" row per frame after the call's row.
func TestStackTracesJSONAndTable(t *testing.T) {
	skipUnlessAmd64(t)
	needStrace(t)
	wt := tracer{name: "waittrace"}.use(t)
	f := stackFixtures[1]
	bin := f.build(t)
	want, _ := runK(t, stracePath, []string{"-k", "-e", "trace=wait4"}, bin)
	var wantFrames []string
	for _, b := range kBlocks(want) {
		if b.kind() == "wait4" {
			wantFrames = b.frames
			break
		}
	}
	if len(wantFrames) == 0 {
		t.Fatalf("no stack in strace's trace:\n%s", want)
	}

	out, _ := runK(t, wt, []string{"-k", "-e", "trace=wait4", "--json"}, bin)
	var call struct {
		Syscall string `json:"syscall"`
		Stack   []struct {
			Address uint64 `json:"address"`
			Object  string `json:"object"`
			Offset  uint64 `json:"offset"`
			Symbol  string `json:"symbol"`
		} `json:"stack"`
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"syscall":"wait4"`) {
			if err := json.Unmarshal([]byte(line), &call); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if len(call.Stack) != len(wantFrames) {
		t.Fatalf("%d frames in JSON, strace printed %d:\n%s\n%s", len(call.Stack), len(wantFrames), out, strings.Join(wantFrames, "\n"))
	}
	for i, fr := range call.Stack {
		w := kLine.FindStringSubmatch(wantFrames[i])
		if w == nil {
			t.Fatalf("strace's frame %q", wantFrames[i])
		}
		sym, _, _ := strings.Cut(w[2], "+")
		if fr.Object != w[1] || strconv.FormatUint(fr.Offset, 16) != w[3] || fr.Address == 0 || (w[1] == bin && fr.Symbol != sym) {
			t.Errorf("JSON frame %d %+v, strace %s", i, fr, wantFrames[i])
		}
	}

	table, _ := runK(t, wt, []string{"-k", "-e", "trace=wait4", "--output-format=table"}, bin)
	lines := strings.Split(table, "\n")
	for i, l := range lines {
		if strings.Contains(l, " wait4 ") {
			for j := range wantFrames {
				if i+1+j >= len(lines) || !strings.Contains(lines[i+1+j], " #"+strconv.Itoa(j)+" ") ||
					!strings.Contains(lines[i+1+j], " stack ") {
					t.Fatalf("no stack row #%d after the wait4 row:\n%s", j, table)
				}
			}
			return
		}
	}
	t.Fatalf("no wait4 row:\n%s", table)
}
