package cli

import (
	"fmt"

	"github.com/waittrace/waittrace/syscalls"
	"github.com/waittrace/waittrace/tamper"
)

// tamperPlan reads the -e inject= and -e fault= expressions (nil if there
// are none). The process that traces warns, as strace does, of a retval=
// a tracee may take for an error, and of tampered calls left out of
// -e trace= (strace tampers only with the calls it traces).
func (inv *invocation) tamperPlan(s *settings) (*tamper.Plan, error) {
	if len(s.tamper) == 0 {
		return nil, nil
	}
	exprs := make([]tamper.Expr, len(s.tamper))
	for i, e := range s.tamper {
		exprs[i] = tamper.Expr{Fault: e.fault, Text: e.expr}
	}
	plan, err := tamper.Parse(exprs)
	if err != nil {
		return nil, fail(ExitUsage, "%v", err)
	}
	if s.daemonize > 0 && inv.daemon == nil {
		return plan, nil // the tracer started by -D warns
	}
	for _, w := range plan.Warnings() {
		fmt.Fprintf(inv.stderr, "waittrace: %s\n", w)
	}
	traced := map[syscalls.Call]bool{}
	for _, c := range s.calls {
		traced[c] = true
	}
	for _, c := range plan.Calls() {
		if !traced[c] {
			fmt.Fprintf(inv.stderr, "waittrace: %s is tampered with only when traced: add it to -e trace=\n", c)
		}
	}
	return plan, nil
}
