package session

import (
	"bytes"
	"strings"
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

func TestStopMode(t *testing.T) {
	cmd := &Command{Path: "/bin/true", Argv: []string{"true"}}
	for _, tc := range []struct {
		name    string
		opts    Options
		seccomp bool
		// said is what is said without -d, strace's words.
		said string
	}{
		{"-f", Options{Command: cmd, Follow: true, Seccomp: true}, true, ""},
		{"-f -b execve", Options{Command: cmd, Follow: true, Seccomp: true, DetachOnExec: true}, false, ""},
		{"--seccomp-bpf -f -b execve", Options{Command: cmd, Follow: true, Seccomp: true, SeccompAsked: true, DetachOnExec: true}, false,
			"waittrace: --seccomp-bpf is not enabled because it is not compatible with -b\n"},
		// strace checks -b first, and says nothing of -f then.
		{"--seccomp-bpf -b execve", Options{Command: cmd, Seccomp: true, SeccompAsked: true, DetachOnExec: true}, false,
			"waittrace: --seccomp-bpf is not enabled because it is not compatible with -b\n"},
		{"--seccomp-bpf", Options{Command: cmd, Seccomp: true, SeccompAsked: true}, false,
			"waittrace: --seccomp-bpf cannot be used without -f/--follow-forks, disabling\n"},
		{"-p", Options{Pids: []int{1}, Follow: true, Seccomp: true}, false, ""},
	} {
		for _, debug := range []bool{false, true} {
			var msgs bytes.Buffer
			o := tc.opts
			o.Messages, o.Debug, o.Calls, o.Interruptible = &msgs, debug, []syscalls.Call{syscalls.Wait4}, WhileWaiting
			if got := New(o).stopMode(); got != tc.seccomp {
				t.Errorf("%s: seccomp %v, want %v", tc.name, got, tc.seccomp)
			}
			var said, debugged []string
			for _, l := range strings.SplitAfter(msgs.String(), "\n") {
				if strings.HasPrefix(l, "waittrace: debug: ") {
					debugged = append(debugged, l)
				} else if l != "" {
					said = append(said, l)
				}
			}
			if strings.Join(said, "") != tc.said {
				t.Errorf("%s (debug %v): said %q, want %q", tc.name, debug, said, tc.said)
			}
			mode := "waittrace: debug: stop mode: every system call: "
			if tc.seccomp {
				mode = "waittrace: debug: stop mode: seccomp filter: the command and its children stop only at wait4 "
			}
			switch {
			case !debug && len(debugged) > 0:
				t.Errorf("%s: debug lines without -d: %q", tc.name, debugged)
			case debug && (len(debugged) != 2 || !strings.HasPrefix(debugged[0], mode) || !strings.HasPrefix(debugged[1], "waittrace: debug: -I 2 (")):
				t.Errorf("%s: -d said %q, want the stop mode (%q...) and -I", tc.name, debugged, mode)
			}
		}
	}
}
