//go:build linux

package cli

// Unit tests of the command line: -e, -p, --color, command lookup, and run()
// end to end for the user errors that stop waittrace before it launches or
// attaches anything. (run() must never launch a command here: the launch
// helper re-executes /proc/self/exe, which is this test binary, and it
// does not dispatch to ptrace.RunHelper.)

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// wantExitError checks that err is an *exitError with the given code whose
// message contains every one of parts.
func wantExitError(t *testing.T, err error, code int, parts ...string) {
	t.Helper()
	var ee *exitError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T), want an *exitError", err, err)
	}
	if ee.code != code {
		t.Errorf("exit code %d, want %d (%q)", ee.code, code, ee.msg)
	}
	for _, p := range parts {
		if !strings.Contains(ee.msg, p) {
			t.Errorf("message %q does not contain %q", ee.msg, p)
		}
	}
	if strings.Contains(ee.msg, "\n") {
		t.Errorf("message %q is not one line", ee.msg)
	}
}

// traceOf reads -e expressions (or --trace= ones) as the command line
// does and returns the calls they select.
func traceOf(exprs []string) ([]syscalls.Call, error) {
	s := &settings{calls: syscalls.Calls()}
	var matches []GetoptMatch
	for _, e := range exprs {
		if v, ok := strings.CutPrefix(e, "--trace="); ok {
			matches = append(matches, GetoptMatch{Name: "trace", Spelling: "--trace", Value: v, HasValue: true})
			continue
		}
		matches = append(matches, GetoptMatch{Name: "e", Spelling: "-e", Value: e, HasValue: true})
	}
	err := s.qualify(matches)
	return s.calls, err
}

func TestParseTrace(t *testing.T) {
	all := []syscalls.Call{syscalls.Wait4, syscalls.Waitid, syscalls.Waitpid}
	tests := []struct {
		exprs []string
		want  []syscalls.Call
		err   []string // parts of the error message; nil: no error
	}{
		{exprs: nil, want: all},
		{exprs: []string{"trace=wait4"}, want: []syscalls.Call{syscalls.Wait4}},
		{exprs: []string{"trace=wait4,waitid"}, want: []syscalls.Call{syscalls.Wait4, syscalls.Waitid}},
		{exprs: []string{"trace=waitpid,wait4"}, want: []syscalls.Call{syscalls.Wait4, syscalls.Waitpid}},
		{exprs: []string{"trace=wait4,wait4"}, want: []syscalls.Call{syscalls.Wait4}},
		{exprs: []string{"waitid"}, want: []syscalls.Call{syscalls.Waitid}},
		{exprs: []string{"trace=!wait4"}, want: []syscalls.Call{syscalls.Waitid, syscalls.Waitpid}},
		{exprs: []string{"!waitpid"}, want: []syscalls.Call{syscalls.Wait4, syscalls.Waitid}},
		{exprs: []string{"trace=!wait4,waitid"}, want: []syscalls.Call{syscalls.Waitpid}},
		{exprs: []string{"trace=all"}, want: all},
		{exprs: []string{"trace=!all"}, want: nil},
		// strace 6.1 accepts these too.
		{exprs: []string{"trace=none"}, want: nil},
		{exprs: []string{"trace=wait4,"}, want: []syscalls.Call{syscalls.Wait4}},
		{exprs: []string{"trace=wait4,,waitid"}, want: []syscalls.Call{syscalls.Wait4, syscalls.Waitid}},
		{exprs: []string{"t=wait4"}, want: []syscalls.Call{syscalls.Wait4}},
		{exprs: []string{"trace=wait4, waitid"}, want: []syscalls.Call{syscalls.Wait4, syscalls.Waitid}},
		// A later -e trace= replaces an earlier one, as in strace.
		{exprs: []string{"trace=wait4", "trace=waitid"}, want: []syscalls.Call{syscalls.Waitid}},
		{exprs: []string{"trace=none", "trace=all"}, want: all},

		{exprs: []string{"trace=open"}, err: []string{"open", "wait4, waitid and waitpid"}},
		{exprs: []string{"trace=wait4,open"}, err: []string{"open", "wait4, waitid and waitpid"}},
		{exprs: []string{"trace=!open"}, err: []string{"open", "wait4, waitid and waitpid"}},
		{exprs: []string{"trace=WAIT4"}, err: []string{"WAIT4", "wait4, waitid and waitpid"}},
		{exprs: []string{"trace=%process"}, want: all},
		{exprs: []string{"trace=%file"}, want: nil},
		{exprs: []string{"trace=/^wait4$"}, want: []syscalls.Call{syscalls.Wait4}},
		{exprs: []string{"trace=/wait"}, want: all},
		{exprs: []string{"trace=?open,wait4"}, want: []syscalls.Call{syscalls.Wait4}},
		{exprs: []string{"--trace=waitid"}, want: []syscalls.Call{syscalls.Waitid}},
		{exprs: []string{"trace=wait4", "--trace=waitid"}, want: []syscalls.Call{syscalls.Waitid}},
		{exprs: []string{"--trace=waitid", "trace=wait4"}, want: []syscalls.Call{syscalls.Wait4}},
		{exprs: []string{"trace="}, err: []string{"wait4, waitid and waitpid"}},
		{exprs: []string{"trace=,"}, err: []string{"wait4, waitid and waitpid"}},
		{exprs: []string{"trace=wait4", "trace=open"}, err: []string{"open"}},
		{exprs: []string{"signal=none"}, want: all},
		{exprs: []string{"abbrev=none"}, want: all},
		{exprs: []string{"frob=wait4"}, err: []string{"unknown qualifier class", "frob"}},
		{exprs: []string{"read=3"}, err: []string{"-e read=3", "the wait calls read none"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.exprs, " "), func(t *testing.T) {
			got, err := traceOf(tc.exprs)
			if tc.err != nil {
				if err == nil {
					t.Fatalf("parseTrace(%q) = %v, want an error", tc.exprs, got)
				}
				wantExitError(t, err, ExitUsage, tc.err...)
				return
			}
			if err != nil {
				t.Fatalf("parseTrace(%q): %v", tc.exprs, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("parseTrace(%q) = %v, want %v", tc.exprs, got, tc.want)
			}
		})
	}
}

// FuzzParseTrace: parseTrace never panics, fails only with a one-line usage
// error, and accepts only subsets of the wait family, in their stable order.
// The input is split at NUL bytes into several -e expressions.
func FuzzParseTrace(f *testing.F) {
	for _, s := range []string{
		"", "trace=wait4", "trace=wait4,waitid", "waitid", "trace=!wait4", "!",
		"trace=all", "trace=!all", "trace=none", "t=wait4", "trace=open",
		"signal=none", "trace=", "trace=,", "trace=!!wait4", "=", "trace==wait4",
		"trace=wait4\x00trace=waitpid", "trace=wait4,\x00!waitid", " trace = wait4 ",
		"trace=wait4,waitid,waitpid,all,none", "trace=\xff",
	} {
		f.Add(s)
	}
	family := syscalls.Calls()
	f.Fuzz(func(t *testing.T, s string) {
		got, err := traceOf(strings.Split(s, "\x00"))
		if err != nil {
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != ExitUsage || ee.msg == "" {
				t.Fatalf("parseTrace(%q): error %v, want a usage error", s, err)
			}
			return
		}
		last := -1
		for _, c := range got {
			i := slices.Index(family, c)
			if i < 0 {
				t.Fatalf("parseTrace(%q) = %v: %v is not wait4, waitid or waitpid", s, got, c)
			}
			if i <= last {
				t.Fatalf("parseTrace(%q) = %v: repeated or out of order", s, got)
			}
			last = i
		}
	})
}

func TestParsePids(t *testing.T) {
	tests := []struct {
		vals []string
		want []int
		bad  string // the item named in the error; "" for no error
	}{
		{vals: nil, want: nil},
		{vals: []string{"1"}, want: []int{1}},
		{vals: []string{"1,2,3"}, want: []int{1, 2, 3}},
		{vals: []string{"1", "2"}, want: []int{1, 2}},
		{vals: []string{"1,2", "3"}, want: []int{1, 2, 3}},
		{vals: []string{"1 2"}, want: []int{1, 2}},
		{vals: []string{"1, 2,"}, want: []int{1, 2}},
		// Kept: strace, too, tries the second attach and reports its failure.
		{vals: []string{"7", "7"}, want: []int{7, 7}},
		{vals: []string{""}, want: nil},
		{vals: []string{"abc"}, bad: "abc"},
		{vals: []string{"0"}, bad: "0"},
		{vals: []string{"-5"}, bad: "-5"},
		{vals: []string{"1,2x"}, bad: "2x"},
		{vals: []string{"1", "x"}, bad: "x"},
		{vals: []string{"+"}, bad: "+"},
		{vals: []string{"99999999999999999999"}, bad: "99999999999999999999"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.vals, "|"), func(t *testing.T) {
			got, err := parsePids(tc.vals)
			if tc.bad != "" {
				if err == nil {
					t.Fatalf("parsePids(%q) = %v, want an error", tc.vals, got)
				}
				wantExitError(t, err, ExitUsage, "invalid process id", strconv.Quote(tc.bad))
				return
			}
			if err != nil {
				t.Fatalf("parsePids(%q): %v", tc.vals, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("parsePids(%q) = %v, want %v", tc.vals, got, tc.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "/usr/bin:/bin")

	errs := []struct {
		name string
		code int
		msg  string
	}{
		{"nosuchcmd-xyz", ExitNotFound, "nosuchcmd-xyz: command not found"},
		{dir, ExitNotExecutable, dir + ": is a directory"},
		{dir + "/", ExitNotExecutable, dir + "/: is a directory"},
		{noexec, ExitNotExecutable, noexec + ": permission denied"},
		{filepath.Join(dir, "nope"), ExitNotFound, filepath.Join(dir, "nope") + ": no such file or directory"},
		{"./nosuchcmd-xyz", ExitNotFound, "./nosuchcmd-xyz: no such file or directory"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			path, err := resolve(tc.name)
			if err == nil {
				t.Fatalf("resolve(%q) = %q, want an error", tc.name, path)
			}
			var ee *exitError
			if !errors.As(err, &ee) {
				t.Fatalf("resolve(%q): %v (%T), want an *exitError", tc.name, err, err)
			}
			if ee.code != tc.code || ee.msg != tc.msg {
				t.Errorf("resolve(%q): exit %d %q, want exit %d %q", tc.name, ee.code, ee.msg, tc.code, tc.msg)
			}
		})
	}

	t.Run("found in PATH", func(t *testing.T) {
		path, err := resolve("sh")
		if err != nil {
			t.Fatal(err)
		}
		if !filepath.IsAbs(path) || filepath.Base(path) != "sh" {
			t.Errorf("resolve(sh) = %q, want an absolute path to sh", path)
		}
	})
	t.Run("path with slash", func(t *testing.T) {
		if path, err := resolve(script); err != nil || path != script {
			t.Errorf("resolve(%q) = %q, %v; want it unchanged", script, path, err)
		}
	})
	t.Run("PATH entry dot", func(t *testing.T) {
		t.Chdir(dir)
		t.Setenv("PATH", ".")
		path, err := resolve("script")
		if err != nil {
			t.Fatalf("resolve(script) with PATH=.: %v", err)
		}
		if st, err := os.Stat(path); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("resolve(script) = %q, which is not the executable (%v)", path, err)
		}
	})
}

type colorCase struct {
	name    string
	mode    string
	noColor string // "" counts as unset
	out     *os.File
	toFile  bool
	want    bool
}

func TestColorFlag(t *testing.T) {
	regular, err := os.Create(filepath.Join(t.TempDir(), "trace"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()

	tests := []colorCase{
		{name: "never", mode: "never", out: regular, want: false},
		{name: "always", mode: "always", out: regular, want: true},
		{name: "always beats NO_COLOR", mode: "always", noColor: "1", out: regular, want: true},
		{name: "always to -o file", mode: "always", out: regular, toFile: true, want: true},
		{name: "auto not a terminal", mode: "auto", out: regular, want: false},
		{name: "auto NO_COLOR", mode: "auto", noColor: "1", out: regular, want: false},
		{name: "auto -o file", mode: "auto", out: regular, toFile: true, want: false},
	}
	if pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0); err == nil {
		defer pty.Close()
		tests = append(tests,
			colorCase{name: "auto terminal", mode: "auto", out: pty, want: true},
			colorCase{name: "auto terminal NO_COLOR", mode: "auto", noColor: "yes", out: pty, want: false},
		)
	} else {
		t.Logf("no pseudo-terminal (%v): auto on a terminal untested", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tc.noColor)
			if got := colorSetting(tc.mode, tc.out, tc.toFile); got != tc.want {
				t.Errorf("colorSetting(%q, toFile=%v, NO_COLOR=%q) = %v, want %v", tc.mode, tc.toFile, tc.noColor, got, tc.want)
			}
		})
	}
}

// TestRunUserErrors runs waittrace end to end for mistakes that stop it
// before anything is launched: the exit status and exactly one line on
// stderr.
func TestRunUserErrors(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	dir := t.TempDir()
	self := strconv.Itoa(os.Getpid())
	const usageHint = " (see waittrace --help)"
	tests := []struct {
		args []string
		code int
		line string // the one line on stderr, without "waittrace: " and "\n"
	}{
		{nil, ExitUsage, "must have COMMAND to run or -p PID" + usageHint},
		{[]string{"-f", "-v"}, ExitUsage, "must have COMMAND to run or -p PID" + usageHint},
		{[]string{"--"}, ExitUsage, "must have COMMAND to run or -p PID" + usageHint},
		{[]string{"--bogus", "true"}, ExitUsage, "unrecognized option '--bogus'" + usageHint},
		{[]string{"-Q", "true"}, ExitUsage, "invalid option -- 'Q'" + usageHint},
		{[]string{"-p"}, ExitUsage, "option requires an argument -- 'p'" + usageHint},
		{[]string{"-e"}, ExitUsage, "option requires an argument -- 'e'" + usageHint},
		{[]string{"--output"}, ExitUsage, "option '--output' requires an argument" + usageHint},
		{[]string{"--follow-forks=yes", "true"}, ExitUsage, "option '--follow-forks' doesn't allow an argument" + usageHint},
		{[]string{"--s", "true"}, ExitUsage, "option '--s' is ambiguous; possibilities: '--summary-only' '--summary' '--stack-traces' '--syscall-number' '--summary-syscall-overhead' '--string-limit' '--summary-sort-by' '--syscall-times' '--summary-columns' '--summary-wall-clock' '--strings-in-hex' '--successful-only' '--seccomp-bpf' '--signals' '--status' '--silent' '--silence' '--secontext' '--seccomp-floor'" + usageHint},
		{[]string{"-P", "/tmp", "true"}, ExitUsage, "-P: -P selects calls by the paths they use, and the wait calls use none"},
		{[]string{"-e", "read=3", "true"}, ExitUsage, "-e read=3: -e read= dumps data read from descriptors, and the wait calls read none"},
		{[]string{"--tips", "true"}, ExitUsage, "--tips: waittrace has no tips to show"},
		{[]string{"-I", "5", "true"}, ExitUsage, "-I 5: use 1 (anywhere), 2 (waiting), 3 (never) or 4 (never_tstp)"},
		{[]string{"-a", "x", "true"}, ExitUsage, "-a x: the column must be a number, 0 or more"},
		{[]string{"-X", "hex", "true"}, ExitUsage, "-X hex: use raw, abbrev or verbose"},
		{[]string{"-S", "size", "true"}, ExitUsage, "-S size: sort by time, min-time, max-time, avg-time, calls, errors, name or nothing"},
		{[]string{"-U", "calls,bogus", "true"}, ExitUsage, "-U calls,bogus: the columns are time-percent, total-time, min-time, max-time, avg-time, calls, errors, name"},
		{[]string{"-o", "", "true"}, ExitUsage, "-o: the file name is empty"},
		{[]string{"-u", "", "true"}, ExitUsage, "-u: the user name is empty"},
		{[]string{"--alert=zombie", "--alert-exit=256", "true"}, ExitUsage, "--alert-exit=256: use an exit status from 1 to 255"},
		{[]string{"--alert=zombie", "--alert-exit=0", "true"}, ExitUsage, "--alert-exit=0: use an exit status from 1 to 255"},
		{[]string{"--alert=zombie", "--alert-exit=-1", "true"}, ExitUsage, "--alert-exit=-1: use an exit status from 1 to 255"},
		{[]string{"--alert-exit=3", "true"}, ExitUsage, "--alert-exit needs --alert=LIST"},
		{[]string{"--json", "-ff", "-o", "x", "true"}, ExitUsage, "-ff writes strace's text, one file per process: it cannot be used with --output-format=json"},
		{[]string{"-e", "trace=open", "true"}, ExitUsage, "-e trace=open: waittrace traces only wait4, waitid and waitpid"},
		{[]string{"-e", "trace=wait4,open", "true"}, ExitUsage, "-e trace=open: waittrace traces only wait4, waitid and waitpid"},
		{[]string{"-e", "frob=1", "true"}, ExitUsage, `invalid -e expression "frob=1": unknown qualifier class "frob"`},
		{[]string{"-e", "signal=SIGBOGUS", "true"}, ExitUsage, `-e signal=SIGBOGUS: invalid signal "SIGBOGUS"`},
		{[]string{"-e", "status=fine", "true"}, ExitUsage, `-e status=fine: invalid status "fine": use successful, failed, unfinished, unavailable, detached`},
		{[]string{"--output-format=xml", "true"}, ExitUsage, "--output-format=xml: use text, json or table"},
		// As strace: -ff without -o is -f; with -c it is an error.
		{[]string{"-c", "-ff", "true"}, ExitUsage, "(-c/--summary-only or -C/--summary) and -ff/--output-separately are mutually exclusive"},
		{[]string{"-p", "abc"}, ExitUsage, `invalid process id: "abc"`},
		{[]string{"-p", "0"}, ExitUsage, `invalid process id: "0"`},
		{[]string{"-p", "-5"}, ExitUsage, `invalid process id: "-5"`},
		{[]string{"-p", "1,2x", "true"}, ExitUsage, `invalid process id: "2x"`},
		{[]string{"--color=sometimes", "-p", "999999999"}, ExitUsage, "--color=sometimes: use auto, always or never"},
		{[]string{"nosuchcmd-xyz"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		// Flags after COMMAND are its own; -e takes one expression.
		{[]string{"nosuchcmd-xyz", "-x", "--bogus"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		{[]string{"--", "nosuchcmd-xyz"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		{[]string{"-f", "-e", "trace=wait4,waitid", "nosuchcmd-xyz", "a"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		{[]string{"-p", "999999999", "nosuchcmd-xyz"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		{[]string{dir + "/nope"}, ExitNotFound, dir + "/nope: no such file or directory"},
		{[]string{dir}, ExitNotExecutable, dir + ": is a directory"},
		{[]string{"-o", dir + "/missing/trace", "-p", "999999999"}, ExitFailure, "cannot open -o file: open " + dir + "/missing/trace: no such file or directory"},
		{[]string{"-etrace=open", "true"}, ExitUsage, "-e trace=open: waittrace traces only wait4, waitid and waitpid"},
		{[]string{"-p", "999999999"}, ExitNoProcess, "attach to 999999999: no such process"},
		{[]string{"-q", "-p", "999999999"}, ExitNoProcess, "attach to 999999999: no such process"},
		{[]string{"-p", self}, ExitPermission, "attach to " + self + ": permission denied: that is waittrace itself"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			code := Main(append([]string{"waittrace"}, tc.args...), io.Discard, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if want := "waittrace: " + tc.line + "\n"; stderr.String() != want {
				t.Errorf("stderr:\n got %q\nwant %q", stderr.String(), want)
			}
		})
	}

	t.Run("-o file of a failed attach", func(t *testing.T) {
		out := filepath.Join(dir, "trace.txt")
		var stderr bytes.Buffer
		if code := Main([]string{"waittrace", "-o", out, "-p", "999999999"}, io.Discard, &stderr); code != ExitNoProcess {
			t.Errorf("exit %d, want %d (%q)", code, ExitNoProcess, stderr.String())
		}
		if b, err := os.ReadFile(out); err != nil || len(b) != 0 {
			t.Errorf("-o file: %q, %v; want it created empty", b, err)
		}
	})
}
