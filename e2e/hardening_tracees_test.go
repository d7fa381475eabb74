//go:build linux

package e2e

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestHardTracees runs the hard cases of testdata/hard/hard.c under each
// tracer with -f: a thread other than the leader calling execve, threads
// waiting concurrently, vfork, CLONE_PARENT, a child SIGKILLed in wait4, a
// tracee that is a tracer itself, a subreaper, SIGCHLD ignored and a burst
// of 1,000 children. The fixture logs every wait call it made and what it
// returned; the trace must show exactly those calls, with those returns and
// thread ids, each once. strace runs the same cases, proving them right.
func TestHardTracees(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the hard fixture's raw calls are checked on linux/amd64, not %s", runtime.GOARCH)
	}
	cases := []struct {
		mode  string
		args  []string
		flags []string
		exit  int
		check func(t *testing.T, r hardRun)
	}{
		{mode: "burst", args: []string{"1000"}, check: func(t *testing.T, r hardRun) {
			if n := strings.Count(r.trace, " +++ exited with "); n != 1001 {
				t.Errorf("%d exit lines; want 1,001 (1,000 children and the fixture)", n)
			}
		}},
		{mode: "threads", args: []string{"6"}},
		{mode: "thread-exec", exit: 5, check: func(t *testing.T, r hardRun) {
			from, leader := logNotes(r.log, "exec-from"), logNotes(r.log, "exec-done")
			if len(from) != 1 || len(leader) != 1 {
				t.Fatalf("the fixture's notes are missing:\n%s", r.log)
			}
			// strace pads the pid prefix to 5 columns ("%-5d ").
			want := fmt.Sprintf(`(?m)^%d +\+\+\+ superseded by execve in pid %d \+\+\+$`, leader[0], from[0])
			if !regexp.MustCompile(want).MatchString(r.trace) {
				t.Errorf("trace lacks %q:\n%s\nlog:\n%s", want, r.trace, r.log)
			}
		}},
		{mode: "vfork"},
		{mode: "clone-parent"},
		{mode: "killed-in-wait", check: func(t *testing.T, r hardRun) {
			killed := logNotes(r.log, "killed")
			if len(killed) != 1 {
				t.Fatalf("no note of the killed child:\n%s", r.log)
			}
			unfinished := regexp.MustCompile(fmt.Sprintf(`(?m)^%d +wait4\(\d+,  <unfinished \.\.\.>(\) += \?)?$`, killed[0]))
			killedLine := regexp.MustCompile(fmt.Sprintf(`(?m)^%d +\+\+\+ killed by SIGKILL \+\+\+$`, killed[0]))
			if !unfinished.MatchString(r.trace) || !killedLine.MatchString(r.trace) {
				t.Errorf("trace lacks the unfinished wait4 and the SIGKILL of %d:\n%s", killed[0], r.trace)
			}
		}},
		// Under -f the nested tracer's PTRACE_TRACEME fails (the child is
		// traced already), as under strace -f; the fixture copes.
		{mode: "tracer", check: func(t *testing.T, r hardRun) {
			if len(logNotes(r.log, "traceme-eperm")) != 1 {
				t.Errorf("PTRACE_TRACEME worked in a child followed with -f?\n%s", r.log)
			}
		}},
		// Without -f the child is not traced (--seccomp-bpf=false changes
		// nothing then), and the fixture's waitpid sees its ptrace stop.
		{mode: "tracer", flags: []string{"--seccomp-bpf=false", "-nof"}, check: func(t *testing.T, r hardRun) {
			if len(logNotes(r.log, "saw-ptrace-stop")) != 1 {
				t.Errorf("the nested tracer did not see its ptrace stop:\n%s", r.log)
			}
		}},
		{mode: "subreaper"},
		{mode: "sigign"},
	}
	for _, tc := range cases {
		name := tc.mode
		if len(tc.flags) > 0 {
			name += strings.Join(tc.flags, "")
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, tr := range tracers {
				if tc.mode == "burst" && tr.name == "waittrace-nobpf" {
					continue // the same engine paths, 3 times slower
				}
				t.Run(tr.name, func(t *testing.T) {
					t.Parallel()
					bin := tr.use(t)
					flags := append([]string{"-f"}, tr.flags...)
					for _, f := range tc.flags {
						if f == "-nof" {
							flags = flags[1:]
						} else if tr.name != "strace" {
							flags = append(flags, f)
						}
					}
					r := runHard(t, bin, flags, tc.mode, tc.args...)
					if !r.status.Exited() || r.status.ExitStatus() != tc.exit {
						t.Fatalf("%s ended with %#x; want exit %d\nstderr:\n%s\nlog:\n%s", tr.name, int(r.status), tc.exit, r.stderr, r.log)
					}
					made := logCalls(r.log)
					if len(made) == 0 {
						t.Fatalf("the fixture logged no calls:\n%s", r.log)
					}
					if len(flags) > 0 && flags[0] == "-f" {
						if d := diffCalls(made, traceCalls(r.trace)); d != "" {
							t.Errorf("%s\ntrace:\n%s", d, tail(r.trace, 40))
						}
					}
					if tc.check != nil {
						tc.check(t, r)
					}
				})
			}
		})
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
