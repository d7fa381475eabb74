package ptrace

import (
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// debug tells Options.Debug of a decision (-d); nothing without it.
func (t *Tracer) debug(format string, args ...any) {
	if t.opts.Debug != nil {
		t.opts.Debug(format, args...)
	}
}

// adoptedThreads is the thread count announced for tr when its exec makes
// it the command: 1 for the command of -D, which strace announces as
// attached ("Process N attached"); 0 (nothing said) for a launched one.
func (t *Tracer) adoptedThreads(tr *tracee) int {
	if tr.origin == Attached {
		return 1
	}
	return 0
}

// detachOnExec detaches tr at its exec stop (-b execve): the new program
// runs untraced, with any signal it was about to get left pending.
func (t *Tracer) detachOnExec(tr *tracee) {
	delete(t.tracees, tr.tid)
	if err := ptraceReq(unix.PTRACE_DETACH, tr.tid, 0); err != nil {
		t.debug("-b execve: detaching %d at its exec: %v", tr.tid, err)
	} else {
		t.debug("-b execve: detached %d at its exec: it runs untraced from now on", tr.tid)
	}
	t.ev = Event{Kind: Detached, Tid: tr.tid, OnExec: true, Time: time.Now()}
	t.emit(&t.ev)
}

// signalName is sig's name for debug lines ("SIGINT").
func signalName(sig unix.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return "signal " + strconv.Itoa(int(sig))
}

// withSignal says which signal a detach handed back, if any.
func withSignal(sig unix.Signal) string {
	if sig == 0 {
		return ""
	}
	return ", handing it back its pending " + signalName(sig)
}

// dropForwards says (-d) what became of the signals still to pass on when
// the trace ended: none is sent, the command has exited.
func (t *Tracer) dropForwards() {
	for _, r := range t.takeForwards() {
		t.debug("%s: not passed on: the command has exited", signalName(r.sig))
	}
}
