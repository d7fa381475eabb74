package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/waittrace/waittrace/output"
)

// TestStackOptions: --reaps takes an optional value, stacks; --alert
// takes stolen. Each case ends in an error after the options were read,
// so that nothing is launched.
func TestStackOptions(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	tests := []struct {
		args []string
		code int
		line string
	}{
		{[]string{"--reaps=bogus", "true"}, ExitUsage, "--reaps=bogus: the only value is stacks"},
		{[]string{"--reaps=stacks", "nosuchcmd-xyz"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		{[]string{"--reaps", "nosuchcmd-xyz"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		{[]string{"-k", "--alert=stolen", "nosuchcmd-xyz"}, ExitNotFound, "nosuchcmd-xyz: command not found"},
		{[]string{"--alert=stolen,bogus", "true"}, ExitUsage, "--alert=bogus: use a list of nonzero,signaled,coredump,zombie,unreaped,echild,lost,stolen, or all"},
		{[]string{"-c", "-k", "nosuchcmd-xyz"}, ExitNotFound, "-k/--stack-traces has no effect with -c/--summary-only"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			code := Main(append([]string{"waittrace"}, tc.args...), io.Discard, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d (%q)", code, tc.code, stderr.String())
			}
			if line, _, _ := strings.Cut(stderr.String(), "\n"); line != "waittrace: "+tc.line {
				t.Errorf("stderr:\n got %q\nwant %q first", stderr.String(), "waittrace: "+tc.line)
			}
		})
	}
}

// TestUnwinds: the session unwinds for -k, not under -c (which prints no
// trace, as strace), and for --reaps=stacks.
func TestUnwinds(t *testing.T) {
	for _, tc := range []struct {
		s    settings
		want bool
	}{
		{settings{}, false},
		{settings{stack: true}, true},
		{settings{stack: true, summaryOnly: true}, false},
		{settings{reapStacks: true}, true},
		{settings{reapStacks: true, summaryOnly: true}, true},
	} {
		if got := tc.s.unwinds(); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.s, got, tc.want)
		}
	}
	j, tb := output.NewJSON(io.Discard, 0), output.NewTable(io.Discard, 0)
	traceStacks(j, true)
	traceStacks(tb, true)
	traceStacks(output.AnalysisOnly(j), true) // not a trace: nothing to do
}
