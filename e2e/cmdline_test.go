//go:build linux

package e2e

// The differential test of the command line: each row is an strace
// command line (what follows the tracer's name, before the command). It
// runs under strace (/usr/bin/strace) and under waittrace over
// testdata/cmdline.c, and the two runs must agree: the trace (on stderr,
// in the -o file, in each -ff file, through -o '|cmd'), the tracer's
// other messages, the fixture's own stdout and how the tracer ended.
//
// What legitimately differs between two runs is masked first: pids (the
// fixture writes its own and its children's to $CMDLINE_PIDS; each is
// replaced by its name there, <P>, <A>, ..., also in hexadecimal and in
// -ff file names), addresses, the instruction pointer, rusage and
// si_utime/si_stime values, the digits of times and durations (their
// width and precision are kept), the time columns of the -c table, and
// the tracer's name before its messages. The padding before "= " is
// checked on the raw lines (at the row's -a column), then squeezed. And
// strace's lines for calls other than wait4, waitid and waitpid (with -e
// trace=all, %process, !waitid ...) are dropped: waittrace traces only
// those. With -k, the function of a frame in a system library is masked
// (waittrace reads a stripped library's symbols from its debug file,
// libunwind does not); its address is compared.
//
//	go test -count=1 -run 'Cmdline|Help' ./e2e/

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// cmdlineCase is one command line run under both tracers.
type cmdlineCase struct {
	// args are the options, as given after the tracer's name; the
	// fixture (and its mode) follows them.
	args []string
	// mode is the fixture's mode: "calls" (default), "signals", "exec".
	mode string
	// env is added to the tracer's environment.
	env []string
	// files are created in the run's directory before the run (-A).
	files map[string]string
	// column is where "= " starts: -a's; 0 is 40 unless the row has -a
	// or --columns.
	column int
	// ordered: the -c table's rows are in a deterministic order (-S
	// calls, name ...); otherwise (sorted by time, which differs from
	// run to run) they are compared as a set.
	ordered bool
	// root: the row needs root (-u); skipped otherwise.
	root bool
	// noStderr: stderr is not compared (-d: each tracer's own debug
	// output), only the files.
	noStderr string
}

// waitsOnly is the filter most rows carry: strace traces every call
// otherwise.
const waitsOnly = "-etrace=wait4,waitid,waitpid"

// fields splits a command line at spaces.
func fields(s string) []string { return strings.Fields(s) }

// cmdlineCases are the rows. Each is named by its command line.
var cmdlineCases = []cmdlineCase{
	// -e trace=, in its spellings and forms.
	{args: fields("-e trace=wait4,waitid,waitpid")},
	{args: fields(waitsOnly)},
	{args: fields("-e wait4,waitid")},
	{args: fields("-e t=waitid")},
	{args: fields("--trace=wait4")},
	{args: fields("--trace wait4,waitid")},
	{args: fields("-e trace=!waitid")},
	{args: fields("-e trace=all")},
	{args: fields("-e trace=none -f")},
	{args: fields("-e trace=%process")},
	{args: fields("-e trace=%file")},
	{args: fields("-e trace=%process,%clock -e trace=!waitid")},
	{args: fields("-e trace=process")},
	{args: fields("-e trace=/wait")},
	{args: fields("-e trace=/^wait(4|id)$")},
	{args: fields("-e trace=?wait4,?nosuchcall")},
	{args: fields("-e trace=wait4 -e trace=waitid")},
	{args: fields("-e trace=waitpid")},
	{args: fields("-e trace=wait4, -f")},

	// Following forks.
	{args: fields("-f " + waitsOnly)},
	{args: fields("--follow-forks " + waitsOnly)},
	{args: fields("--foll " + waitsOnly)},
	{args: fields("-F " + waitsOnly)},
	{args: fields("-fq " + waitsOnly)},
	{args: fields("-ff -o trace " + waitsOnly)},
	{args: fields("-f --output-separately -o trace " + waitsOnly)},
	{args: fields("-fo trace.out " + waitsOnly)},
	{args: fields("-ffo trace " + waitsOnly)},
	{args: fields("--follow-forks --output-separately -o trace " + waitsOnly)},
	{args: fields("--output-separately -o trace " + waitsOnly)},
	{args: fields("--output-separately " + waitsOnly)},
	{args: fields("-ff " + waitsOnly)},
	{args: fields("-F -f " + waitsOnly)},
	{args: fields("-f " + waitsOnly + " --")},

	// Where the trace goes.
	{args: fields("-o trace.out " + waitsOnly)},
	{args: fields("--output=trace.out -f " + waitsOnly)},
	{args: fields("--output trace.out " + waitsOnly)},
	{args: fields("-otrace.out " + waitsOnly)},
	{args: fields("-A -o trace.out -f " + waitsOnly), files: map[string]string{"trace.out": "before\n"}},
	{args: fields("-A -f " + waitsOnly)},
	{args: fields("-o trace.out --quiet=exit -f " + waitsOnly)},
	{args: fields("-o trace.out -e quiet=none -f " + waitsOnly)},
	{args: fields("--output-append-mode -o trace.out " + waitsOnly), files: map[string]string{"trace.out": "before\n"}},
	{args: []string{"-o", "|cat >piped.out", waitsOnly}},
	{args: []string{"-f", "-o", "!sed s/^/piped:/ >piped.out", waitsOnly}},
	{args: fields("-a 20 " + waitsOnly), column: 20},
	{args: fields("-a60 -f " + waitsOnly), column: 60},
	{args: fields("--columns=0 " + waitsOnly), column: 0},
	{args: fields("--columns 50 " + waitsOnly), column: 50},

	// -e signal=.
	{args: fields(waitsOnly), mode: "signals"},
	{args: fields("-f " + waitsOnly), mode: "signals"},
	{args: fields("-f -e signal=SIGUSR1 " + waitsOnly), mode: "signals"},
	{args: fields("-e signal=!SIGCHLD " + waitsOnly), mode: "signals"},
	{args: fields("-f -e signal=none " + waitsOnly), mode: "signals"},
	{args: fields("-e signals=all " + waitsOnly), mode: "signals"},
	{args: fields("-f --signal=USR1,CHLD " + waitsOnly), mode: "signals"},
	{args: fields("--signals=TERM -f " + waitsOnly), mode: "signals"},
	{args: fields("-e signal=10 " + waitsOnly), mode: "signals"},
	{args: fields("-f -e s=SIGTERM " + waitsOnly), mode: "signals"},
	{args: fields("-f -e signal=!SIGKILL " + waitsOnly)},
	{args: fields("-f -qq -e signal=all " + waitsOnly), mode: "signals"},
	{args: fields("-ff -o trace -e signal=SIGUSR1 " + waitsOnly), mode: "signals"},

	// -e status=, -z, -Z.
	{args: fields("-f -e status=successful " + waitsOnly)},
	{args: fields("-f -e status=failed " + waitsOnly)},
	{args: fields("-f -e status=unfinished " + waitsOnly)},
	{args: fields("-f -e status=unavailable " + waitsOnly)},
	{args: fields("-f -e status=detached " + waitsOnly)},
	{args: fields("-f -e status=all " + waitsOnly)},
	{args: fields("-f -e status=none " + waitsOnly)},
	{args: fields("-f -e status=!failed " + waitsOnly)},
	{args: fields("-e status=successful,failed " + waitsOnly)},
	{args: fields("--status=failed,unfinished -f " + waitsOnly)},
	{args: fields("-z " + waitsOnly)},
	{args: fields("-Z -f " + waitsOnly)},
	{args: fields("--successful-only " + waitsOnly)},
	{args: fields("--failed-only " + waitsOnly)},
	{args: fields("--failing-only -f " + waitsOnly)},
	{args: fields("-z -Z " + waitsOnly)},
	{args: fields("-Z -z -f " + waitsOnly)},
	{args: fields("-z -z " + waitsOnly)},
	{args: fields("-e status=failed -z " + waitsOnly)},
	{args: fields("-z -e status=failed " + waitsOnly)},
	{args: fields("--failed-only --status=successful,unfinished -f " + waitsOnly)},

	// Quiet.
	{args: fields("-q -f " + waitsOnly)},
	{args: fields("-qq -f " + waitsOnly)},
	{args: fields("-qqq -f " + waitsOnly)},
	{args: fields("--quiet -f " + waitsOnly)},
	{args: fields("--quiet=exit -f " + waitsOnly)},
	{args: fields("--quiet=attach,exit -f " + waitsOnly)},
	{args: fields("-e quiet=attach -f " + waitsOnly)},
	{args: fields("-e quiet=!attach -f " + waitsOnly)},
	{args: fields("-e quiet=all -f " + waitsOnly)},
	{args: fields("-e quiet=none -f " + waitsOnly)},
	{args: fields("-e q=exit " + waitsOnly)},
	{args: fields("--silent=exit,attach -f " + waitsOnly)},
	{args: fields("--quiet=thread-execve,personality,path-resolution -f " + waitsOnly)},

	// Timestamps and durations.
	{args: fields("-t " + waitsOnly)},
	{args: fields("-tt -f " + waitsOnly)},
	{args: fields("-ttt " + waitsOnly)},
	{args: fields("-fttt -o trace.out " + waitsOnly)},
	{args: fields("--absolute-timestamps " + waitsOnly)},
	{args: fields("--absolute-timestamps=format:unix,precision:ms " + waitsOnly)},
	{args: fields("--absolute-timestamps=unix,us " + waitsOnly)},
	{args: fields("--absolute-timestamps=precision:ns " + waitsOnly)},
	{args: fields("--absolute-timestamps=format:time " + waitsOnly)},
	{args: fields("--timestamps=time,ms -f " + waitsOnly)},
	{args: fields("--absolute-timestamps=unix,s " + waitsOnly)},
	{args: fields("-r " + waitsOnly)},
	{args: fields("-r -f " + waitsOnly)},
	{args: fields("--relative-timestamps=ms " + waitsOnly)},
	{args: fields("--relative-timestamps=ns -f " + waitsOnly)},
	{args: fields("--relative-timestamps=s " + waitsOnly)},
	{args: fields("-T " + waitsOnly)},
	{args: fields("-fT " + waitsOnly)},
	{args: fields("-fqT " + waitsOnly)},
	{args: fields("--syscall-times=ns " + waitsOnly)},
	{args: fields("--syscall-times=ms -f " + waitsOnly)},
	{args: fields("--syscall-times=s " + waitsOnly)},
	{args: fields("-tt -T -r " + waitsOnly)},
	{args: fields("-t -r -f " + waitsOnly)},
	{args: fields("-ttt --relative-timestamps=ms " + waitsOnly)},

	// Decoding.
	{args: fields("-v " + waitsOnly)},
	{args: fields("--no-abbrev -f " + waitsOnly)},
	{args: fields("-e abbrev=none " + waitsOnly)},
	{args: fields("-e abbrev=wait4 -v " + waitsOnly)},
	{args: fields("--abbrev=all " + waitsOnly)},
	{args: fields("-e a=waitid " + waitsOnly)},
	{args: fields("-e verbose=none " + waitsOnly)},
	{args: fields("-e verbose=waitid " + waitsOnly)},
	{args: fields("-e v=!wait4 -f " + waitsOnly)},
	{args: fields("--verbose=all " + waitsOnly)},
	{args: fields("-e raw=wait4 " + waitsOnly)},
	{args: fields("-e raw=all " + waitsOnly)},
	{args: fields("-e x=waitid -f " + waitsOnly)},
	{args: fields("--raw=none " + waitsOnly)},
	{args: fields("-X raw " + waitsOnly)},
	{args: fields("-X abbrev " + waitsOnly)},
	{args: fields("-X verbose " + waitsOnly)},
	{args: fields("-Xraw -v " + waitsOnly)},
	{args: fields("--const-print-style=verbose " + waitsOnly)},
	{args: fields("--const-print-style raw -f " + waitsOnly)},
	{args: fields("-n " + waitsOnly)},
	{args: fields("--syscall-number -f " + waitsOnly)},
	{args: fields("-i " + waitsOnly)},
	{args: fields("--instruction-pointer -f " + waitsOnly), mode: "signals"},
	{args: fields("-y " + waitsOnly)},
	{args: fields("-yy " + waitsOnly)},
	{args: fields("--decode-fds " + waitsOnly)},
	{args: fields("--decode-fds=all " + waitsOnly)},
	{args: fields("-e decode-fds=path " + waitsOnly)},
	{args: fields("-Y " + waitsOnly)},
	{args: fields("-fY " + waitsOnly)},
	{args: fields("--decode-pids=comm -f " + waitsOnly)},
	{args: fields("-e decode-pids=comm " + waitsOnly)},
	{args: fields("-yY -f " + waitsOnly)},

	// Options with nothing to act on in the wait calls: accepted.
	{args: fields("-s 64 " + waitsOnly)},
	{args: fields("-s64 -f " + waitsOnly)},
	{args: fields("--string-limit=64 " + waitsOnly)},
	{args: fields("-x " + waitsOnly)},
	{args: fields("-xx " + waitsOnly)},
	{args: fields("--strings-in-hex " + waitsOnly)},
	{args: fields("--strings-in-hex=non-ascii " + waitsOnly)},

	// Statistics.
	{args: fields("-c " + waitsOnly)},
	{args: fields("-c -f " + waitsOnly)},
	{args: fields("--summary-only -o trace.out " + waitsOnly)},
	{args: fields("-C " + waitsOnly)},
	{args: fields("--summary -f " + waitsOnly)},
	{args: fields("-c -S calls " + waitsOnly), ordered: true},
	{args: fields("-c -S name " + waitsOnly), ordered: true},
	{args: fields("-c --summary-sort-by=errors " + waitsOnly), ordered: true},
	{args: fields("-c -S nothing " + waitsOnly), ordered: true},
	{args: fields("-c -U name,calls,errors " + waitsOnly)},
	{args: fields("-c -U time-percent,total-time,min-time,max-time,avg-time,calls,errors,name -S calls " + waitsOnly), ordered: true},
	{args: fields("-c -w " + waitsOnly)},
	{args: fields("-c --summary-wall-clock " + waitsOnly)},
	{args: fields("-c -O 1us " + waitsOnly)},
	{args: fields("-c -O0.000001 -w " + waitsOnly)},
	{args: fields("--summary-syscall-overhead=1ms -c " + waitsOnly)},
	{args: fields("-c -i -k -n -r -t -T -y " + waitsOnly)},
	{args: fields("-C -T " + waitsOnly)},
	{args: fields("-S calls " + waitsOnly)},

	// Startup.
	{args: fields("-E CMDLINE_VAR=set " + waitsOnly)},
	{args: fields("--env=CMDLINE_VAR=long " + waitsOnly)},
	{args: fields("--env CMDLINE_VAR=separate " + waitsOnly)},
	{args: fields("-E CMDLINE_VAR " + waitsOnly), env: []string{"CMDLINE_VAR=outer"}},
	{args: fields("-u nobody " + waitsOnly), root: true},
	{args: fields("-u nobody -f " + waitsOnly), root: true},
	{args: fields("--user=nobody " + waitsOnly), root: true},
	{args: fields("-I 1 " + waitsOnly)},
	{args: fields("-I2 " + waitsOnly)},
	{args: fields("-I 3 -f " + waitsOnly)},
	{args: fields("-I4 " + waitsOnly)},
	{args: fields("--interruptible=never " + waitsOnly)},
	{args: fields("--interruptible waiting " + waitsOnly)},
	{args: fields("-D " + waitsOnly)},
	{args: fields("-DD -f " + waitsOnly)},
	{args: fields("-DDD " + waitsOnly)},
	{args: fields("--daemonize " + waitsOnly)},
	{args: fields("--daemonize=pgroup " + waitsOnly)},
	{args: fields("--daemonize=session -o trace.out " + waitsOnly)},
	{args: fields("-f " + waitsOnly), mode: "exec"},
	{args: fields("-b execve -f " + waitsOnly), mode: "exec"},
	{args: fields("--detach-on=execve -f " + waitsOnly), mode: "exec"},
	{args: fields("--seccomp-bpf -f " + waitsOnly)},
	{args: fields("-f --seccomp-bpf -qq " + waitsOnly), mode: "signals"},
	{args: fields("--seccomp-bpf " + waitsOnly)},
	{args: fields("-d -o trace.out " + waitsOnly), noStderr: "-d: each tracer's own debug output"},

	// Stack traces.
	{args: fields("-k " + waitsOnly)},
	{args: fields("--stack-traces -f " + waitsOnly)},

	// Tampering.
	{args: fields("-e inject=wait4:error=EINTR:when=1 " + waitsOnly)},
	{args: fields("-e inject=waitid:retval=0:when=2 " + waitsOnly)},
	{args: fields("-e fault=wait4:error=ECHILD:when=2+ " + waitsOnly)},
	{args: fields("--fault=waitid " + waitsOnly)},
	{args: fields("--inject=wait4:signal=SIGUSR1:when=1 -f " + waitsOnly), mode: "signals"},
	{args: fields("-e inject=wait4:delay_exit=10ms " + waitsOnly)},

	// Prefixes, long forms and bundles.
	{args: fields("--no-abb " + waitsOnly)},
	{args: fields("--syscall-t=ns " + waitsOnly)},
	{args: fields("--succ " + waitsOnly)},
	{args: fields("--inst " + waitsOnly)},
	{args: fields("--summary-o " + waitsOnly)},
	{args: fields("--rel=ms " + waitsOnly)},
	{args: fields("-fvT -a30 " + waitsOnly), column: 30},
	{args: fields("-qfe trace=wait4")},
	{args: fields("-ftto trace.out " + waitsOnly)},
}

// The name of a row is its command line.
func (tc cmdlineCase) name() string {
	s := strings.Join(tc.args, " ")
	if tc.mode != "" {
		s += " [" + tc.mode + "]"
	}
	return s
}

var (
	cmdlineOnce     sync.Once
	cmdlineBin      string
	cmdlineBuildErr error
)

// cmdlineFixture builds testdata/cmdline.c once, or skips without gcc.
func cmdlineFixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	cmdlineOnce.Do(func() {
		cmdlineBin = filepath.Join(buildDir, "cmdline")
		out, err := exec.Command("gcc", "-O0", "-Wall", "-o", cmdlineBin, filepath.Join("..", "testdata", "cmdline.c")).CombinedOutput()
		if err != nil {
			cmdlineBuildErr = fmt.Errorf("gcc testdata/cmdline.c: %v\n%s", err, out)
			return
		}
		cmdlineBuildErr = os.Chmod(cmdlineBin, buildDirMode)
	})
	if cmdlineBuildErr != nil {
		t.Fatal(cmdlineBuildErr)
	}
	return cmdlineBin
}

// cmdlineRun is what one tracer did with one row.
type cmdlineRun struct {
	argv           []string
	stdout, stderr string
	files          map[string]string // what the run's directory holds after
	pids           map[string]string // pid -> its name in the pids file
	status         syscall.WaitStatus
}

// runCmdline runs bin with the row's options over the fixture, in a
// directory of its own (relative -o names land there).
func runCmdline(t *testing.T, bin string, tc cmdlineCase) cmdlineRun {
	t.Helper()
	fix := cmdlineFixture(t)
	dir := workDir(t)
	for name, content := range tc.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	pidFile := filepath.Join(dir, "pids")
	if err := os.WriteFile(pidFile, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(pidFile, 0o666) // for -u nobody, whatever the umask
	mode := tc.mode
	if mode == "" {
		mode = "calls"
	}
	argv := append(append([]string{bin}, tc.args...), fix, mode)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	env := append([]string{"CMDLINE_PIDS=pids"}, tc.env...)
	cmd := command(t, ctx, asSelf.prepare(t), dir, env, argv...)
	cmd.Env = withoutVar(cmd.Env, "CMDLINE_VAR", tc.env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v\nstderr:\n%s", strings.Join(argv, " "), runTimeout, stderr.Bytes())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%s: %v\nstderr:\n%s", strings.Join(argv, " "), err, stderr.Bytes())
	}
	r := cmdlineRun{argv: argv, stdout: stdout.String(), stderr: stderr.String(),
		files: map[string]string{}, pids: map[string]string{},
		status: cmd.ProcessState.Sys().(syscall.WaitStatus)}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "pids" {
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if name, pid, ok := strings.Cut(l, " "); ok {
					r.pids[pid] = name
				}
			}
			continue
		}
		r.files[e.Name()] = string(b)
	}
	return r
}

// withoutVar removes name from env unless the row sets it: the
// fixture's $CMDLINE_VAR comes only from the row (-E, or its env).
func withoutVar(env []string, name string, rowEnv []string) []string {
	var out []string
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			continue
		}
		out = append(out, kv)
	}
	for _, kv := range rowEnv {
		if strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

var (
	// traceCallName finds the call a trace line is about, after the
	// prefixes: "PID ", "PID<comm> ", "[pid N] ", "[pid N<comm>] ",
	// times ("14:03:37.123456 (+     0.000050) "), -n's "[  61] " and
	// -i's "[00007f...] ".
	traceCallName = regexp.MustCompile(`^(?:\d+(?:<[^>]*>)? +)?(?:\[pid +\d+(?:<[^>]*>)?\] )?(?:[\d.:]+ +)*(?:\(\+ *[\d.]+\) )?(?:\[[ 0-9a-f?]+\] )*(?:<\.\.\. ([a-z_0-9]+) resumed>|([a-z_0-9]+)\()`)
	ipField       = regexp.MustCompile(`\[[0-9a-f]{16}\]`)
	address       = regexp.MustCompile(`\b0x[0-9a-f]{7,}\b`)
	rusageValue   = regexp.MustCompile(`\b(tv_sec|tv_usec|ru_[a-z]+)=\d+`)
	clockValue    = regexp.MustCompile(`\b(si_utime|si_stime)=\d+(?: /\* \d+\.\d+ s \*/)?`)
	fraction      = regexp.MustCompile(`\b\d+\.\d+\b`)
	clockTime     = regexp.MustCompile(`\b\d\d:\d\d:\d\d(?:\.\d+)?\b`)
	unixSeconds   = regexp.MustCompile(`\b\d{10}\b`)
	decimal       = regexp.MustCompile(`\b\d+\b`)
	hexadecimal   = regexp.MustCompile(`\b0x[0-9a-f]+\b`)
	pidPrefix     = regexp.MustCompile(`\[pid +<`)
	leadingPid    = regexp.MustCompile(`^(<[A-Z]+>) +`)
	tracerName    = regexp.MustCompile(`(?m)^(?:/\S*/)?(?:strace|waittrace): `)
	// libraryFrame is a -k frame in a system library: its function is
	// masked, since waittrace names a stripped library's functions from
	// its debug file where one is installed (libc6-dbg), and strace
	// (libunwind) after the nearest exported symbol (stack/doc.go, "Where
	// this differs from strace"). The address must still agree.
	libraryFrame = regexp.MustCompile(`^( > /(?:usr/)?lib\S*)\([^ ]*\)( \[0x[0-9a-f]+\])`)
	dashLine     = regexp.MustCompile(`^-+( -+)+$`)
)

func digitsToN(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'N'
		}
		return r
	}, s)
}

// normalize masks what differs between two runs in text, a trace or the
// fixture's output, and checks the padding before "= " (at column; -1:
// not checked) on the raw lines. strace's lines of other calls go.
func normalize(t *testing.T, who, what, text string, pids map[string]string, column int, dropOthers, ordered bool) string {
	t.Helper()
	// Pids in hexadecimal are the tracers' (-X raw, -e raw=); the
	// fixture's stdout prints wait statuses in hexadecimal, which a small
	// pid (0x300 is 768) would mask there.
	hexPids := map[string]string{}
	for pid, name := range pids {
		n, _ := strconv.Atoi(pid)
		if what != "stdout" {
			hexPids[fmt.Sprintf("0x%x", n)] = name
		}
	}
	lines := strings.SplitAfter(text, "\n")
	var out []string
	dropping := false
	for _, l := range lines {
		if l == "" {
			continue
		}
		if dropOthers {
			if m := traceCallName.FindStringSubmatch(l); m != nil {
				name := m[1] + m[2]
				dropping = name != "wait4" && name != "waitid" && name != "waitpid"
			} else if !strings.HasPrefix(l, " > ") {
				dropping = false
			}
			if dropping {
				continue
			}
		}
		if column >= 0 {
			if m := returnPad.FindStringSubmatchIndex(l); m != nil {
				lead, pad := m[3], m[5]-m[4]
				if want := max(1, column-lead); pad != want {
					t.Errorf("%s, %s: %d spaces before \"= \", want %d (column %d): %q", who, what, pad, want, column, l)
				}
				l = l[:m[3]] + " " + l[m[5]:]
			}
		}
		l = libraryFrame.ReplaceAllString(l, "$1(FUNCTION)$2")
		l = ipField.ReplaceAllString(l, "[IP]")
		l = hexadecimal.ReplaceAllStringFunc(l, func(h string) string {
			if name, ok := hexPids[h]; ok {
				return "<" + name + ">"
			}
			return h
		})
		l = address.ReplaceAllString(l, "0xADDR")
		l = rusageValue.ReplaceAllString(l, "$1=N")
		l = clockValue.ReplaceAllString(l, "$1=N")
		// The whole time of day, hours and minutes too: the two runs may
		// straddle a minute.
		l = clockTime.ReplaceAllStringFunc(l, digitsToN)
		l = fraction.ReplaceAllStringFunc(l, digitsToN)
		l = unixSeconds.ReplaceAllStringFunc(l, digitsToN)
		l = decimal.ReplaceAllStringFunc(l, func(d string) string {
			if name, ok := pids[d]; ok {
				return "<" + name + ">"
			}
			return d
		})
		l = pidPrefix.ReplaceAllString(l, "[pid <")
		l = leadingPid.ReplaceAllString(l, "$1 ")
		out = append(out, l)
	}
	out = summaryTables(out, ordered)
	return tracerName.ReplaceAllString(strings.Join(out, ""), "TRACER: ")
}

// summaryTables masks the time columns of each -c table (found by its
// first dashed rule, the header above it naming the columns), squeezes
// the spaces of its rows, and, unless ordered, sorts the rows between its
// rules: sorted by time, their order is not the same from run to run.
func summaryTables(lines []string, ordered bool) []string {
	out := append([]string(nil), lines...)
	for i := 1; i < len(out); i++ {
		rule := strings.TrimSuffix(out[i], "\n")
		if !dashLine.MatchString(rule) {
			continue
		}
		header := strings.TrimSuffix(out[i-1], "\n")
		type span struct{ from, to int }
		var spans []span
		var timeCol []bool
		for j := 0; j < len(rule); {
			k := j
			for k < len(rule) && rule[k] == '-' {
				k++
			}
			spans = append(spans, span{j, k})
			name := ""
			if j < len(header) {
				name = header[j:min(k, len(header))]
			}
			timeCol = append(timeCol, strings.Contains(name, "time") || strings.Contains(name, "seconds") ||
				strings.Contains(name, "usecs") || strings.Contains(name, "shortest") || strings.Contains(name, "longest"))
			j = k + 1
		}
		// The rows, up to a blank line or the end; the first run of
		// them (up to the next rule) is sorted.
		start, end := i+1, -1
		j := start
		for ; j < len(out); j++ {
			row := strings.TrimSuffix(out[j], "\n")
			if row == "" {
				break
			}
			if dashLine.MatchString(row) {
				if end < 0 {
					end = j
				}
				continue
			}
			var cells []string
			for c, sp := range spans {
				cell := ""
				switch {
				case sp.from >= len(row):
				case c == len(spans)-1:
					cell = strings.TrimSpace(row[sp.from:])
				default:
					cell = strings.TrimSpace(row[sp.from:min(sp.to, len(row))])
				}
				if timeCol[c] && cell != "" {
					cell = "T"
				}
				cells = append(cells, cell)
			}
			out[j] = strings.Join(cells, " ") + "\n"
		}
		if end < 0 {
			end = j
		}
		if !ordered {
			sort.Strings(out[start:end])
		}
		i = j
	}
	return out
}

// cmdlineReport is everything compared of one run, normalized.
func cmdlineReport(t *testing.T, who string, tc cmdlineCase, r cmdlineRun) string {
	t.Helper()
	column := 40
	if tc.column != 0 || hasColumnsArg(tc.args) {
		column = tc.column
	}
	drop := who == "strace"
	var b strings.Builder
	switch {
	case r.status.Exited():
		fmt.Fprintf(&b, "exit status %d\n", r.status.ExitStatus())
	case r.status.Signaled():
		fmt.Fprintf(&b, "killed by %v\n", r.status.Signal())
	default:
		fmt.Fprintf(&b, "ended %v\n", r.status)
	}
	b.WriteString("--- fixture's stdout\n")
	b.WriteString(normalize(t, who, "stdout", r.stdout, r.pids, -1, false, true))
	if tc.noStderr == "" {
		b.WriteString("--- stderr\n")
		b.WriteString(normalize(t, who, "stderr", r.stderr, r.pids, column, drop, tc.ordered))
	}
	var names []string
	files := map[string]string{}
	for name, content := range r.files {
		masked := name
		if base, pid, ok := strings.Cut(name, "."); ok {
			if p, ok := r.pids[pid]; ok {
				masked = base + ".<" + p + ">"
			}
		}
		names = append(names, masked)
		files[masked] = content
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString("--- file " + name + "\n")
		b.WriteString(normalize(t, who, name, files[name], r.pids, column, drop, tc.ordered))
	}
	return b.String()
}

// hasColumnsArg says whether the row sets the column (-a, --columns),
// so that a column of 0 is the row's.
func hasColumnsArg(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-a") || strings.HasPrefix(a, "--col") {
			return true
		}
	}
	return false
}

// TestCmdline runs every row under strace and waittrace and compares.
func TestCmdline(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the differential test compares with strace on linux/amd64, not %s", runtime.GOARCH)
	}
	if len(cmdlineCases) < 40 {
		t.Fatalf("only %d rows", len(cmdlineCases))
	}
	seen := map[string]bool{}
	for _, tc := range cmdlineCases {
		name := tc.name()
		if seen[name] {
			t.Errorf("row %q twice", name)
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.root && os.Geteuid() != 0 {
				t.Skip("-u needs root (as strace's does), and this test runs as uid " + strconv.Itoa(os.Geteuid()))
			}
			st := tracer{"strace", stracePath, nil}.use(t)
			wt := tracer{"waittrace", "", nil}.use(t)
			want := cmdlineReport(t, "strace", tc, runCmdline(t, st, tc))
			run := runCmdline(t, wt, tc)
			got := cmdlineReport(t, "waittrace", tc, run)
			if got != want {
				t.Errorf("%s differs from strace's run (-strace +waittrace):\n%s", strings.Join(run.argv, " "), lineDiff(want, got))
			}
		})
	}
}

// cmdlineRefusal is a command line waittrace refuses: with exit status 2
// and one line on stderr, saying why.
type cmdlineRefusal struct {
	args []string
	// strace: "accepts" it (an option that cannot apply to the wait
	// calls: strace must trace the fixture to its end), "refuses" it too
	// (a usage error: strace must fail; the default), or "any" (strace's
	// build decides: --secontext needs SELinux support).
	strace string
	// why: what waittrace's line must say (case-insensitive).
	why  string
	root bool
}

var cmdlineRefusals = []cmdlineRefusal{
	// Options that cannot apply to the wait calls.
	{args: fields("-P /tmp"), strace: "accepts", why: "paths"},
	{args: fields("-P/tmp -f"), strace: "accepts", why: "paths"},
	{args: fields("--trace-path=/tmp"), strace: "accepts", why: "paths"},
	{args: fields("--trace-path /tmp"), strace: "accepts", why: "paths"},
	{args: fields("-e read=1"), strace: "accepts", why: "read none"},
	{args: fields("-e reads=all"), strace: "accepts", why: "read none"},
	{args: fields("-e r=0"), strace: "accepts", why: "read none"},
	{args: fields("--read=1"), strace: "accepts", why: "read none"},
	{args: fields("-e write=2"), strace: "accepts", why: "write none"},
	{args: fields("-e writes=all"), strace: "accepts", why: "write none"},
	{args: fields("--write=1,2"), strace: "accepts", why: "write none"},
	{args: fields("-e kvm=vcpu"), strace: "accepts", why: "kvm"},
	{args: fields("--kvm=vcpu"), strace: "accepts", why: "kvm"},
	{args: fields("--tips"), strace: "accepts", why: "tips"},
	{args: fields("--tips=id:1,format:full"), strace: "accepts", why: "tips"},
	{args: fields("--secontext"), strace: "any", why: "selinux"},
	{args: fields("--secontext=full"), strace: "any", why: "selinux"},
	{args: fields("-e secontext=mismatch"), strace: "any", why: "selinux"},
	{args: fields("-e trace=open"), strace: "accepts", why: "wait4, waitid and waitpid"},
	{args: fields("-e trace=wait4,execve"), strace: "accepts", why: "wait4, waitid and waitpid"},
	{args: fields("--trace=!open"), strace: "accepts", why: "wait4, waitid and waitpid"},
	{args: fields("-e abbrev=open"), strace: "accepts", why: "-e abbrev=open"},
	{args: fields("-e raw=clone"), strace: "accepts", why: "-e raw=clone"},

	// Usage errors, strace's as well.
	{args: fields("-c -C"), strace: "refuses", why: "mutually exclusive"},
	{args: fields("-C --summary-only"), strace: "refuses", why: "mutually exclusive"},
	{args: fields("-f --follow-forks"), strace: "refuses", why: "simultaneously"},
	{args: fields("-ff --output-separately -o trace"), strace: "refuses", why: "simultaneously"},
	{args: fields("-t --absolute-timestamps"), strace: "refuses", why: "simultaneously"},
	{args: fields("-x --strings-in-hex"), strace: "refuses", why: "simultaneously"},
	{args: fields("-y --decode-fds"), strace: "refuses", why: "simultaneously"},
	{args: fields("-y -e decode-fds=path"), strace: "refuses", why: "simultaneously"},
	{args: fields("-q --quiet=exit"), strace: "refuses", why: "simultaneously"},
	{args: fields("-D --daemonize"), strace: "refuses", why: "simultaneously"},
	{args: fields("-DDDD"), strace: "refuses", why: "-D"},
	{args: fields("-w"), strace: "refuses", why: "-c"},
	{args: fields("-U calls"), strace: "refuses", why: "-c"},
	{args: fields("-c -ff -o trace"), strace: "refuses", why: "mutually exclusive"},
	{args: []string{"-ff", "-o", "|cat"}, strace: "refuses", why: "mutually exclusive"},
	{args: fields("-b open"), strace: "refuses", why: "execve"},
	{args: fields("-a x"), strace: "refuses", why: "-a x"},
	{args: fields("-I 5"), strace: "refuses", why: "-I 5"},
	{args: fields("-I sometimes"), strace: "refuses", why: "-I sometimes"},
	{args: fields("-X hex"), strace: "refuses", why: "-X hex"},
	{args: fields("-s x"), strace: "refuses", why: "-s x"},
	{args: fields("-S bogus -c"), strace: "refuses", why: "-S bogus"},
	{args: fields("-O bogus -c"), strace: "refuses", why: "-O bogus"},
	{args: fields("-U calls,bogus -c"), strace: "refuses", why: "-U calls,bogus"},
	{args: fields("--absolute-timestamps=bogus"), strace: "refuses", why: "--absolute-timestamps"},
	{args: fields("--relative-timestamps=xs"), strace: "refuses", why: "--relative-timestamps"},
	{args: fields("--syscall-times=xs"), strace: "refuses", why: "--syscall-times"},
	{args: fields("--daemonize=bogus"), strace: "refuses", why: "--daemonize"},
	{args: fields("-e status=bogus"), strace: "refuses", why: "bogus"},
	{args: fields("-e signal=SIGFOO"), strace: "refuses", why: "SIGFOO"},
	{args: fields("-e quiet=bogus"), strace: "refuses", why: "bogus"},
	{args: fields("-e decode-pids=bogus"), strace: "refuses", why: "bogus"},
	{args: fields("-e trace=/(")}, // strace: regcomp error
	{args: fields("-e trace=")},
	{args: fields("-e frob=1"), why: "frob"},
	{args: fields("--foo"), strace: "refuses", why: "--foo"},
	{args: fields("-j"), strace: "refuses", why: "'j'"},
	{args: fields("--outp=x"), strace: "refuses", why: "ambiguous"},
	{args: fields("--follow-forks=yes"), strace: "refuses", why: "argument"},
	{args: fields("-p 0"), strace: "refuses", why: "process id"},
	{args: fields("-p 1,x"), strace: "refuses", why: "process id"},
	{args: fields("-u no-such-user-xyz"), strace: "refuses", why: "no-such-user-xyz", root: true},
	{args: fields("-e inject=wait4"), strace: "refuses", why: "inject"},
	{args: fields("-e inject=wait4:error=EBOGUS"), strace: "refuses", why: "EBOGUS"},
	{args: fields("-e fault=wait4:when=0"), strace: "refuses", why: "when"},
	{args: fields("--inject=open:error=EINTR"), strace: "accepts", why: "wait4, waitid and waitpid"},
}

func (r cmdlineRefusal) name() string { return strings.Join(r.args, " ") }

// TestCmdlineRefused: what waittrace refuses, it refuses in one line
// that says why, with exit status 2, never with urfave's "flag provided
// but not defined"; strace accepts the options that cannot apply, and
// refuses the usage errors too.
func TestCmdlineRefused(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the fixture's expectations are for linux/amd64, not %s", runtime.GOARCH)
	}
	for _, r := range cmdlineRefusals {
		if r.strace == "" {
			r.strace = "refuses"
		}
		t.Run(r.name(), func(t *testing.T) {
			t.Parallel()
			if r.root && os.Geteuid() != 0 {
				t.Skip("-u needs root (as strace's does), and this test runs as uid " + strconv.Itoa(os.Geteuid()))
			}
			tc := cmdlineCase{args: append(append([]string(nil), r.args...), waitsOnly)}
			wt := runCmdline(t, tracer{"waittrace", "", nil}.use(t), tc)
			line := strings.TrimSuffix(wt.stderr, "\n")
			switch {
			case !wt.status.Exited() || wt.status.ExitStatus() != 2:
				t.Errorf("waittrace %s: %v, want exit status 2\nstderr:\n%s", r.name(), wt.status, wt.stderr)
			case strings.Contains(line, "\n") || !strings.HasSuffix(wt.stderr, "\n") || !strings.HasPrefix(line, "waittrace: "):
				t.Errorf("waittrace %s: want one line \"waittrace: ...\" on stderr, got:\n%s", r.name(), wt.stderr)
			case strings.Contains(line, "flag provided but not defined"):
				t.Errorf("waittrace %s: urfave's message: %s", r.name(), line)
			case !strings.Contains(strings.ToLower(line), strings.ToLower(r.why)):
				t.Errorf("waittrace %s: %q does not say %q", r.name(), line, r.why)
			}
			if wt.stdout != "" || len(wt.pids) != 0 {
				t.Errorf("waittrace %s ran the fixture (stdout %q)", r.name(), wt.stdout)
			}
			st := runCmdline(t, tracer{"strace", stracePath, nil}.use(t), tc)
			ran := st.status.Exited() && st.status.ExitStatus() == 7
			switch {
			case r.strace == "accepts" && !ran:
				t.Errorf("strace %s: %v, want it to trace the fixture (exit status 7)\nstderr:\n%s", r.name(), st.status, st.stderr)
			case r.strace == "refuses" && (ran || st.status.Exited() && st.status.ExitStatus() == 0):
				t.Errorf("strace %s: %v, want it to refuse the command line\nstderr:\n%s", r.name(), st.status, st.stderr)
			}
		})
	}
}

// TestHelp: --help in strace's spellings, every -e class, the exit
// statuses and examples, without urfave's "(default: ...)"; -h is the
// same; the man page is roff that groff renders without a warning; the
// bash completion is valid bash (and zsh's valid zsh).
func TestHelp(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := command(t, ctx, asSelf.prepare(t), t.TempDir(), nil, append([]string{bin}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("waittrace %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		if stderr.Len() != 0 {
			t.Errorf("waittrace %s wrote on stderr:\n%s", strings.Join(args, " "), stderr.Bytes())
		}
		return stdout.String()
	}
	help := run(t, "--help")
	t.Run("help", func(t *testing.T) {
		if !strings.HasPrefix(help, "waittrace ") {
			t.Fatalf("--help is not waittrace's help text (urfave's own?):\n%.300s", help)
		}
		for _, want := range []string{
			// strace's spellings.
			"-f, -ff", "-q, -qq, -qqq", "-t, -tt, -ttt", "-y, -yy", "-D, -DD, -DDD",
			"-o FILE", "-p PID", "-e EXPR", "-a COLUMN", "-s STRSIZE", "-x, -xx", "-I INTERRUPTIBLE",
			"-u USER", "-E VAR=VAL", "-b execve", "-k", "-c", "-C", "-w", "-S SORTBY", "-U COLUMNS",
			"-O OVERHEAD", "-r", "-T", "-v", "-X raw", "-n", "-i", "-Y", "-z", "-Z", "-A", "--seccomp-bpf",
			"--absolute-timestamps", "--relative-timestamps", "--syscall-times",
			// Every -e class.
			"trace=", "signal=", "status=", "quiet=", "abbrev=", "verbose=", "raw=", "inject=",
			"fault=", "decode-fds=", "decode-pids=", "read=", "write=", "kvm=", "--secontext",
			// Exit statuses and examples.
			"Exit status:", "126", "127", "Examples:",
		} {
			if !strings.Contains(help, want) {
				t.Errorf("--help lacks %q", want)
			}
		}
		for _, l := range strings.Split(help, "\n") {
			if strings.Contains(l, "(default: ") || strings.Contains(l, "default: false") {
				t.Errorf("--help has urfave's default noise: %q", l)
			}
			if len(l) > 79 {
				t.Errorf("--help line longer than 79 columns (%d): %q", len(l), l)
			}
		}
		for _, code := range []string{"1", "2", "3", "4", "5", "126", "127"} {
			if !regexp.MustCompile(`(?m)^\s+` + code + `\s+\S`).MatchString(help[strings.Index(help, "Exit status:")+1:]) {
				t.Errorf("--help's exit statuses lack %s", code)
			}
		}
		if h := run(t, "-h"); h != help {
			t.Errorf("-h differs from --help:\n%s", lineDiff(help, h))
		}
	})
	t.Run("man", func(t *testing.T) {
		man := run(t, "--generate-man")
		if !strings.HasPrefix(man, ".TH WAITTRACE 1") {
			t.Fatalf("--generate-man does not start with .TH:\n%.200s", man)
		}
		groff, err := exec.LookPath("groff")
		if err != nil {
			t.Skip("groff not installed: cannot check that the man page renders without warnings")
		}
		// -P-cbou: plain text, no overstriking for bold.
		cmd := exec.Command(groff, "-man", "-Tutf8", "-P-cbou", "-ww")
		cmd.Stdin = strings.NewReader(man)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stderr.Len() != 0 {
			t.Errorf("groff -man -Tutf8 -ww: %v, warnings:\n%s", err, stderr.Bytes())
		}
		for _, want := range []string{"EXIT STATUS", "-ff", "-qq", "-tt"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("the rendered man page lacks %q", want)
			}
		}
	})
	for _, shell := range []string{"bash", "zsh"} {
		t.Run("completion-"+shell, func(t *testing.T) {
			script := run(t, "--generate-completion="+shell)
			sh, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s not installed: cannot check the completion script's syntax", shell)
			}
			cmd := exec.Command(sh, "-n")
			cmd.Stdin = strings.NewReader(script)
			if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
			for _, want := range []string{"-ff", "-qq", "--follow-forks", "--seccomp-bpf"} {
				if !strings.Contains(script, want) {
					t.Errorf("the %s completion lacks %q", shell, want)
				}
			}
		})
	}
}

// TestCmdlineUserPair: strace 6.9's -u UID:GID (no lookup, no
// supplementary groups), which the strace 6.1 of the differential test
// does not know: the fixture runs with those ids and traces as with -u
// nobody.
func TestCmdlineUserPair(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("-u needs root (as strace's does), and this test runs as uid " + strconv.Itoa(os.Geteuid()))
	}
	wt := tracer{"waittrace", "", nil}.use(t)
	pair := runCmdline(t, wt, cmdlineCase{args: fields("-u 65534:65534 " + waitsOnly)})
	if !strings.HasPrefix(pair.stdout, "mode calls, uid 65534,") || !pair.status.Exited() || pair.status.ExitStatus() != 7 {
		t.Fatalf("-u 65534:65534: %v, stdout:\n%s\nstderr:\n%s", pair.status, pair.stdout, pair.stderr)
	}
	named := runCmdline(t, wt, cmdlineCase{args: fields("-u nobody " + waitsOnly)})
	tc := cmdlineCase{args: fields("-u nobody " + waitsOnly)}
	if got, want := cmdlineReport(t, "waittrace", tc, pair), cmdlineReport(t, "waittrace", tc, named); got != want {
		t.Errorf("-u 65534:65534 differs from -u nobody (-nobody +65534:65534):\n%s", lineDiff(want, got))
	}
	out := runCmdline(t, wt, cmdlineCase{args: fields("-u 65534:x " + waitsOnly)})
	if line := strings.TrimSuffix(out.stderr, "\n"); !out.status.Exited() || out.status.ExitStatus() != 2 || strings.Contains(line, "\n") || !strings.Contains(line, "65534:x") {
		t.Errorf("-u 65534:x: %v, want exit status 2 and one line naming it:\n%s", out.status, out.stderr)
	}
}
