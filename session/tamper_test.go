package session

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
	"github.com/waittrace/waittrace/tamper"
)

// records is a sink that keeps what it is given.
type records struct{ got []*event.Event }

func (r *records) Record(ev *event.Event) { r.got = append(r.got, ev) }
func (r *records) Close() error           { return nil }

func tamperSession(t *testing.T, raw bool, exprs ...string) (*Session, *records) {
	t.Helper()
	var ex []tamper.Expr
	for _, e := range exprs {
		ex = append(ex, tamper.Expr{Text: e})
	}
	plan, err := tamper.Parse(ex)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Calls: syscalls.Calls(), Tamper: plan}
	if raw {
		opts.Raw = map[syscalls.Call]bool{syscalls.Wait4: true}
	}
	s := New(opts)
	r := &records{}
	s.Add(r)
	return s, r
}

// call hands the session a wait call's entry, then the exit the engine
// reports for it (with what the engine did to it), and returns the
// entry's Tamper and the exit record.
func call(s *Session, r *records, tid int, nr uint64, exit ptrace.Event) (*ptrace.Tamper, *event.Event) {
	entry := ptrace.Event{Kind: ptrace.SyscallEntry, Tid: tid, Arch: unix.AUDIT_ARCH_X86_64, Nr: nr}
	s.handle(&entry)
	exit.Kind, exit.Tid, exit.Arch, exit.Nr = ptrace.SyscallExit, tid, unix.AUDIT_ARCH_X86_64, nr
	s.handle(&exit)
	return entry.Tamper, r.got[len(r.got)-1]
}

func TestTamperAsksThePlan(t *testing.T) {
	s, r := tamperSession(t, false, "wait4:error=EINTR:when=2", "waitid:signal=SIGUSR1:delay_exit=5ms")
	if tp, _ := call(s, r, 10, unix.SYS_WAIT4, ptrace.Event{Rval: 5}); tp != nil {
		t.Errorf("first wait4 tampered with: %+v", tp)
	}
	tp, rec := call(s, r, 10, unix.SYS_WAIT4, ptrace.Event{Rval: -4, IsError: true, Injected: true})
	if tp == nil || !tp.Return || !tp.Error || tp.Rval != -4 {
		t.Errorf("second wait4: %+v, want EINTR", tp)
	}
	if rec.RetText != "-1 EINTR (Interrupted system call) (INJECTED)" || !rec.Injected || rec.Delayed || !rec.IsErr || rec.Errno != 4 {
		t.Errorf("second wait4's record: %q injected=%v delayed=%v", rec.RetText, rec.Injected, rec.Delayed)
	}
	// Another thread counts on its own.
	if tp, _ := call(s, r, 11, unix.SYS_WAIT4, ptrace.Event{Rval: 5}); tp != nil {
		t.Errorf("thread 11's first wait4 tampered with")
	}
	tp, rec = call(s, r, 10, unix.SYS_WAITID, ptrace.Event{Rval: 0, Delayed: true})
	if tp == nil || tp.Return || tp.Signal != int(unix.SIGUSR1) || !tp.HoldExit || tp.DelayExit == 0 {
		t.Errorf("waitid: %+v", tp)
	}
	if rec.RetText != "0 (DELAYED)" || rec.Injected || !rec.Delayed {
		t.Errorf("waitid's record: %q", rec.RetText)
	}
	// A thread that ended and whose id comes back counts anew.
	s.handle(&ptrace.Event{Kind: ptrace.Exited, Tid: 11})
	if tp, _ := call(s, r, 11, unix.SYS_WAIT4, ptrace.Event{Rval: 5}); tp != nil {
		t.Errorf("a new thread 11's first wait4 tampered with")
	}
}

func TestTamperRetvalRecord(t *testing.T) {
	cases := []struct {
		expr string
		raw  bool
		nr   uint64
		rval int64
		want string
	}{
		{"wait4:retval=0", false, unix.SYS_WAIT4, 0, "0 (INJECTED)"},
		{"wait4:retval=5", false, unix.SYS_WAIT4, 5, "5 (INJECTED)"},
		// strace prints wait4's result as a pid_t, and as a success.
		{"wait4:retval=-1", false, unix.SYS_WAIT4, -1, "-1 (INJECTED)"},
		{"wait4:retval=4294967295", false, unix.SYS_WAIT4, 4294967295, "-1 (INJECTED)"},
		{"waitid:retval=-1", false, unix.SYS_WAITID, -1, "18446744073709551615 (INJECTED)"},
		{"wait4:retval=5", true, unix.SYS_WAIT4, 5, "0x5 (INJECTED)"},
		{"wait4:retval=-1:delay_enter=1", true, unix.SYS_WAIT4, -1, "0xffffffffffffffff (INJECTED) (DELAYED)"},
	}
	for _, c := range cases {
		s, r := tamperSession(t, c.raw, c.expr)
		_, rec := call(s, r, 1, c.nr, ptrace.Event{Rval: c.rval, Injected: true, Delayed: c.expr == "wait4:retval=-1:delay_enter=1"})
		if rec.RetText != c.want || rec.IsErr || rec.Errno != 0 {
			t.Errorf("%s (raw %v): %q isErr=%v, want %q", c.expr, c.raw, rec.RetText, rec.IsErr, c.want)
		}
	}
}

// TestTamperUntracedCall: a call outside -e trace= is not counted nor
// tampered with, as in strace.
func TestTamperUntracedCall(t *testing.T) {
	plan, err := tamper.Parse([]tamper.Expr{{Text: "wait4:error=EINTR:when=1"}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Calls: []syscalls.Call{syscalls.Waitid}, Tamper: plan})
	s.Add(&records{})
	ev := ptrace.Event{Kind: ptrace.SyscallEntry, Tid: 1, Arch: unix.AUDIT_ARCH_X86_64, Nr: unix.SYS_WAIT4}
	s.handle(&ev)
	if ev.Tamper != nil {
		t.Errorf("an untraced wait4 was tampered with")
	}
}
