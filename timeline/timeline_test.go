package timeline

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// t0 is the time of the first record of every scenario.
var t0 = time.Date(2026, 11, 23, 14, 3, 37, 0, time.UTC)

func at(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }

func ident(tid, pid, ppid int, comm string) event.Process {
	return event.Process{Tid: tid, Pid: pid, PPid: ppid, Uid: 0, Comm: comm}
}

func traced(us int, p event.Process, o event.Origin, argv ...string) *event.Event {
	return &event.Event{Kind: event.Traced, Time: at(us), Proc: p, Origin: o, Argv: argv}
}

func executed(us int, p event.Process, argv ...string) *event.Event {
	return &event.Event{Kind: event.Executed, Time: at(us), Proc: p, Argv: argv}
}

func exited(us int, p event.Process, code int) *event.Event {
	return &event.Event{Kind: event.ProcessExited, Time: at(us), Proc: p, ExitCode: code}
}

func killed(us int, p event.Process, sig string, core bool) *event.Event {
	return &event.Event{Kind: event.ProcessKilled, Time: at(us), Proc: p, Signal: sig, Core: core}
}

func signal(us int, p event.Process, sig, info string) *event.Event {
	return &event.Event{Kind: event.SignalDelivered, Time: at(us), Proc: p, Signal: sig, SigInfoText: info}
}

func groupStop(us int, p event.Process, sig string) *event.Event {
	return &event.Event{Kind: event.GroupStopped, Time: at(us), Proc: p, Signal: sig}
}

func untraced(us int, p event.Process) *event.Event {
	return &event.Event{Kind: event.Untraced, Time: at(us), Proc: p}
}

func alert(us int, pid int, kind, msg string) *event.Event {
	return &event.Event{Kind: event.AlertFired, Time: at(us), Proc: ident(pid, pid, 0, ""),
		Alert: &event.Alert{Kind: kind, Pid: pid, Message: msg, Time: at(us)}}
}

const statusAddr = 0x7ffc02be55fc

// wait4 returns the entry and exit records of wait4(wpid, &status, opts,
// NULL) returning ret (a pid, 0, or -errno) with status ws.
func wait4(in, out int, p event.Process, wpid int, opts uint64, ret int, ws *decode.WaitStatus) (*event.Event, *event.Event) {
	raw := [6]uint64{uint64(int64(wpid)), statusAddr, opts}
	entryText := fmt.Sprintf("%d, ", wpid)
	entry := &event.Event{Kind: event.CallEntry, Time: at(in), Proc: p, Syscall: "wait4", Raw: raw, EntryText: entryText}
	exit := &event.Event{Kind: event.CallExit, Time: at(out), Proc: p, Syscall: "wait4", Raw: raw, EntryText: entryText}
	status := fmt.Sprintf("%#x", statusAddr)
	if ws != nil {
		status = ws.String()
		exit.Status = ws
	}
	exit.ExitText = status + ", " + decode.WaitOptions(opts).String() + ", NULL"
	setReturn(exit, ret)
	return entry, exit
}

// waitid returns waitid(P_PID, pid, &si, opts, NULL) returning 0 with si
// (nil: si_pid 0), or -errno.
func waitid(in, out int, p event.Process, pid int, opts uint64, ret int, si *decode.Siginfo) (*event.Event, *event.Event) {
	raw := [6]uint64{idPPid, uint64(pid), 0x7ffc00001000, opts}
	entryText := fmt.Sprintf("P_PID, %d, ", pid)
	entry := &event.Event{Kind: event.CallEntry, Time: at(in), Proc: p, Syscall: "waitid", Raw: raw, EntryText: entryText}
	exit := &event.Event{Kind: event.CallExit, Time: at(out), Proc: p, Syscall: "waitid", Raw: raw, EntryText: entryText}
	text := "{}"
	if si != nil {
		exit.CallSiginfo = si
		text = si.Format(nil)
	}
	exit.ExitText = text + ", " + decode.WaitOptions(opts).String() + ", NULL"
	setReturn(exit, ret)
	return entry, exit
}

func setReturn(ev *event.Event, ret int) {
	ev.RetText, ev.IsErr = decode.Return(int64(ret))
	ev.Return = int64(ret)
	if ev.IsErr {
		ev.Return, ev.Errno = -1, -ret
		ev.ErrName, ev.ErrMsg = decode.Errno(-ret)
	}
}

func exitStatus(code int) *decode.WaitStatus {
	ws := decode.WaitStatus(code << 8)
	return &ws
}

func stopStatus(sig int) *decode.WaitStatus {
	ws := decode.WaitStatus(sig<<8 | 0x7f)
	return &ws
}

func childInfo(pid int, code int32, status int32) *decode.Siginfo {
	return &decode.Siginfo{Signo: 17, Code: code, Pid: int32(pid), Status: status}
}

// seq flattens records and entry/exit pairs into the order of their
// times, as the session hands them out (ties keep their order).
func seq(groups ...any) []*event.Event {
	var out []*event.Event
	for _, g := range groups {
		switch g := g.(type) {
		case *event.Event:
			out = append(out, g)
		case []*event.Event:
			out = append(out, g...)
		}
	}
	slices.SortStableFunc(out, func(a, b *event.Event) int { return a.Time.Compare(b.Time) })
	return out
}

func pair(a, b *event.Event) []*event.Event { return []*event.Event{a, b} }

const (
	sigchld = "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=3, si_utime=0, si_stime=0}"
	wnohang = 0x1
	wuntr   = 0x2
	wnowait = 0x1000000
	wexited = 0x4
)

var (
	sh    = ident(100, 100, 1, "sh")
	child = ident(101, 101, 100, "sh")
	kid2  = ident(102, 102, 100, "sleep")
	thr   = ident(103, 100, 1, "worker")
)

// scenarios are the unit cases of the event mapping; each one's output is
// compared with testdata/NAME.json and checked with CheckTimeline.
var scenarios = []struct {
	name    string
	records []*event.Event
}{
	{"empty", nil},
	{
		// The README's example: a blocked wait4 reaps a child that exited 3.
		"fork_exit_reap",
		seq(
			traced(0, sh, event.Launched, "sh", "-c", "(exit 3) & wait"),
			traced(100, child, event.Forked, "sh", "-c", "(exit 3) & wait"),
			pair(wait4(150, 400, sh, -1, 0, 101, exitStatus(3))),
			exited(300, child, 3),
			alert(310, 101, "nonzero", "101 (sh) exited with 3"),
			signal(350, sh, "SIGCHLD", sigchld),
			pair(wait4(450, 460, sh, -1, 0, -10, nil)),
			exited(500, sh, 0),
		),
	},
	{
		// A zombie left 200 µs, the WNOHANG polls before it, and a reap
		// with a NULL status pointer (status not decoded: still a reap).
		"wnohang_null_status",
		seq(
			traced(0, sh, event.Launched, "sh"),
			traced(10, child, event.Forked, "sh"),
			pair(wait4(20, 25, sh, -1, wnohang, 0, nil)),
			exited(30, child, 0),
			func() []*event.Event {
				in, out := wait4(230, 240, sh, -1, 0, 101, nil)
				in.Raw[1], out.Raw[1] = 0, 0
				out.ExitText = "NULL, 0, NULL"
				return pair(in, out)
			}(),
			exited(300, sh, 0),
		),
	},
	{
		// waitid: WNOWAIT peeks (no reap), then the reap of a child killed
		// with a core dump.
		"waitid_peek_then_reap",
		seq(
			traced(0, sh, event.Launched, "supervisor"),
			traced(10, child, event.Forked, "supervisor"),
			killed(50, child, "SIGSEGV", true),
			pair(waitid(60, 70, sh, 101, wexited|wnowait, 0, childInfo(101, 3, 11))),
			pair(waitid(80, 90, sh, 101, wexited, 0, childInfo(101, 3, 11))),
			exited(100, sh, 0),
		),
	},
	{
		// A stop and a continue are reported, not reaped; the group-stop
		// is an instant.
		"stop_is_not_a_reap",
		seq(
			traced(0, sh, event.Launched, "demo"),
			traced(10, child, event.Forked, "demo"),
			signal(20, child, "SIGSTOP", "{si_signo=SIGSTOP, si_code=SI_USER, si_pid=100, si_uid=0}"),
			groupStop(25, child, "SIGSTOP"),
			pair(wait4(15, 30, sh, 101, wuntr, 101, stopStatus(19))),
			exited(40, child, 0),
			pair(wait4(35, 50, sh, 101, 0, 101, exitStatus(0))),
			exited(60, sh, 0),
		),
	},
	{
		// The parent ignores SIGCHLD: the kernel discards its dead child,
		// and its wait gets ECHILD.
		"auto_reaped",
		seq(
			traced(0, sh, event.Launched, "sigign"),
			traced(10, child, event.Forked, "sigign"),
			exited(20, child, 0),
			pair(wait4(30, 40, sh, -1, 0, -10, nil)),
			exited(50, sh, 0),
		),
	},
	{
		// The parent exits without reaping: the zombie goes to init.
		"orphaned_zombie",
		seq(
			traced(0, sh, event.Launched, "leaker"),
			traced(10, child, event.Forked, "leaker"),
			exited(20, child, 1),
			exited(50, sh, 0),
		),
	},
	{
		// A second thread reaps a child forked before its wait4 began;
		// then an execve in that thread supersedes the main thread, whose
		// wait4 never returns.
		"threads_and_superseded",
		seq(
			traced(0, sh, event.Launched, "pool"),
			traced(10, thr, event.Forked),
			traced(20, kid2, event.Forked, "sleep", "0.1"),
			pair(wait4(30, 90, thr, 102, 0, 102, exitStatus(0))),
			exited(80, kid2, 0),
			&event.Event{Kind: event.CallEntry, Time: at(95), Proc: sh, Syscall: "wait4", Raw: [6]uint64{^uint64(0), statusAddr}, EntryText: "-1, "},
			&event.Event{Kind: event.Superseded, Time: at(100), Proc: sh, Former: 103},
			executed(100, ident(100, 100, 1, "true"), "/bin/true"),
			exited(120, ident(100, 100, 1, "true"), 0),
		),
	},
	{
		// The wait4 of one thread blocks since before another thread
		// forked the child it reaps: the flow's end is bound at the
		// call's return (Perfetto needs its start first).
		"call_before_fork",
		seq(
			traced(0, sh, event.Launched, "pool"),
			traced(10, thr, event.Forked),
			&event.Event{Kind: event.CallEntry, Time: at(20), Proc: thr, Syscall: "wait4", Raw: [6]uint64{^uint64(0), statusAddr}, EntryText: "-1, "},
			traced(30, child, event.Forked, "pool"),
			exited(40, child, 0),
			func() *event.Event {
				_, out := wait4(20, 50, thr, -1, 0, 101, exitStatus(0))
				return out
			}(),
			exited(60, thr, 0),
			exited(70, sh, 0),
		),
	},
	{
		// Ctrl-C: a blocked call is detached, and so is its process, whose
		// zombie child's reap will not be seen.
		"detached",
		seq(
			traced(0, sh, event.Attached, "supervisord"),
			traced(10, child, event.Forked, "worker"),
			exited(20, child, 0),
			&event.Event{Kind: event.CallEntry, Time: at(30), Proc: sh, Syscall: "wait4", Raw: [6]uint64{102, statusAddr}, EntryText: "102, "},
			untraced(40, sh),
		),
	},
	{
		// The trace ends (Close) with everything still open.
		"open_at_close",
		seq(
			traced(0, sh, event.Launched, "sh"),
			traced(10, thr, event.Forked),
			traced(20, child, event.Forked, "sh"),
			traced(25, kid2, event.Forked, "sleep", "9"),
			exited(30, child, 0),
			&event.Event{Kind: event.CallEntry, Time: at(40), Proc: thr, Syscall: "wait4", Raw: [6]uint64{102, statusAddr}, EntryText: "102, "},
		),
	},
	{
		// A child traced without its own argv and name (no /proc read):
		// named after its parent, whose program it runs until it execs.
		"forked_child_named_after_parent",
		seq(
			traced(0, sh, event.Launched, "make", "-j4"),
			traced(10, ident(101, 101, 100, ""), event.Forked),
			exited(20, ident(101, 101, 100, ""), 0),
			exited(30, sh, 0),
		),
	},
	{
		// Bytes from the tracee that are not UTF-8, quotes, control
		// characters, U+2028: all valid JSON, the exact bytes in base64.
		"hostile_names",
		seq(
			traced(0, ident(100, 100, 1, "e\xffvil\n"), event.Launched, "caf\xe9", "\"q\"\t\\", "\u2028", strings.Repeat("long ", 60)),
			exited(10, ident(100, 100, 1, "e\xffvil\n"), 0),
		),
	},
}

func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := New(&out)
			for _, r := range sc.records {
				w.Record(r)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := CheckTimeline(out.Bytes()); err != nil {
				t.Errorf("%v\n%s", err, out.Bytes())
			}
			golden := filepath.Join("testdata", sc.name+".json")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, out.Bytes())
			}
		})
	}
}

// TestWaitRules: which returned wait calls reap which child, as the reaps
// tracker decides.
func TestWaitRules(t *testing.T) {
	nullStatus := func(ev *event.Event) *event.Event { ev.Raw[1], ev.Status = 0, nil; return ev }
	unreadable := func(ev *event.Event) *event.Event { ev.Status = nil; return ev }
	last := func(_ *event.Event, ev *event.Event) *event.Event { return ev }
	for _, c := range []struct {
		name  string
		ev    *event.Event
		child int
		reaps bool
		any   bool
	}{
		{"wait4 exit", last(wait4(0, 1, sh, -1, 0, 101, exitStatus(3))), 101, true, true},
		{"wait4 killed", last(wait4(0, 1, sh, 101, 0, 101, func() *decode.WaitStatus { ws := decode.WaitStatus(9); return &ws }())), 101, true, false},
		{"wait4 stop", last(wait4(0, 1, sh, -1, wuntr, 101, stopStatus(19))), 101, false, true},
		{"wait4 WNOHANG none", last(wait4(0, 1, sh, -1, wnohang, 0, nil)), 0, false, true},
		{"wait4 ECHILD", last(wait4(0, 1, sh, -1, 0, -10, nil)), 0, false, true},
		{"wait4 NULL status", nullStatus(last(wait4(0, 1, sh, -1, 0, 101, nil))), 101, true, true},
		// Unknown: a stop or an exit. The timeline (as the tracker) takes
		// it as a reap only of a child it knows is dead: that can only be
		// its exit.
		{"wait4 NULL status WUNTRACED", nullStatus(last(wait4(0, 1, sh, -1, wuntr, 101, nil))), 101, true, true},
		{"wait4 unreadable status", unreadable(last(wait4(0, 1, sh, -1, 0, 101, exitStatus(0)))), 101, true, true},
		{"waitid exited", last(waitid(0, 1, sh, 101, wexited, 0, childInfo(101, 1, 0))), 101, true, false},
		{"waitid dumped", last(waitid(0, 1, sh, 101, wexited, 0, childInfo(101, 3, 11))), 101, true, false},
		{"waitid WNOWAIT", last(waitid(0, 1, sh, 101, wexited|wnowait, 0, childInfo(101, 1, 0))), 101, false, false},
		{"waitid stopped", last(waitid(0, 1, sh, 101, wuntr, 0, childInfo(101, 5, 19))), 101, false, false},
		{"waitid WNOHANG none", last(waitid(0, 1, sh, 101, wexited|wnohang, 0, &decode.Siginfo{})), 0, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, ok := resultOf(c.ev)
			if !ok {
				t.Fatal("not read as a wait call")
			}
			if r.child != c.child || r.reaps() != c.reaps || r.any != c.any {
				t.Errorf("child %d, reaps %v, any %v; want %d, %v, %v", r.child, r.reaps(), r.any, c.child, c.reaps, c.any)
			}
		})
	}
	if _, ok := resultOf(signal(0, sh, "SIGCHLD", "")); ok {
		t.Error("a signal read as a wait call")
	}
}

// TestConstantMemory: a long trace of forks, exits and reaps leaves
// nothing behind but the parent.
func TestConstantMemory(t *testing.T) {
	w := New(discard{})
	w.Record(traced(0, sh, event.Launched, "sh"))
	for i := range 10000 {
		for _, r := range forkExitReap(sh, 1000+i, i*10+1) {
			w.Record(r)
		}
	}
	if len(w.procs) != 1 || len(w.threads) != 1 || len(w.zombies) != 0 || len(w.zombiesOf) != 0 {
		t.Errorf("after 10,000 children: %d processes, %d threads, %d zombies, %d parents with zombies",
			len(w.procs), len(w.threads), len(w.zombies), len(w.zombiesOf))
	}
	if cap(w.buf) > 4096 {
		t.Errorf("the write buffer grew to %d bytes", cap(w.buf))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// forkExitReap is one child's records: traced, the parent's blocking
// wait4, the child's exit, SIGCHLD, the reap.
func forkExitReap(parent event.Process, pid, us int) []*event.Event {
	c := ident(pid, pid, parent.Pid, "child")
	in, out := wait4(us+1, us+5, parent, -1, 0, pid, exitStatus(0))
	return []*event.Event{
		traced(us, c, event.Forked, "child", "--work"),
		in,
		exited(us+3, c, 0),
		signal(us+4, parent, "SIGCHLD", sigchld),
		out,
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// failing fails every write after the first n bytes.
type failing struct {
	n      int
	writes int
}

func (f *failing) Write(p []byte) (int, error) {
	f.writes++
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

// TestWriteError: the first write error is kept, and nothing more is
// written (the session reports it once and keeps tracing).
func TestWriteError(t *testing.T) {
	out := &failing{n: 10}
	w := New(out)
	w.Record(traced(0, sh, event.Launched, "sh"))
	if w.Err() == nil || w.Err().Error() != "disk full" {
		t.Fatalf("Err() = %v, want the write's error", w.Err())
	}
	writes := out.writes
	for _, r := range forkExitReap(sh, 101, 10) {
		w.Record(r)
	}
	if err := w.Close(); err == nil || out.writes != writes {
		t.Errorf("Close() = %v after %d more writes; want the error, no writes", err, out.writes-writes)
	}

	short := New(shortWriter{})
	short.Record(traced(0, sh, event.Launched, "sh"))
	if !errors.Is(short.Err(), io.ErrShortWrite) {
		t.Errorf("a short write gave %v", short.Err())
	}
}

// TestOneWritePerRecord: each record's events go out in one Write, so
// that a cut (waittrace killed) falls between events.
func TestOneWritePerRecord(t *testing.T) {
	var writes []string
	w := New(writerFunc(func(p []byte) (int, error) { writes = append(writes, string(p)); return len(p), nil }))
	records := seq(traced(0, sh, event.Launched, "sh"), forkExitReap(sh, 101, 10))
	for i, r := range records {
		before := len(writes)
		w.Record(r)
		if len(writes) > before+1 {
			t.Errorf("record %d made %d writes", i, len(writes)-before)
		}
	}
	if len(writes) == 0 || !strings.HasPrefix(writes[0], "[\n{") {
		t.Errorf("the first write %q does not open the array with the first events", writes)
	}
	_ = w.Close()
	if last := writes[len(writes)-1]; !strings.HasSuffix(last, "\n]\n") {
		t.Errorf("the last write %q does not close the array", last)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }
