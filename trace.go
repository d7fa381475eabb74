package main

import (
	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// personality maps the AUDIT_ARCH_* value the kernel reports for a call to
// the syscall table's personality.
func personality(arch uint32) (syscalls.Personality, bool) {
	switch arch {
	case unix.AUDIT_ARCH_X86_64:
		return syscalls.AMD64, true
	case unix.AUDIT_ARCH_I386:
		return syscalls.I386, true
	case unix.AUDIT_ARCH_AARCH64:
		return syscalls.ARM64, true
	}
	return 0, false
}

// callSet is the set of calls selected with -e trace=, per personality and
// number, so that the engine's per-stop question is a plain lookup.
type callSet map[uint64]syscalls.Call

func newCallSet(calls []syscalls.Call) map[uint32]callSet {
	sets := make(map[uint32]callSet)
	for arch, p := range map[uint32]syscalls.Personality{
		unix.AUDIT_ARCH_X86_64:  syscalls.AMD64,
		unix.AUDIT_ARCH_I386:    syscalls.I386,
		unix.AUDIT_ARCH_AARCH64: syscalls.ARM64,
	} {
		set := callSet{}
		for _, c := range calls {
			if nr, ok := syscalls.Number(p, c); ok {
				set[nr] = c
			}
		}
		sets[arch] = set
	}
	return sets
}

// printer turns engine events into decoded text: engine -> syscall table ->
// decoders -> writer.
type printer struct {
	sets      map[uint32]callSet
	cfg       decode.Config
	out       *glue // feeds the active output.Writer (output_glue.go)
	announce  bool  // print "Process N attached/detached"
	announced map[int]bool
	reaps     *reapHooks // --reaps, --alert, -c; nil if unused
	// outputFailed is called once, at the first failed write of the trace.
	outputFailed func()
	failed       bool
}

// seccompCalls lists the selected calls' numbers per AUDIT_ARCH_* for the
// engine's seccomp filter.
func (p *printer) seccompCalls() map[uint32][]uint64 {
	calls := make(map[uint32][]uint64, len(p.sets))
	for arch, set := range p.sets {
		for nr := range set {
			calls[arch] = append(calls[arch], nr)
		}
	}
	return calls
}

func (p *printer) traced(arch uint32, nr uint64) bool {
	_, ok := p.sets[arch][nr]
	return ok
}

func (p *printer) handle(ev *ptrace.Event) {
	if p.failed {
		return
	}
	defer p.checkOutput()
	p.reaps.tick(ev)
	if ev.Kind == ptrace.Tick {
		return
	}
	defer p.reaps.observe(p, ev)
	p.out.event(p, ev)
}

func (p *printer) checkOutput() {
	if p.out.err() != nil && !p.failed {
		p.failed = true
		p.outputFailed()
	}
}
