//go:build linux

package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestTamperOptions: -e inject= and -e fault= (and --inject=, --fault=)
// are read in order into the session's plan; one that strace refuses, or
// that selects no wait call, is refused in one line before anything runs;
// warnings come before the trace starts (here: an attach that fails).
func TestTamperOptions(t *testing.T) {
	const gone = "999999999"
	tests := []struct {
		args []string
		code int
		out  string // stderr, without the "waittrace: " prefixes
	}{
		{[]string{"-e", "inject=openat:error=EINTR", "true"}, ExitUsage,
			"inject=openat:error=EINTR: openat: waittrace tampers only with wait4, waitid and waitpid\n"},
		{[]string{"--inject=%clock:error=EINTR", "true"}, ExitUsage,
			"inject=%clock:error=EINTR: selects no wait call: waittrace tampers only with wait4, waitid and waitpid\n"},
		{[]string{"-e", "inject=foo:error=EINTR", "true"}, ExitUsage, "inject=foo:error=EINTR: invalid system call 'foo'\n"},
		{[]string{"-e", "inject=wait4", "true"}, ExitUsage,
			"invalid inject argument 'wait4': it needs error=, retval=, signal=, delay_enter= or delay_exit=\n"},
		{[]string{"-e", "fault=wait4:retval=0", "true"}, ExitUsage,
			"invalid fault argument 'wait4:retval=0': retval= is for inject=, not fault= (fault= takes error=, syscall= and when=)\n"},
		{[]string{"--fault=wait4:error=EBOGUS", "true"}, ExitUsage,
			"invalid fault argument 'wait4:error=EBOGUS': error=EBOGUS: use an errno name (EINTR, ECHILD) or a number from 1 to 4095\n"},
		// A good expression before a bad one does not hide it.
		{[]string{"-e", "inject=wait4:error=EINTR", "-e", "inject=wait4:when=0:error=EINTR", "true"}, ExitUsage,
			"invalid inject argument 'wait4:when=0:error=EINTR': when=0: use FIRST, FIRST+, FIRST+STEP, FIRST..LAST or FIRST..LAST+STEP, with 1 <= FIRST <= LAST < 65535 and 1 <= STEP <= 65535\n"},
		{[]string{"-e", "inject=wait4:retval=-1", "-p", gone}, ExitNoProcess,
			"Inadvertent injection of error 1 is possible for retval=18446744073709551615\nattach to " + gone + ": no such process\n"},
		{[]string{"-e", "trace=waitid", "-e", "fault=wait4", "-p", gone}, ExitNoProcess,
			"wait4 is tampered with only when traced: add it to -e trace=\nattach to " + gone + ": no such process\n"},
		{[]string{"-e", "inject=all:signal=USR1", "-p", gone}, ExitNoProcess,
			"inject=all:signal=USR1: waittrace tampers only with the wait calls it selects, not with the other calls\nattach to " + gone + ": no such process\n"},
		{[]string{"-e", "inject=wait4,waitid:delay_enter=1s:when=2..3", "--fault=waitpid:when=1", "-p", gone}, ExitNoProcess,
			"attach to " + gone + ": no such process\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			code := Main(append([]string{"waittrace"}, tc.args...), io.Discard, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			want := ""
			for _, l := range strings.SplitAfter(tc.out, "\n") {
				if l != "" {
					want += "waittrace: " + l
				}
			}
			if stderr.String() != want {
				t.Errorf("stderr:\n got %q\nwant %q", stderr.String(), want)
			}
		})
	}
}
