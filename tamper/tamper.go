// Package tamper is strace's -e inject= and -e fault= for the wait calls:
// it parses the expressions, as strace 6.1 does, into a Plan, and the Plan
// decides for each traced call whether and how to tamper with it (make it
// fail with an errno or return a value without running, send a signal,
// delay it at entry or exit). It does no I/O: the session asks it, and the
// engine carries the decision out.
//
// The expression syntax is strace's:
//
//	SET:error=ERRNO|retval=VALUE[:signal=SIG][:syscall=SYSCALL][:delay_enter=DELAY][:delay_exit=DELAY][:when=EXPR]
//
// fault= is inject= with only error=, syscall= and when=, and error
// defaulting to ENOSYS. Each expression replaces what earlier ones said
// about the calls it selects. when= counts the calls of one syscall per
// thread, as strace counts them per tcb.
package tamper

import (
	"time"

	"github.com/waittrace/waittrace/syscalls"
)

// Expr is one -e inject= (Fault false) or -e fault= expression: Text is
// what follows "inject=" or "fault=".
type Expr struct {
	Fault bool
	Text  string
}

// whenInf is strace's INJECT_LAST_INF: when= with no last call.
const whenInf = 0xffff

// maxErrno is the largest errno a call can return (strace's
// MAX_ERRNO_VALUE).
const maxErrno = 4095

// Rule is what one expression asks for each call it selects.
type Rule struct {
	// Error is the errno of error= (or fault='s ENOSYS); 0 if none.
	Error int
	// Retval is retval=, with HasRetval.
	Retval    uint64
	HasRetval bool
	// Signal is signal=; 0 if none.
	Signal int
	// Syscall is syscall=: a call without side effects run in place of
	// the tampered one (its result is replaced all the same); "" if none.
	Syscall string
	// DelayEnter and DelayExit are delay_enter= and delay_exit=, with
	// HasDelayEnter and HasDelayExit (a zero delay still counts, and
	// strace still marks the call " (DELAYED)").
	DelayEnter, DelayExit       time.Duration
	HasDelayEnter, HasDelayExit bool
	// First, Last and Step are when=FIRST..LAST+STEP; Last 65535 is
	// strace's infinity, and Step 0 tampers with the First call only.
	First, Last, Step uint16

	// nr is the number of Syscall per personality.
	nr map[syscalls.Personality]uint64
}

// target is one call of one personality.
type target struct {
	per  syscalls.Personality
	call syscalls.Call
}

// counter is the when= state of one call in one thread: strace's copy of
// first and last in the thread's tcb.
type counter struct {
	first, last uint16
}

// Plan is the parsed expressions: which rule applies to which call, and
// the per-thread when= counters. It is used by one goroutine.
type Plan struct {
	rules    map[target]*Rule
	counters map[int]map[target]*counter
	warnings []string
}

// Action is what to do to one call.
type Action struct {
	// Return: the call is not run (or Nr runs instead, with Substitute)
	// and returns Rval: -errno when Error, else the value.
	Return     bool
	Error      bool
	Rval       int64
	Substitute bool
	Nr         uint64
	// Signal is sent to the thread as the call starts (0: none).
	Signal int
	// The thread is held stopped at the call's entry for DelayEnter (with
	// HoldEnter) and at its exit for DelayExit (with HoldExit).
	DelayEnter, DelayExit time.Duration
	HoldEnter, HoldExit   bool
}

// Warnings are the non-fatal messages parsing produced, one line each
// (strace's own "Inadvertent injection ..." among them).
func (p *Plan) Warnings() []string { return p.warnings }

// Calls returns the wait calls the plan may tamper with, in a stable
// order.
func (p *Plan) Calls() []syscalls.Call {
	var calls []syscalls.Call
	for _, c := range syscalls.Calls() {
		for t := range p.rules {
			if t.call == c {
				calls = append(calls, c)
				break
			}
		}
	}
	return calls
}

// Rule returns the rule for call c of personality per, or nil.
func (p *Plan) Rule(per syscalls.Personality, c syscalls.Call) *Rule {
	return p.rules[target{per, c}]
}

// Decide counts a traced call c of personality per that thread tid enters,
// and says whether and how to tamper with it. Calls without a rule cost a
// map lookup and allocate nothing.
func (p *Plan) Decide(tid int, per syscalls.Personality, c syscalls.Call) (Action, bool) {
	t := target{per, c}
	r := p.rules[t]
	if r == nil {
		return Action{}, false
	}
	ctr := p.counter(tid, t, r)
	// strace's tamper_with_syscall_entering: both counters run down on
	// every call; the call that brings first to zero is tampered with,
	// and first starts again from step.
	if ctr.first == 0 || ctr.last == 0 {
		return Action{}, false
	}
	if ctr.last != whenInf {
		ctr.last--
	}
	ctr.first--
	if ctr.first != 0 {
		return Action{}, false
	}
	ctr.first = r.Step
	return r.action(per), true
}

func (p *Plan) counter(tid int, t target, r *Rule) *counter {
	m := p.counters[tid]
	if m == nil {
		if p.counters == nil {
			p.counters = map[int]map[target]*counter{}
		}
		m = map[target]*counter{}
		p.counters[tid] = m
	}
	ctr := m[t]
	if ctr == nil {
		ctr = &counter{first: r.First, last: r.Last}
		m[t] = ctr
	}
	return ctr
}

// Forget drops the counters of a thread that is gone: a new thread with
// the same id counts from the start, as a new tcb does in strace.
func (p *Plan) Forget(tid int) { delete(p.counters, tid) }

// Moved hands the counters of thread former, which called execve, to the
// leader whose id it took (strace keeps the execve'ing thread's tcb).
func (p *Plan) Moved(former, leader int) {
	if former == leader {
		return
	}
	m := p.counters[former]
	delete(p.counters, former)
	delete(p.counters, leader)
	if m != nil {
		p.counters[leader] = m
	}
}

// action is what r does to a call of personality per.
func (r *Rule) action(per syscalls.Personality) Action {
	a := Action{Signal: r.Signal, DelayEnter: r.DelayEnter, DelayExit: r.DelayExit,
		HoldEnter: r.HasDelayEnter, HoldExit: r.HasDelayExit}
	switch {
	case r.HasRetval:
		a.Return, a.Rval = true, int64(r.Retval)
	case r.Error != 0:
		a.Return, a.Error, a.Rval = true, true, -int64(r.Error)
	}
	if a.Return && r.Syscall != "" {
		a.Substitute, a.Nr = true, r.nr[per]
	}
	return a
}
