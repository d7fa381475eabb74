package reaps

import (
	"strconv"
	"testing"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/stack"
)

// rec is a record at t0+ms.
func rec(ms int, ev event.Event) *event.Event {
	ev.Time = t0.Add(at(ms))
	if ev.Proc.Pid == 0 {
		ev.Proc.Pid = ev.Proc.Tid
	}
	return &ev
}

// wait4Call is the entry and exit records of wait4(pid, NULL, opts) in
// tid, from ms to ms+1, returning ret (a child's pid, 0, or -errno).
func wait4Call(ms, tid int, pid int64, opts uint64, ret int64, stk []stack.Frame, sc *event.Scope) []*event.Event {
	raw := [6]uint64{uint64(pid), 0, opts}
	entry := event.Event{Kind: event.CallEntry, Proc: event.Process{Tid: tid}, Syscall: "wait4", Raw: raw,
		EntryText: strconv.FormatInt(pid, 10) + ", ", Stack: stk, Scope: sc}
	exit := entry
	exit.Kind, exit.ExitText, exit.Return, exit.RetText = event.CallExit, "NULL, 0, NULL", ret, strconv.FormatInt(ret, 10)
	if ret < 0 {
		exit.IsErr, exit.Return, exit.Errno = true, -1, int(-ret)
		exit.RetText = "-1 ECHILD (No child processes)"
	}
	return []*event.Event{rec(ms, entry), rec(ms+1, exit)}
}

// frames is a stack whose caller frame is fn in /bin/sup.
func frames(fn string, ret uint64) []stack.Frame {
	return []stack.Frame{
		{Address: 0x7f0000d3bd3, Object: "/lib/libc.so.6", Offset: 0xd3bd3, Symbol: "wait4", SymOffset: 0x13},
		{Address: 0x550000000000 + ret, Object: "/bin/sup", Offset: ret, Symbol: fn, SymOffset: 0x10},
		{Address: 0x550000000100, Object: "/bin/sup", Offset: 0x100, Symbol: "main", SymOffset: 0x20},
	}
}

const (
	sup, worker, other, helper = 10, 20, 21, 11 // pids; helper is a thread of sup
	eCHILD                     = -10
	eRESTARTSYS                = -512
)

// start: sup launched with a helper thread, and two children in group 20.
func start() []*event.Event {
	return []*event.Event{
		rec(0, event.Event{Kind: event.Traced, Proc: event.Process{Tid: sup, PPid: 1}, Origin: event.Launched, Argv: []string{"/bin/sup"}}),
		rec(0, event.Event{Kind: event.Traced, Proc: event.Process{Tid: helper, Pid: sup}, Origin: event.Forked}),
		rec(1, event.Event{Kind: event.Traced, Proc: event.Process{Tid: worker, PPid: sup}, Origin: event.Forked, Argv: []string{"w\x1b"}}),
		rec(1, event.Event{Kind: event.Traced, Proc: event.Process{Tid: other, PPid: sup}, Origin: event.Forked, Argv: []string{"o"}}),
	}
}

func exit(ms, pid int) *event.Event {
	return rec(ms, event.Event{Kind: event.ProcessExited, Proc: event.Process{Tid: pid}})
}

func cat(parts ...any) []*event.Event {
	var out []*event.Event
	for _, p := range parts {
		switch v := p.(type) {
		case *event.Event:
			out = append(out, v)
		case []*event.Event:
			out = append(out, v...)
		}
	}
	return out
}

func runStolen(t *testing.T, opt Options, evs []*event.Event) (*Tracker, []event.Alert) {
	t.Helper()
	if opt.Alerts == nil {
		opt.Alerts = map[string]bool{"stolen": true}
	}
	tr := New(opt)
	for _, ev := range evs {
		tr.Record(ev)
	}
	var stolen []event.Alert
	for _, a := range tr.Alerts() {
		if a.Kind == "stolen" {
			stolen = append(stolen, a)
		}
	}
	return tr, stolen
}

func TestStolen(t *testing.T) {
	// The groups of both children, as the session reads them at a wait
	// call while they live; and of the other one alone, once the worker
	// is reaped.
	both := []event.ChildGroup{{Pid: worker, Pgid: worker}, {Pid: other, Pgid: worker}}
	group := &event.Scope{Group: worker, Groups: both}
	groupOther := &event.Scope{Group: worker, Groups: both[1:]}
	anyRead := &event.Scope{Groups: both}
	cases := []struct {
		name string
		evs  []*event.Event
		// want: the alert's message, "" for none; blocked: its Blocked.
		want    string
		blocked bool
	}{
		{"any-then-pid",
			cat(start(), exit(5, worker), wait4Call(10, sup, -1, WNOHANG, worker, nil, nil), wait4Call(20, sup, worker, 0, eCHILD, nil, nil)),
			`20 (w\33) was reaped by wait4(-1) in 10 (sup) tid 10, 10.0 ms before wait4(20) in tid 10 wanted it: ECHILD`, false},
		{"other-thread",
			cat(start(), exit(5, worker), wait4Call(10, helper, worker, 0, worker, nil, nil), wait4Call(20, sup, worker, 0, eCHILD, nil, nil)),
			`20 (w\33) was reaped by wait4(20) in 10 (sup) tid 11, 10.0 ms before wait4(20) in tid 10 wanted it: ECHILD`, false},
		{"twice-same-thread", // its own double wait, not a theft
			cat(start(), exit(5, worker), wait4Call(10, sup, worker, 0, worker, nil, nil), wait4Call(20, sup, worker, 0, eCHILD, nil, nil)),
			"", false},
		{"twice-same-thread-same-stack",
			cat(start(), exit(5, worker), wait4Call(10, sup, worker, 0, worker, frames("reap", 0x40), nil),
				wait4Call(20, sup, worker, 0, eCHILD, frames("reap", 0x40), nil)),
			"", false},
		{"same-thread-other-stack", // a signal handler's wait for it, say
			cat(start(), exit(5, worker), wait4Call(10, sup, worker, 0, worker, frames("on_sigchld", 0x80), nil),
				wait4Call(20, sup, worker, 0, eCHILD, frames("reap", 0x40), nil)),
			`20 (w\33) was reaped by wait4(20) in 10 (sup) tid 10 at on_sigchld+0x10, 10.0 ms before wait4(20) in tid 10 at reap+0x10 wanted it: ECHILD`, false},
		{"pidfd",
			cat(start(), exit(5, worker), wait4Call(10, sup, -1, 0, worker, nil, nil),
				func() []*event.Event {
					evs := wait4Call(20, sup, 3, 0, eCHILD, nil, &event.Scope{Pidfd: worker})
					for _, ev := range evs {
						ev.Syscall, ev.Raw, ev.EntryText = "waitid", [6]uint64{3, 3, 0, wExited}, "P_PIDFD, 3, "
					}
					return evs
				}()),
			`20 (w\33) was reaped by wait4(-1) in 10 (sup) tid 10, 10.0 ms before waitid(P_PIDFD, 3) in tid 10 wanted it: ECHILD`, false},
		{"group-blocked-in-other-thread",
			cat(start(), wait4Call(3, helper, -worker, 0, other, nil, group)[0], exit(5, worker),
				wait4Call(10, sup, -1, 0, worker, nil, nil)),
			`20 (w\33) was reaped by wait4(-1) in 10 (sup) tid 10, while wait4(-20) in tid 11 was blocked waiting for its process group 20`, true},
		{"group-blocked-wnohang", // a WNOHANG group wait does not block
			cat(start(), wait4Call(3, helper, -worker, WNOHANG, 0, nil, group), exit(5, worker),
				wait4Call(10, sup, -1, 0, worker, nil, nil)),
			"", false},
		{"group-interrupted",
			cat(start(), wait4Call(3, sup, -worker, 0, eRESTARTSYS, nil, group), exit(5, worker),
				wait4Call(10, sup, -1, 0, worker, nil, nil), wait4Call(12, sup, -worker, 0, other, nil, groupOther)),
			`20 (w\33) was reaped by wait4(-1) in 10 (sup) tid 10, while wait4(-20) in tid 10 was interrupted by a signal (it restarts after the handler) waiting for its process group 20`, true},
		{"group-restarted-then-reaped", // the restart ends the interruption
			cat(start(), wait4Call(3, sup, -worker, 0, eRESTARTSYS, nil, group), wait4Call(4, sup, -worker, WNOHANG, 0, nil, group),
				exit(5, worker), wait4Call(10, sup, worker, 0, worker, nil, nil)),
			"", false},
		{"group-unknown", // the worker's group never read: nothing said
			cat(start(), exit(5, worker), wait4Call(10, sup, -1, 0, worker, nil, nil),
				wait4Call(20, sup, -worker, 0, other, nil, groupOther)),
			"", false},
		{"group-after", // entered after the theft, while 21 lives: it blocks
			cat(start(), exit(5, worker), wait4Call(10, sup, -1, 0, worker, nil, anyRead),
				wait4Call(20, sup, -worker, 0, other, nil, groupOther)),
			`20 (w\33) was reaped by wait4(-1) in 10 (sup) tid 10, 9.0 ms before wait4(-20) in tid 10 wanted it: it waits for the rest of process group 20`, true},
		{"group-echild", // no member left: ECHILD
			cat(start(), exit(5, worker), wait4Call(10, sup, -1, 0, worker, nil, anyRead),
				wait4Call(20, sup, -worker, 0, eCHILD, nil, &event.Scope{Group: worker})),
			`20 (w\33) was reaped by wait4(-1) in 10 (sup) tid 10, 10.0 ms before wait4(-20) in tid 10 wanted it: ECHILD`, false},
		{"group-own", // it collected the group's member itself
			cat(start(), exit(5, worker), wait4Call(10, sup, -worker, 0, worker, nil, group),
				wait4Call(20, sup, -worker, 0, other, nil, groupOther)),
			"", false},
		{"group-own-elsewhere", // a group's children collected from two places: no theft
			cat(start(), exit(5, worker), wait4Call(10, sup, -worker, 0, worker, frames("jobs", 0x80), group),
				exit(15, other), wait4Call(20, sup, -worker, 0, other, frames("reap_job", 0x40), groupOther),
				wait4Call(30, sup, -worker, 0, eCHILD, frames("jobs", 0x80), &event.Scope{Group: worker})),
			"", false},
		{"not-a-child",
			cat(start(), wait4Call(20, sup, 99, 0, eCHILD, nil, nil)),
			"", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, alerts := runStolen(t, Options{}, tc.evs)
			if tc.want == "" {
				if len(alerts) > 0 {
					t.Errorf("alert %q", alerts[0].Message)
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("%d alerts, want 1", len(alerts))
			}
			a := alerts[0]
			if a.Message != tc.want {
				t.Errorf("message:\n got %s\nwant %s", a.Message, tc.want)
			}
			th := a.Stolen
			if th == nil || th.Child != worker || a.Pid != worker || th.ReapedBy.Pid != sup || th.WantedBy.Pid != sup ||
				th.Blocked != tc.blocked || th.ChildComm != `w\33` {
				t.Errorf("theft %+v", th)
			}
		})
	}
}

// wExited is waitid's WEXITED.
const wExited = 4

// TestStolenTexts: both calls as strace printed them, and the stacks.
func TestStolenTexts(t *testing.T) {
	evs := cat(start(), exit(5, worker), wait4Call(10, helper, -1, 0, worker, frames("reaper", 0x80), nil),
		wait4Call(20, sup, worker, 0, eCHILD, frames("wait_for", 0x40), nil))
	lines := func(f stack.Frame) (string, int, bool) {
		if f.Symbol == "reaper" && f.Offset == 0x7f {
			return "/src/th\nread.c", 22, true
		}
		return "", 0, false
	}
	tr, alerts := runStolen(t, Options{SourceLine: lines, Report: true}, evs)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts", len(alerts))
	}
	th := alerts[0].Stolen
	if th.ReapedBy.Text != "wait4(-1, NULL, 0, NULL) = 20" || th.WantedBy.Text != "wait4(20, NULL, 0, NULL) = -1 ECHILD (No child processes)" ||
		th.ReapedBy.Tid != helper || th.WantedBy.Tid != sup || th.ReapedBy.Where != `reaper (th\nread.c:22)` ||
		th.WantedBy.Where != "wait_for+0x10" || len(th.ReapedBy.Stack) != 3 || len(th.WantedBy.Stack) != 3 ||
		!th.ReapedBy.Time.Equal(t0.Add(at(11))) || th.ReapedBy.Comm != "sup" {
		t.Errorf("theft %+v", th)
	}
	r := tr.Report()
	c := r.Processes[0].Children[0]
	if c.Pid != worker || c.ReapedAt != `reaper (th\nread.c:22)` || len(c.ReapStack) != 3 {
		t.Errorf("report: %+v", c)
	}
}

// TestStolenOff: without the alert nor stacks, the tracker keeps nothing
// of the reaping calls; with stacks alone, the report gets them, top
// frames only.
func TestStolenOff(t *testing.T) {
	deep := frames("reap", 0x40)
	for len(deep) < 20 {
		deep = append(deep, deep[2])
	}
	evs := cat(start(), exit(5, worker), wait4Call(10, sup, -1, 0, worker, nil, nil), exit(6, other),
		wait4Call(12, sup, -1, 0, other, deep, nil), wait4Call(20, sup, worker, 0, eCHILD, nil, nil))
	tr, alerts := runStolen(t, Options{Alerts: map[string]bool{"echild": true}, Report: true}, evs)
	if len(alerts) != 0 {
		t.Errorf("alerts %v", alerts)
	}
	if tr.procs[worker].reap != nil || tr.stolen.inflight != nil {
		t.Errorf("kept the reaping call without stacks or the alert")
	}
	r := tr.Report()
	for _, c := range r.Processes[0].Children {
		switch c.Pid {
		case worker:
			if c.ReapedAt != "" || c.ReapStack != nil {
				t.Errorf("%d: %+v", c.Pid, c)
			}
		case other:
			if c.ReapedAt != "reap+0x10" || len(c.ReapStack) != reapTopFrames {
				t.Errorf("%d: %+v", c.Pid, c)
			}
		}
	}
}

func TestWhere(t *testing.T) {
	tr := New(Options{})
	static := []stack.Frame{
		{Object: "/bin/static", Offset: 0x10, Symbol: "wait4", SymOffset: 3},
		{Object: "/bin/static", Offset: 0x20, Symbol: "waitpid", SymOffset: 4},
	}
	for _, tc := range []struct {
		frames []stack.Frame
		want   string
	}{
		{nil, ""},
		{frames("on_sigchld", 0x80), "on_sigchld+0x10"},
		{static, "waitpid+0x4"},
		{static[:1], "wait4+0x3"},
		{[]stack.Frame{static[0], {Object: "/usr/bin/da\tsh", Offset: 0xbcc0}}, `da\tsh+0xbcc0`},
		{[]stack.Frame{static[0], {Address: 0x1234}}, "0x1234"},
	} {
		if got := tr.where(tc.frames); got != tc.want {
			t.Errorf("where(%v) = %q, want %q", tc.frames, got, tc.want)
		}
	}
}
