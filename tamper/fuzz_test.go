package tamper

import (
	"strings"
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// FuzzParse: any expression is accepted or refused in one line, never
// panics, and an accepted one yields rules strace could have made, which
// Decide can run.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.expr, c.fault)
	}
	f.Add("wait4:error=EINTR:when=1..65534+65535:delay_exit=0.000001s", false)
	f.Add("?wait4@32,/^wai,%process:signal=RTMIN", false)
	f.Fuzz(func(t *testing.T, text string, fault bool) {
		p, err := Parse([]Expr{{Fault: fault, Text: text}})
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n") {
				t.Fatalf("%q: error of more than one line: %q", text, err)
			}
			return
		}
		for _, w := range p.Warnings() {
			if strings.Contains(w, "\n") {
				t.Fatalf("%q: warning of more than one line: %q", text, w)
			}
		}
		for tgt, r := range p.rules {
			switch {
			case r.First < 1, r.Last < r.First:
				t.Fatalf("%q: %v: bad when: %+v", text, tgt, r)
			case r.Error < 0 || r.Error > maxErrno, r.Error != 0 && r.HasRetval:
				t.Fatalf("%q: %v: bad result: %+v", text, tgt, r)
			case r.Signal < 0 || r.Signal > maxSignal:
				t.Fatalf("%q: %v: bad signal: %+v", text, tgt, r)
			case r.DelayEnter < 0 || r.DelayExit < 0:
				t.Fatalf("%q: %v: negative delay: %+v", text, tgt, r)
			case r.Error == 0 && !r.HasRetval && r.Signal == 0 && !r.HasDelayEnter && !r.HasDelayExit:
				t.Fatalf("%q: %v: a rule that does nothing: %+v", text, tgt, r)
			case fault && (r.HasRetval || r.Signal != 0 || r.HasDelayEnter || r.HasDelayExit):
				t.Fatalf("%q: fault= with inject='s tokens: %+v", text, r)
			}
			if _, ok := syscalls.Number(tgt.per, tgt.call); !ok {
				t.Fatalf("%q: a rule for %v, which does not exist", text, tgt)
			}
			for i := 0; i < 3; i++ {
				if a, ok := p.Decide(1, tgt.per, tgt.call); ok && a.Return && a.Error && (a.Rval >= 0 || a.Rval < -maxErrno) {
					t.Fatalf("%q: error action with rval %d", text, a.Rval)
				}
			}
		}
	})
}
