//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHardPointers: pointers into unmapped memory, structures straddling
// the end of a page (a status, a rusage, a siginfo), kernel addresses,
// huge and negative pids, options and idtypes are printed as strace prints
// them: strace runs the same fixture (its memory at fixed addresses), and
// the two traces must be equal but for the children's pids.
func TestHardPointers(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("compared with strace on linux/amd64, not %s", runtime.GOARCH)
	}
	t.Parallel()
	traces := map[string]string{}
	for _, tr := range tracers {
		bin := tr.use(t)
		r := runHard(t, bin, tr.flags, "pointers")
		if !r.status.Exited() || r.status.ExitStatus() != 0 {
			t.Fatalf("%s: exit %#x\nstderr:\n%s", tr.name, int(r.status), r.stderr)
		}
		var pids []string
		for _, pid := range logNotes(r.log, "pid") {
			pids = append(pids, strconv.Itoa(pid))
		}
		if len(pids) == 0 {
			t.Fatalf("%s: the fixture logged no child pids:\n%s", tr.name, r.log)
		}
		traces[tr.name] = masked(t, r.trace, regexp.MustCompile(`\b(`+strings.Join(pids, "|")+`)\b`), "CHILD")
	}
	want := traces["strace"]
	if !strings.Contains(want, "0x10000ffe") || !strings.Contains(want, "EFAULT") {
		t.Fatalf("strace's trace lacks the bad pointers:\n%s", want)
	}
	for name, got := range traces {
		if got != want {
			t.Errorf("%s differs from strace:\n%s", name, lineDiff(want, got))
		}
	}
}

// TestHardHostileNames: argv and process names full of escape sequences,
// bells, carriage returns, newlines followed by forged trace lines, and
// invalid UTF-8 reach the output (the --reaps report and the alerts name
// processes by argv) only escaped: no control character but the newline
// ending each line, valid UTF-8, no forged line; and valid JSON with --json.
func TestHardHostileNames(t *testing.T) {
	t.Parallel()
	bin := tracer{"waittrace", "", nil}.use(t)
	forged := regexp.MustCompile(`(?m)^(\+\+\+ |line1|\x1b)`)
	for _, flags := range [][]string{{"-f", "--reaps", "--alert=all"}, {"-f", "--reaps", "--alert=all", "--json"},
		{"-f", "--reaps", "--alert=all", "--output-format=json"}, {"-f", "-C", "--reaps", "--alert=all", "--json"},
		{"-f", "-c", "--reaps", "--alert=all", "--output-format=json"}} {
		t.Run(strings.Join(flags, ""), func(t *testing.T) {
			t.Parallel()
			r := runHard(t, bin, flags, "hostile")
			if !r.status.Exited() || r.status.ExitStatus() != 0 {
				t.Fatalf("exit %#x\nstderr:\n%s", int(r.status), r.stderr)
			}
			out := r.trace + r.stderr
			if !strings.Contains(out, "pwned") {
				t.Fatalf("the hostile argv is not in the output at all; nothing tested:\n%s", out)
			}
			if !utf8.ValidString(out) {
				t.Errorf("output is not valid UTF-8:\n%q", out)
			}
			if i := strings.IndexFunc(out, func(r rune) bool { return (r < ' ' && r != '\n') || r == 0x7f }); i >= 0 {
				t.Errorf("raw control character %q at byte %d:\n%q", out[i], i, out[max(0, i-60):min(len(out), i+60)])
			}
			if m := forged.FindString(out); m != "" {
				t.Errorf("a line begins with %q, forged by the tracee:\n%s", m, out)
			}
			if strings.Contains(strings.Join(flags, " "), "json") {
				// One format per stream: every line, the alerts, the report
				// and the summary included, is a JSON object.
				for i, l := range bytes.Split(bytes.TrimSuffix([]byte(r.trace), []byte("\n")), []byte("\n")) {
					if !json.Valid(l) {
						t.Errorf("line %d is not valid JSON: %q", i+1, l)
					}
				}
			}
		})
	}
}

// The permission message, which quotes a tracer's name, is tested by
// TestHardAttachTraced.
