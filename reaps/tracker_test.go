package reaps

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/event"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// step is one synthetic event, at t0+at.
type step struct {
	at time.Duration
	ev event.Event
	w  *Wait
}

func at(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }

func launched(ms, pid int, argv ...string) step {
	return step{at(ms), event.Event{Kind: event.Traced, Proc: event.Process{Tid: pid, Pid: pid, PPid: 1}, Origin: event.Launched, Argv: argv}, nil}
}

func forked(ms, pid, parent int, argv ...string) step {
	return step{at(ms), event.Event{Kind: event.Traced, Proc: event.Process{Tid: pid, Pid: pid, PPid: parent}, Origin: event.Forked, Argv: argv}, nil}
}

func thread(ms, tid, pid int) step {
	return step{at(ms), event.Event{Kind: event.Traced, Proc: event.Process{Tid: tid, Pid: pid}, Origin: event.Forked}, nil}
}

func exited(ms, tid, code int) step {
	return step{at(ms), event.Event{Kind: event.ProcessExited, Proc: event.Process{Tid: tid}, ExitCode: code}, nil}
}

func killed(ms, tid, sig int, core bool) step {
	return step{at(ms), event.Event{Kind: event.ProcessKilled, Proc: event.Process{Tid: tid}, SigNum: sig, Core: core}, nil}
}

func execd(ms, tid int, argv ...string) step {
	return step{at(ms), event.Event{Kind: event.Executed, Proc: event.Process{Tid: tid}, Argv: argv}, nil}
}

// call is a wait call of tid entered at ms and returning at ms+dur.
func call(ms, dur, tid int, w Wait) []step {
	if w.Call == "" {
		w.Call = "wait4"
	}
	return []step{
		{at(ms), event.Event{Kind: event.CallEntry, Proc: event.Process{Tid: tid}}, nil},
		{at(ms + dur), event.Event{Kind: event.CallExit, Proc: event.Process{Tid: tid}}, &w},
	}
}

func seq(parts ...any) []step {
	var out []step
	for _, p := range parts {
		switch v := p.(type) {
		case step:
			out = append(out, v)
		case []step:
			out = append(out, v...)
		}
	}
	return out
}

func run(t *testing.T, opt Options, steps []step, end int) (*Tracker, event.Report) {
	t.Helper()
	tr := New(opt)
	for _, s := range steps {
		ev := s.ev
		ev.Time = t0.Add(s.at)
		tr.observe(&ev, s.w)
	}
	tr.finish(t0.Add(at(end)))
	return tr, tr.Report()
}

// alertLine is an alert as the text writer prints it.
func alertLine(ev *event.Event) string {
	return "!!! ALERT " + ev.Alert.Kind + ": " + ev.Alert.Message + " !!!"
}

func find(r event.Report, pid int) *event.ReapsOf {
	var walk func([]*event.ReapsOf) *event.ReapsOf
	walk = func(ps []*event.ReapsOf) *event.ReapsOf {
		for _, p := range ps {
			if p.Pid == pid {
				return p
			}
			if q := walk(p.Children); q != nil {
				return q
			}
		}
		return nil
	}
	return walk(r.Processes)
}

var all = map[string]bool{"nonzero": true, "signaled": true, "coredump": true, "zombie": true, "unreaped": true, "echild": true, "lost": true}

func TestFates(t *testing.T) {
	type want struct {
		pid        int
		state      string
		fate       string
		reapedBy   int
		latency    time.Duration
		orphanedBy int
	}
	tests := []struct {
		name   string
		steps  []step
		end    int
		want   []want
		alerts []string // "kind pid"
	}{
		{
			name: "reaped by its parent",
			steps: seq(launched(0, 100, "sh"), forked(1, 101, 100, "sh"), execd(2, 101, "make", "all"),
				exited(10, 101, 2), call(5, 7, 100, Wait{Any: true, Child: 101, State: Collected, Rval: 101}), exited(20, 100, 0)),
			end:    21,
			want:   []want{{pid: 100, state: "exited", fate: "reaped-by-tracer"}, {pid: 101, state: "exited", fate: "reaped", reapedBy: 100, latency: at(2)}},
			alerts: []string{"nonzero 101"},
		},
		{
			name: "WNOHANG polling, then reaped",
			steps: seq(launched(0, 100, "p"), forked(1, 101, 100, "p"),
				call(2, 0, 100, Wait{Target: 101, Options: WNOHANG}), call(3, 0, 100, Wait{Target: 101, Options: WNOHANG}),
				exited(4, 101, 0), call(6, 0, 100, Wait{Target: 101, Options: WNOHANG, Child: 101, State: Collected, Rval: 101}),
				call(7, 0, 100, Wait{Any: true, Errno: 10, Rval: -10}), exited(8, 100, 0)),
			end:    9,
			want:   []want{{pid: 101, state: "exited", fate: "reaped", reapedBy: 100, latency: at(2)}},
			alerts: []string{"echild 100"},
		},
		{
			name: "WNOWAIT peeks and a stop report do not reap",
			steps: seq(launched(0, 100, "p"), forked(1, 101, 100, "c"),
				call(2, 1, 100, Wait{Call: "waitid", Target: 101, Child: 101, State: Changed}),
				exited(4, 101, 0),
				call(5, 0, 100, Wait{Call: "waitid", Target: 101, Options: WNOWAIT, Child: 101, State: Peeked}),
				call(6, 0, 100, Wait{Call: "waitid", Target: 101, Child: 101, State: Collected}),
				exited(8, 100, 0)),
			end:  9,
			want: []want{{pid: 101, state: "exited", fate: "reaped", reapedBy: 100, latency: at(2)}},
		},
		{
			name: "NULL status: reaped unless WUNTRACED/WCONTINUED or WNOWAIT",
			steps: seq(launched(0, 100, "p"), forked(1, 101, 100, "c"), exited(2, 101, 0),
				call(3, 0, 100, Wait{Any: true, Child: 101, State: Unknown, Rval: 101}), exited(4, 100, 0)),
			end:  5,
			want: []want{{pid: 101, state: "exited", fate: "reaped", reapedBy: 100, latency: at(1)}},
		},
		{
			name: "SIGCHLD ignored: auto-reaped, the wait gets ECHILD",
			steps: seq(launched(0, 100, "p"), forked(1, 101, 100, "c"), exited(2, 101, 0),
				call(1, 3, 100, Wait{Any: true, Errno: 10, Rval: -10}), exited(5, 100, 0)),
			end:    6,
			want:   []want{{pid: 101, state: "exited", fate: "auto-reaped", reapedBy: 100}},
			alerts: []string{"echild 100", "lost 101"},
		},
		{
			name: "ECHILD for another pid leaves a zombie alone",
			steps: seq(launched(0, 100, "p"), forked(1, 101, 100, "c"), exited(2, 101, 0),
				call(3, 0, 100, Wait{Target: 555, Errno: 10, Rval: -10})),
			end:    4,
			want:   []want{{pid: 101, state: "exited", fate: "unreaped"}},
			alerts: []string{"echild 100", "unreaped 101"},
		},
		{
			name:   "parent exits first with a zombie child: lost",
			steps:  seq(launched(0, 100, "p"), forked(1, 101, 100, "c"), exited(2, 101, 0), exited(300, 100, 0)),
			end:    301,
			want:   []want{{pid: 101, state: "exited", fate: "lost", orphanedBy: 100}},
			alerts: []string{"zombie 101", "lost 101"},
		},
		{
			name: "double fork: reparented to a traced subreaper",
			steps: seq(launched(0, 100, "sub"), forked(1, 101, 100, "b"), forked(2, 102, 101, "c"),
				exited(3, 101, 0), call(3, 1, 100, Wait{Target: 101, Child: 101, State: Collected}),
				exited(50, 102, 7), call(5, 46, 100, Wait{Any: true, Child: 102, State: Collected}), exited(60, 100, 0)),
			end:    61,
			want:   []want{{pid: 102, state: "exited", fate: "reaped", reapedBy: 100, latency: at(1), orphanedBy: 101}},
			alerts: []string{"nonzero 102"},
		},
		{
			name: "double fork: reparented to init, reaped outside",
			steps: seq(launched(0, 100, "p"), forked(1, 101, 100, "b"), forked(2, 102, 101, "c"),
				exited(3, 101, 0), call(3, 1, 100, Wait{Target: 101, Child: 101, State: Collected}),
				exited(50, 102, 0), exited(60, 100, 0)),
			end:    61,
			want:   []want{{pid: 102, state: "exited", fate: "unreaped", orphanedBy: 101}},
			alerts: []string{"unreaped 102"},
		},
		{
			name: "killed with a core dump, threads folded, still running",
			steps: seq(launched(0, 100, "p"), forked(1, 101, 100, "c"), thread(2, 103, 101), forked(2, 104, 100, "sleep"),
				exited(3, 103, 0), killed(4, 101, 11, true), call(3, 2, 100, Wait{Target: 101, Child: 101, State: Collected})),
			end:    10,
			want:   []want{{pid: 101, state: "killed", fate: "reaped", reapedBy: 100, latency: at(1)}, {pid: 104, state: "running"}},
			alerts: []string{"coredump 101", "signaled 101"},
		},
		{
			name:  "attached process: parent outside the trace",
			steps: seq(step{0, event.Event{Kind: event.Traced, Proc: event.Process{Tid: 200, Pid: 200, PPid: 1}, Origin: event.Attached, Threads: 1}, nil}, exited(5, 200, 0)),
			end:   6,
			want:  []want{{pid: 200, state: "exited", fate: "outside"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, r := run(t, Options{Alerts: all, ZombieAfter: 100 * time.Millisecond, Follow: true}, tc.steps, tc.end)
			for _, w := range tc.want {
				p := find(r, w.pid)
				if p == nil {
					t.Fatalf("pid %d not in the report", w.pid)
				}
				if p.State != w.state || p.Fate != w.fate || p.ReapedBy != w.reapedBy ||
					time.Duration(p.LatencyNS) != w.latency || p.OrphanedBy != w.orphanedBy {
					t.Errorf("pid %d: got state %q fate %q by %d latency %v orphaned by %d; want %+v",
						w.pid, p.State, p.Fate, p.ReapedBy, time.Duration(p.LatencyNS), p.OrphanedBy, w)
				}
			}
			var got []string
			for _, a := range tr.Alerts() {
				got = append(got, a.Kind+" "+itoa(a.Pid))
			}
			if strings.Join(got, ",") != strings.Join(tc.alerts, ",") {
				t.Errorf("alerts %q; want %q", got, tc.alerts)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestThreadsFoldedUnderProcess(t *testing.T) {
	_, r := run(t, Options{}, seq(launched(0, 100, "p"), thread(1, 101, 100), thread(1, 102, 100),
		exited(2, 101, 0), exited(3, 102, 0), exited(4, 100, 0)), 5)
	if len(r.Processes) != 1 || len(r.Processes[0].Children) != 0 {
		t.Fatalf("threads must not be processes: %+v", r.Processes)
	}
	if p := r.Processes[0]; len(p.Threads) != 2 || p.State != "exited" {
		t.Errorf("process: %+v", p)
	}
}

func TestAlertsFireOnceAndOnlyWhenEnabled(t *testing.T) {
	var fired []string
	opt := Options{Alerts: map[string]bool{"zombie": true}, ZombieAfter: 10 * time.Millisecond,
		Emit: func(ev *event.Event) { fired = append(fired, alertLine(ev)) }}
	steps := seq(launched(0, 100, "make"), forked(1, 101, 100, "/usr/bin/cc", "-c", "a.c"), exited(2, 101, 1),
		call(20, 1, 100, Wait{Target: 999, Options: WNOHANG}), call(40, 1, 100, Wait{Target: 999, Options: WNOHANG}))
	run(t, opt, steps, 50)
	want := "!!! ALERT zombie: 101 (cc) unreaped by 100 (make) for 0.0s !!!"
	if len(fired) != 1 || fired[0] != want {
		t.Errorf("fired %q; want once %q", fired, want)
	}
}

// TestAlertDescribesItsProcess: an alert's record carries the process as
// its records described it (name, uid: JSON's processName, userId), after
// an exec too; one never described has uid -1, unknown.
func TestAlertDescribesItsProcess(t *testing.T) {
	var got []event.Process
	opt := Options{Alerts: map[string]bool{"nonzero": true}, Follow: true,
		Emit: func(ev *event.Event) { got = append(got, ev.Proc) }}
	described := forked(1, 101, 100, "sh")
	described.ev.Proc.Comm, described.ev.Proc.Uid = "sh", 1000
	exec := execd(2, 101, "/bin/false")
	exec.ev.Proc = event.Process{Tid: 101, Pid: 101, PPid: 100, Comm: "false", Uid: 1000}
	steps := seq(launched(0, 100, "make"), described, exec, exited(3, 101, 1),
		forked(4, 102, 100, "cc"), exited(5, 102, 1))
	run(t, opt, steps, 10)
	want := []event.Process{
		{Tid: 101, Pid: 101, PPid: 100, Comm: "false", Uid: 1000},
		{Tid: 102, Pid: 102, PPid: 100, Uid: -1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("alerts about %+v; want %+v", got, want)
	}
}

// TestNextAlert: the earliest pending zombie deadline, gone once the
// alert fired or the child was reaped, and none with the alert off.
func TestNextAlert(t *testing.T) {
	var fired []string
	opt := Options{Alerts: map[string]bool{"zombie": true}, ZombieAfter: at(100),
		Emit: func(ev *event.Event) { fired = append(fired, alertLine(ev)) }}
	tr := New(opt)
	observe := func(s step) {
		ev := s.ev
		ev.Time = t0.Add(s.at)
		tr.observe(&ev, s.w)
	}
	for _, s := range seq(launched(0, 100, "sh"), forked(1, 101, 100, "a"), forked(2, 102, 100, "b"),
		exited(10, 102, 0), exited(30, 101, 0)) {
		observe(s)
	}
	if next, ok := tr.Next(); !ok || !next.Equal(t0.Add(at(110))) {
		t.Fatalf("Next = %v, %v; want t0+110ms (102 exited at 10ms)", next.Sub(t0), ok)
	}
	tr.Advance(t0.Add(at(110)))
	if len(fired) != 1 || !strings.Contains(fired[0], "zombie: 102 ") {
		t.Fatalf("Tick at the deadline fired %q; want 102's alert", fired)
	}
	if next, ok := tr.Next(); !ok || !next.Equal(t0.Add(at(130))) {
		t.Fatalf("Next = %v, %v; want t0+130ms (101 exited at 30ms)", next.Sub(t0), ok)
	}
	for _, s := range call(120, 1, 100, Wait{Target: 101, Child: 101, State: Collected}) {
		observe(s)
	}
	if next, ok := tr.Next(); ok {
		t.Errorf("Next = %v after 101 was reaped; want none", next.Sub(t0))
	}
	if _, ok := New(Options{ZombieAfter: at(100)}).Next(); ok {
		t.Error("NextAlert with the zombie alert off; want none")
	}
}

func TestLatencyStats(t *testing.T) {
	steps := seq(launched(0, 100, "p"))
	for i, lat := range []int{3, 1, 2, 10} {
		pid := 101 + i
		steps = append(steps, forked(i*100+1, pid, 100, "c"), exited(i*100+2, pid, 0))
		steps = append(steps, call(i*100+2, lat, 100, Wait{Any: true, Child: pid, State: Collected})...)
	}
	steps = append(steps, call(500, 0, 100, Wait{Any: true, Errno: 4, Rval: -4})...)
	steps = append(steps, call(501, 0, 100, Wait{Any: true, Errno: 512, Rval: -512})...)
	_, r := run(t, Options{}, steps, 600)
	rp := r.Reapers[0]
	if rp.Calls != 6 || rp.Found != 4 || rp.EINTR != 1 || rp.Restarted != 1 || rp.Reaped != 4 {
		t.Errorf("counts: %+v", rp)
	}
	if rp.MinNS != int64(at(1)) || rp.MedianNS != int64(at(2)+at(1)/2) || rp.MaxNS != int64(at(10)) {
		t.Errorf("latency min %v median %v max %v", time.Duration(rp.MinNS), time.Duration(rp.MedianNS), time.Duration(rp.MaxNS))
	}
}

// BenchmarkTrackerLongTrace: a supervisor forks, and reaps, one child after
// another, with every alert on; b.N children in all. The cost per child
// must not grow with the number of processes seen before.
func BenchmarkTrackerLongTrace(b *testing.B) {
	tr := New(Options{Alerts: all, ZombieAfter: time.Second, Follow: true, Emit: func(*event.Event) {}})
	observe := func(s step) {
		ev := s.ev
		ev.Time = t0.Add(s.at)
		tr.observe(&ev, s.w)
	}
	observe(launched(0, 1, "init"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pid := 2 + i
		observe(forked(i, pid, 1, "job"))
		observe(exited(i, pid, 0))
		for _, s := range call(i, 0, 1, Wait{Any: true, Child: pid, State: Collected}) {
			observe(s)
		}
		tr.Next()
	}
}
