//go:build linux

package e2e

// strace options whose whole effect is on how the tracer sits among the
// processes (-D, -b execve), what it says of itself (-d) and how it
// prints pids of other pid namespaces and pidfds (--pidns-translation,
// -yy). Each runs under strace too, which proves the test right.
//
//	go test -run 'Daemon|DetachOn|Pidns|Debug|Pidfd' ./e2e/

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ownFixtures are the C programs of these tests, built on first use.
var (
	ownFixtureMu   sync.Mutex
	ownFixtureErrs = map[string]error{}
)

// ownFixture builds testdata/NAME.c once and returns its path.
func ownFixture(t *testing.T, name string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	ownFixtureMu.Lock()
	defer ownFixtureMu.Unlock()
	bin := filepath.Join(buildDir, "own-"+name)
	err, built := ownFixtureErrs[name]
	if !built {
		out, cerr := exec.Command("gcc", "-O0", "-Wall", "-o", bin, filepath.Join("..", "testdata", name+".c")).CombinedOutput()
		if cerr != nil {
			err = fmt.Errorf("gcc %s.c: %v\n%s", name, cerr, out)
		} else {
			err = os.Chmod(bin, buildDirMode)
		}
		ownFixtureErrs[name] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// bothTracers are strace (skipped if missing) and waittrace.
var bothTracers = []tracer{{"strace", stracePath, nil}, {"waittrace", "", nil}}

// tag returns an environment variable unique to this test: every process
// that inherits it can be found in /proc, to check none is left behind.
func tag(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "WAITTRACE_E2E_TAG=" + hex.EncodeToString(b)
}

// tagged lists the live processes (zombies have no environment) whose
// environment holds tag.
func tagged(tag string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err == nil && bytes.Contains(append([]byte{0}, env...), []byte("\x00"+tag+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// noneLeft fails the test if a process with tag outlives the timeout.
func noneLeft(t *testing.T, tag string) {
	t.Helper()
	if !waitFor(10*time.Second, func() bool { return len(tagged(tag)) == 0 }) {
		t.Errorf("processes left behind: %v", tagged(tag))
	}
}

var (
	anyNumber    = regexp.MustCompile(`\b\d+\b|0x[0-9a-f]+`)
	tracerPrefix = regexp.MustCompile(`(?m)^(\S*/)?(strace|waittrace): `)
)

// canon makes two tracers' stderr comparable: the same prefix for their
// messages, numbers masked.
func canon(t *testing.T, s string) string {
	t.Helper()
	return tracerPrefix.ReplaceAllString(masked(t, s, anyNumber, "N"), "TRACER: ")
}

var daemonLevels = []string{"-D", "-DD", "-DDD", "--daemonize=grandchild", "--daemonize=pgroup", "--daemonize=session"}

// TestDaemon: the shell starts TRACER -D COMMAND and waits for $!: that is
// COMMAND itself, its parent is the shell, its status is COMMAND's, it has
// no child it did not make, and the trace is complete. Nothing is left
// once the shell's wait returns and the tracer has written its last line.
func TestDaemon(t *testing.T) {
	fix := ownFixture(t, "daemon")
	for _, level := range daemonLevels {
		t.Run(level, func(t *testing.T) {
			t.Parallel()
			traces := map[string]string{}
			for _, tr := range bothTracers {
				bin := tr.use(t)
				dir := workDir(t)
				out := filepath.Join(dir, "trace.out")
				env := tag(t)
				script := fmt.Sprintf(`"$0" %s -o %s -e trace=wait4 %s >%s & echo "shell $$ job $!"; wait $!; echo "status $?"`,
					level, out, fix, filepath.Join(dir, "fixture.out"))
				ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
				defer cancel()
				cmd := command(t, ctx, asSelf.prepare(t), dir, []string{env}, "sh", "-c", script, bin)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				shell, err := cmd.Output()
				if err != nil || ctx.Err() != nil {
					t.Fatalf("%s %s: %v\nstderr:\n%s", tr.name, level, err, stderr.Bytes())
				}
				var sh, job, status int
				if _, err := fmt.Sscanf(string(shell), "shell %d job %d\nstatus %d\n", &sh, &job, &status); err != nil {
					t.Fatalf("%s: the shell said %q: %v", tr.name, shell, err)
				}
				fixOut, _ := os.ReadFile(filepath.Join(dir, "fixture.out"))
				var pid, ppid, pgid, sid int
				var children string
				if _, err := fmt.Sscanf(string(fixOut), "pid %d ppid %d pgid %d sid %d\nchildren %s\n", &pid, &ppid, &pgid, &sid, &children); err != nil {
					t.Fatalf("%s: the command said %q: %v\nstderr:\n%s", tr.name, fixOut, err, stderr.Bytes())
				}
				if pid != job || ppid != sh || pgid != sh || status != 3 || children != "none" {
					t.Errorf("%s %s: the command is pid %d (want $! %d), parent %d (want the shell, %d), group %d (want the shell's, %d), "+
						"exit status %d (want 3), children at start %s (want none)", tr.name, level, pid, job, ppid, sh, pgid, sh, status, children)
				}
				noneLeft(t, env)
				trace, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				want := "wait4(-N, N, WNOHANG, NULL) = -N ECHILD (No child processes)\n" +
					"wait4(N, [{WIFEXITED(s) && WEXITSTATUS(s) == N}], N, NULL) = N\n+++ exited with N +++\n"
				if got := masked(t, string(trace), anyNumber, "N"); !strings.HasSuffix(string(trace), "+++ exited with 3 +++\n") || got != want {
					t.Errorf("%s %s: trace:\n%s", tr.name, level, trace)
				}
				traces[tr.name] = masked(t, string(trace), anyNumber, "N")
				if tr.name == "waittrace" && stderr.Len() > 0 {
					t.Errorf("waittrace %s -o FILE wrote to stderr:\n%s", level, stderr.Bytes())
				}
			}
			if s, w := traces["strace"], traces["waittrace"]; s != "" && s != w {
				t.Errorf("traces differ (-strace +waittrace):\n%s", lineDiff(s, w))
			}
		})
	}
}

// TestDaemonStderr: without -o the trace and "Process N attached" go to
// the stderr the tracer inherited, as strace -D writes them; -f follows the
// command's children.
func TestDaemonStderr(t *testing.T) {
	fix := ownFixture(t, "daemon")
	got := map[string]string{}
	for _, tr := range bothTracers {
		bin := tr.use(t)
		dir := workDir(t)
		env := tag(t)
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, []string{env}, bin, "-D", "-e", "trace=wait4", fix)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 || ctx.Err() != nil {
			t.Fatalf("%s -D: %v, want exit status 3\nstderr:\n%s", tr.name, err, stderr.Bytes())
		}
		var pid int
		fmt.Sscanf(string(out), "pid %d", &pid)
		if pid != cmd.Process.Pid {
			t.Errorf("%s -D: the command is %d, not the process started (%d)", tr.name, pid, cmd.Process.Pid)
		}
		// Wait returns once the tracer closed stderr: it has ended.
		noneLeft(t, env)
		first := strings.SplitN(stderr.String(), "\n", 2)[0]
		if tracerPrefix.ReplaceAllString(first, "") != fmt.Sprintf("Process %d attached", pid) {
			t.Errorf("%s -D: first line %q, want the command attached", tr.name, first)
		}
		got[tr.name] = canon(t, stderr.String())
	}
	if s, w := got["strace"], got["waittrace"]; s != "" && s != w {
		t.Errorf("stderr differs (-strace +waittrace):\n%s", lineDiff(s, w))
	}
}

// TestDaemonSignals: a terminal's ^C (SIGINT to the job's process group)
// reaches the command directly, the tracer in the group (-D) ignores it,
// and -DD and -DDD put the tracer out of its reach: the command dies of
// it, the trace says so, the tracer ends.
func TestDaemonSignals(t *testing.T) {
	fix := ownFixture(t, "daemon")
	for _, level := range []string{"-D", "-DD", "-DDD"} {
		t.Run(level, func(t *testing.T) {
			t.Parallel()
			for _, tr := range bothTracers {
				bin := tr.use(t)
				dir := workDir(t)
				out := filepath.Join(dir, "trace.out")
				env := tag(t)
				ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
				defer cancel()
				cmd := command(t, ctx, asSelf.prepare(t), dir, []string{env}, bin, level, "-o", out, "-e", "trace=wait4", fix, "pause")
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				pipe, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				sc := bufio.NewScanner(pipe)
				for sc.Scan() && sc.Text() != "ready" {
				}
				job := cmd.Process.Pid
				// The tracer: the other tagged process.
				var tracerPid int
				for _, p := range tagged(env) {
					if p != job {
						tracerPid = p
					}
				}
				if tracerPid == 0 {
					t.Fatalf("%s %s: no tracer found", tr.name, level)
				}
				tpgid, _ := syscall.Getpgid(tracerPid)
				tsid, _ := getsid(tracerPid)
				jsid, _ := getsid(job)
				switch {
				case level == "-D" && tpgid != job:
					t.Errorf("%s -D: the tracer is in group %d, want the job's, %d", tr.name, tpgid, job)
				case level != "-D" && tpgid == job:
					t.Errorf("%s %s: the tracer is in the job's group %d", tr.name, level, job)
				case level == "-DDD" && tsid == jsid:
					t.Errorf("%s -DDD: the tracer is in the job's session %d", tr.name, jsid)
				case level != "-DDD" && tsid != jsid:
					t.Errorf("%s %s: the tracer is in session %d, want the job's, %d", tr.name, level, tsid, jsid)
				}
				if err := syscall.Kill(-job, syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
				err = cmd.Wait()
				ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
				if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
					t.Errorf("%s %s: the command ended with %v (%v), want killed by SIGINT\nstderr:\n%s", tr.name, level, cmd.ProcessState, err, stderr.Bytes())
				}
				noneLeft(t, env)
				trace, _ := os.ReadFile(out)
				if !bytes.HasSuffix(trace, []byte("+++ killed by SIGINT +++\n")) {
					t.Errorf("%s %s: the trace does not end with the command killed by SIGINT:\n%s", tr.name, level, trace)
				}
			}
		})
	}
}

// getsid is getsid(2), which package syscall lacks.
func getsid(pid int) (int, error) {
	r, _, e := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// TestDaemonNoTrace: when the tracer cannot start tracing (here its -o
// file cannot be opened), the command is not run and waittrace fails, as
// strace -D does.
func TestDaemonNoTrace(t *testing.T) {
	fix := ownFixture(t, "daemon")
	for _, tr := range bothTracers {
		bin := tr.use(t)
		dir := workDir(t)
		env := tag(t)
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, []string{env}, bin, "-D", "-o", filepath.Join(dir, "no", "such", "dir"), fix)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("%s: %v, want exit status 1\nstderr:\n%s", tr.name, err, stderr.Bytes())
		}
		if len(out) > 0 {
			t.Errorf("%s: the command ran: %q", tr.name, out)
		}
		if !strings.Contains(stderr.String(), "no/such/dir") {
			t.Errorf("%s: stderr does not name the file:\n%s", tr.name, stderr.Bytes())
		}
		noneLeft(t, env)
	}
}

// execs is a command that runs a child that execs, then execs itself.
const execs = `sh -c "exit 3"; exec sh -c "(exit 2); exit 4"`

// TestDetachOnExec: -b execve detaches each process at its exec (the
// command's own first exec aside), says "Process N detached" as strace
// does, and leaves the new program untraced.
func TestDetachOnExec(t *testing.T) {
	for _, flags := range [][]string{{"-f"}, nil} {
		got := map[string]string{}
		for _, tr := range bothTracers {
			bin := tr.use(t)
			dir := workDir(t)
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			argv := append(append([]string{bin}, flags...), "-e", "trace=none", "-e", "signal=none", "-b", "execve", "sh", "-c", execs)
			cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("%v: timed out", argv)
			}
			code := cmd.ProcessState.ExitCode()
			// strace 6.1 loses the status of a command it detached (it
			// exits 0); waittrace keeps its promise: the command's.
			if tr.name == "waittrace" && code != 4 {
				t.Errorf("%v: exit status %d (%v), want the command's, 4\nstderr:\n%s", argv, code, err, stderr.Bytes())
			}
			got[tr.name] = canon(t, stderr.String())
		}
		want := "TRACER: Process N detached\n"
		if flags != nil {
			want = "TRACER: Process N attached\nTRACER: Process N detached\nTRACER: Process N detached\n"
		}
		for name, g := range got {
			if g != want {
				t.Errorf("%s %v -b execve said (-want +got):\n%s", name, flags, lineDiff(want, g))
			}
		}
	}
}

// TestDetachOnExecUntraced: after -b's detach the program, and what it
// starts, run untraced.
func TestDetachOnExecUntraced(t *testing.T) {
	for _, tr := range bothTracers {
		bin := tr.use(t)
		dir := workDir(t)
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-f", "-o", filepath.Join(dir, "trace.out"), "-b", "execve",
			"sh", "-c", `sh -c "grep TracerPid /proc/self/status"; exec sh -c "grep TracerPid /proc/self/status; grep TracerPid /proc/\$\$/status"`)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", tr.name, err)
		}
		if want := strings.Repeat("TracerPid:\t0\n", 3); string(out) != want {
			t.Errorf("%s -b execve: %q, want every program untraced", tr.name, out)
		}
	}
}

// TestDetachOnExecSeccomp: -b turns the seccomp filter off (a detached
// process would keep it, with no tracer); asked for, strace's line says so.
func TestDetachOnExecSeccomp(t *testing.T) {
	line := ": --seccomp-bpf is not enabled because it is not compatible with -b\n"
	for _, tr := range bothTracers {
		bin := tr.use(t)
		for _, asked := range []bool{true, false} {
			dir := workDir(t)
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			argv := []string{bin, "-f", "-q", "-o", filepath.Join(dir, "trace.out"), "-b", "execve", "true"}
			if asked {
				argv = append([]string{bin, "--seccomp-bpf"}, argv[1:]...)
			}
			cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			cancel()
			if err != nil {
				t.Fatalf("%v: %v\n%s", argv, err, stderr.Bytes())
			}
			if says := strings.Contains(stderr.String(), tr.name+line) || strings.Contains(stderr.String(), bin+line); says != asked {
				t.Errorf("%v: stderr %q; the -b line wanted: %v", argv, stderr.String(), asked)
			}
		}
	}
}

// debugLines are the lines of -d in s.
func debugLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "waittrace: debug: ") {
			lines = append(lines, strings.TrimPrefix(l, "waittrace: debug: "))
		}
	}
	return lines
}

func hasLine(lines []string, re string) bool {
	r := regexp.MustCompile(re)
	for _, l := range lines {
		if r.MatchString(l) {
			return true
		}
	}
	return false
}

// TestDebug: -d says, one line each on stderr, the stop mode and why, the
// -I level, and what became of each signal waittrace received; the trace
// is the same as without it.
func TestDebug(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	fix := ownFixture(t, "daemon")
	traces := map[bool]string{}
	for _, debug := range []bool{false, true} {
		dir := workDir(t)
		out := filepath.Join(dir, "trace.out")
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		argv := []string{bin, "-o", out, "-e", "trace=wait4", fix}
		if debug {
			argv = append([]string{bin, "-d"}, argv[1:]...)
		}
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		if cmd.ProcessState.ExitCode() != 3 {
			t.Fatalf("%v: %v\n%s", argv, cmd.ProcessState, stderr.Bytes())
		}
		lines := debugLines(stderr.String())
		if !debug && stderr.Len() > 0 {
			t.Errorf("without -d: stderr %q", stderr.String())
		}
		if debug && (!hasLine(lines, `^stop mode: every system call: `) || !hasLine(lines, `^-I 3 \(`)) {
			t.Errorf("-d said %q, want the stop mode and -I 3 (the default with -o)", lines)
		}
		trace, _ := os.ReadFile(out)
		traces[debug] = masked(t, string(trace), anyNumber, "N")
	}
	if traces[false] != traces[true] {
		t.Errorf("-d changed the trace (-without +with):\n%s", lineDiff(traces[false], traces[true]))
	}
}

// TestDebugSignals: a signal sent to waittrace alone is passed on to the
// command, one sent to the process group is not (the command has its own
// copy); -d says which, and that the trace ends (-I 2).
func TestDebugSignals(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	fix := ownFixture(t, "daemon")
	for _, group := range []bool{false, true} {
		dir := workDir(t)
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-d", "-f", "-e", "trace=wait4", fix, "pause")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(pipe)
		for sc.Scan() && sc.Text() != "ready" {
		}
		target := cmd.Process.Pid
		if group {
			target = -target
		}
		if err := syscall.Kill(target, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Errorf("waittrace ended with %v, want killed by SIGTERM as the command was\nstderr:\n%s", cmd.ProcessState, stderr.Bytes())
		}
		lines := debugLines(stderr.String())
		passed := `^SIGTERM: sent to waittrace alone: passed on to the command, \d+$`
		for _, want := range []string{`^stop mode: seccomp filter: `, `^-I 2 \(`, `^received SIGTERM: passed on to the command unless .*the trace ends`} {
			if !hasLine(lines, want) {
				t.Errorf("signal to the group %v: -d lacks %q:\n%s", group, want, strings.Join(lines, "\n"))
			}
		}
		// To the group, the command has its own copy: it is not sent again
		// (said when the engine gets to it before the command's end).
		if hasLine(lines, passed) == group {
			t.Errorf("signal to the group %v: passed on %v:\n%s", group, !group, strings.Join(lines, "\n"))
		}
		if group && len(regexpLines(lines, `^SIGTERM: `)) > 0 && !hasLine(lines, `^SIGTERM: (its process group got it too, the command's own copy: not passed on|not passed on: the command has exited)$`) {
			t.Errorf("signal to the group: -d says %q", regexpLines(lines, `^SIGTERM: `))
		}
	}
}

// TestDebugDetachAndDaemon: -d says each detach of -b, and -D's own steps.
func TestDebugDetachAndDaemon(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	dir := workDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-d", "-f", "-b", "execve", "-e", "trace=none", "sh", "-c", execs)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	lines := debugLines(stderr.String())
	if n := len(regexpLines(lines, `^-b execve: detached \d+ at its exec`)); n != 2 {
		t.Errorf("-d said %d -b detaches, want 2:\n%s", n, stderr.Bytes())
	}
	if !hasLine(lines, `^stop mode: every system call: -b execve`) {
		t.Errorf("-d does not say -b turned the filter off:\n%s", stderr.Bytes())
	}

	env := tag(t)
	cmd = command(t, ctx, asSelf.prepare(t), dir, []string{env}, bin, "-d", "-DD", "-o", filepath.Join(dir, "trace.out"), "true")
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("-d -DD true: %v\n%s", err, stderr.Bytes())
	}
	noneLeft(t, env)
	lines = debugLines(stderr.String())
	for _, want := range []string{`^prctl\(PR_SET_PTRACER, \d+\)`, `^seized \d+, the command's process \(-D\)`, `^-I 4 \(`} {
		if !hasLine(lines, want) {
			t.Errorf("-d -DD lacks %q:\n%s", want, stderr.Bytes())
		}
	}
}

func regexpLines(lines []string, re string) []string {
	r := regexp.MustCompile(re)
	var m []string
	for _, l := range lines {
		if r.MatchString(l) {
			m = append(m, l)
		}
	}
	return m
}

// TestPidnsTranslation: the wait calls of a program that is pid 1 of its
// own pid namespace, traced from outside with --pidns-translation, print
// as strace prints them: "2 /* 4242 in strace's PID NS */" for a group,
// a returned pid, a si_pid, P_PGID's group, while the process exists.
func TestPidnsTranslation(t *testing.T) {
	if err := exec.Command("unshare", "--pid", "--fork", "true").Run(); err != nil {
		t.Skipf("cannot create a pid namespace (needs unshare(1) and CAP_SYS_ADMIN): %v", err)
	}
	fix := ownFixture(t, "pidns")
	files := map[string]map[string]string{} // tracer -> role -> masked trace
	for _, tr := range bothTracers {
		bin := tr.use(t)
		dir := workDir(t)
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		prefix := filepath.Join(dir, "t")
		argv := []string{bin, "-ff", "-o", prefix, "--pidns-translation", "-e", "trace=wait4,waitid", "unshare", "--pid", "--fork", fix}
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
		paths, _ := filepath.Glob(prefix + ".*")
		roles := map[string]string{}
		pids := map[string]int{}
		for _, p := range paths {
			b, _ := os.ReadFile(p)
			role := "unshare"
			switch {
			case bytes.Contains(b, []byte("waitid(P_PGID")):
				role = "init"
			case bytes.Contains(b, []byte("+++ exited with 5 +++")):
				role = "child"
			}
			pids[role], _ = strconv.Atoi(strings.TrimPrefix(filepath.Ext(p), "."))
			roles[role] = string(b)
		}
		if len(roles) != 3 {
			t.Fatalf("%s: %d trace files, want unshare, init and child: %v", tr.name, len(paths), paths)
		}
		initTrace, child, init := roles["init"], pids["child"], pids["init"]
		for _, want := range []string{
			fmt.Sprintf("wait4(-2 /* %d in strace's PID NS */, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WSTOPPED, NULL) = 2 /* %d in strace's PID NS */\n", child, child),
			fmt.Sprintf("si_pid=2 /* %d in strace's PID NS */", child),
			"WEXITSTATUS(s) == 5}], 0, NULL) = 2\n", // reaped: gone, untranslated
			fmt.Sprintf("waitid(P_PGID, 1 /* %d in strace's PID NS */, ", init),
		} {
			if !strings.Contains(initTrace, want) {
				t.Errorf("%s: the namespace's init trace lacks %q:\n%s", tr.name, want, initTrace)
			}
		}
		files[tr.name] = map[string]string{}
		for role, s := range roles {
			if role != "unshare" { // its SIGCHLD may come before or after its wait4
				files[tr.name][role] = masked(t, s, anyNumber, "N")
			}
		}
	}
	for role, s := range files["strace"] {
		if w := files["waittrace"][role]; w != s {
			t.Errorf("%s's trace differs (-strace +waittrace):\n%s", role, lineDiff(s, w))
		}
	}
}

// TestPidfdDecoding: -yy, and --decode-fds=pidfd, print waitid's pidfd as
// "3<pid:4242>" (named with -Y), as strace 6.1 does; the pid is printed at
// the call's entry, so the second waitid still has it.
func TestPidfdDecoding(t *testing.T) {
	fix := fixture(t, "names")
	for _, flags := range [][]string{{"-yy"}, {"-yy", "-Y"}, {"-e", "decode-fds=pidfd"}} {
		traces := map[string]string{}
		for _, tr := range bothTracers {
			bin := tr.use(t)
			dir := workDir(t)
			out := filepath.Join(dir, "trace.out")
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			argv := append(append([]string{bin}, flags...), "-o", out, "-e", traceFilter, fix)
			cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
			b, err := cmd.CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("%v: %v\n%s", argv, err, b)
			}
			trace, _ := os.ReadFile(out)
			if n := strings.Count(string(trace), "waitid(P_PIDFD, 3<pid:"); n != 2 {
				t.Errorf("%s %v: %d pidfds decoded, want 2:\n%s", tr.name, flags, n, trace)
			}
			traces[tr.name] = masked(t, string(trace), anyNumber, "N")
		}
		if s, w := traces["strace"], traces["waittrace"]; s != "" && s != w {
			t.Errorf("%v: traces differ (-strace +waittrace):\n%s", flags, lineDiff(s, w))
		}
	}
}
