// Package reaps analyses who reaped whom. It consumes the decoded records
// of a trace (package event) and keeps, per traced process: how it ended, which traced wait call
// collected its status and how long after its exit, or why none did. From
// that it fires alerts as soon as they are known, builds the end-of-trace
// report (the process tree and per-reaper statistics) and the -c summary.
//
// It does no ptrace and no /proc reading, and decodes nothing again:
// everything comes from the records. Alerts, the report and the summary it
// derives are records too, handed back through Options.Emit.
package reaps

import (
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/stack"
)

// Wait option bits (include/uapi/linux/wait.h).
const (
	WNOHANG    = 0x1
	WUNTRACED  = 0x2
	WCONTINUED = 0x8
	WNOWAIT    = 0x1000000
)

// Errno values the outcome counters tell apart.
const (
	errEINTR  = 4
	errECHILD = 10
)

// State is what a successful wait call reported about Wait.Child.
type State uint8

// States of a wait call's result.
const (
	// NoChild: nothing reported (WNOHANG's 0, waitid's si_pid 0, or an error).
	NoChild State = iota
	// Collected: an exit or death was reported and the zombie released.
	Collected
	// Peeked: an exit was reported with WNOWAIT; the child stays a zombie.
	Peeked
	// Changed: a stop or continue was reported.
	Changed
	// Unknown: a child was reported but its status could not be read
	// (NULL status pointer); the tracker decides from what it knows.
	Unknown
)

// Wait is what the tracker needs to know of a wait-family call that
// returned, taken from its record (waitOf).
type Wait struct {
	Call        string // "wait4", "waitid", "waitpid"
	Personality int    // index of the syscall personality (0: native, 1: 32-bit)
	// Any: the call waited for any child (wait4(-1), waitid(P_ALL));
	// otherwise Target is the pid it asked for (0 for process groups and
	// pidfds, which the tracker cannot resolve).
	Any     bool
	Target  int
	Options uint64
	Rval    int64
	Errno   int // 0, or the errno of a failed call (restart codes included)
	Child   int // the pid the call reported, or 0
	State   State
}

// Alert kinds, in the order --help lists them.
var AlertKinds = []string{"nonzero", "signaled", "coredump", "zombie", "unreaped", "echild", "lost", "stolen"}

// Options configure a Tracker.
type Options struct {
	// Alerts enabled, by kind; nil or empty: none.
	Alerts map[string]bool
	// ZombieAfter is how long a child may stay unreaped while its parent
	// is traced before the zombie alert fires (default 1s).
	ZombieAfter time.Duration
	// Emit receives the records the tracker derives: each alert as it
	// fires (AlertFired), and at End the summary (SummaryReady, with
	// Summary) and the report (ReportReady, with Report).
	Emit func(*event.Event)
	// Follow: -f was given (children are traced).
	Follow bool
	// Summary and Report: emit them at End.
	Summary, Report bool
	// SummaryWall counts each call's wall-clock time, from its entry to
	// its exit stop (-w), instead of the system CPU time the tracee spent
	// in it (the record's STime), which strace -c counts by default.
	SummaryWall bool
	// SummaryOverhead is subtracted from each call's time before it is
	// counted, down to zero (-O).
	SummaryOverhead time.Duration
	// SummarySortBy and SummaryColumns are passed on to the summary's
	// writers (-S, -U; see event.Summary).
	SummarySortBy  string
	SummaryColumns []string
	// SourceLine, if set, finds the source file and line of a frame, for
	// where the report and the stolen alert say a call was made.
	SourceLine func(stack.Frame) (file string, line int, ok bool)
}

// Fate is how a process's exit status was disposed of.
type Fate uint8

// Fates.
const (
	Alive       Fate = iota // not exited (yet)
	Reaped                  // a traced wait call collected it
	ByTracer                // the launched command: waittrace, its parent, collected it
	AutoReaped              // the kernel discarded it: its parent ignores SIGCHLD (its wait got ECHILD)
	Abandoned               // its parent exited first without collecting it
	Unreaped                // nobody traced collected it by the end
	NotObserved             // its parent is not traced: collected outside the trace, if at all
)

type proc struct {
	pid, parent int
	// listed: in t.kids[listedUnder] (stale entries are skipped there).
	listed      bool
	listedUnder int
	argv        []string
	threads     []int
	origin      event.Origin
	start       time.Time

	exited, killed, core bool
	status, sig          int
	exitTime             time.Time
	detached             bool

	fate       Fate
	reaper     int
	reapCall   string
	reapTime   time.Time
	orphanedBy int // the parent that exited while this process lived
	// reap is the call that collected it, with its stack, when the
	// stolen alert or a stack asks for it (stolen.go); pgid its process
	// group as last known (0: unknown).
	reap    *event.WaitCall
	reapAny bool // reap waited for any child
	pgid    int

	fired map[string]bool
	// who is the process as its records last described it (comm, uid),
	// for the records of its alerts.
	who event.Process
}

func (p *proc) comm() string {
	if len(p.argv) == 0 || p.argv[0] == "" {
		return "?"
	}
	base := path.Base(p.argv[0])
	return decode.Quote(base[:min(len(base), 16)])
}

// describedBy keeps what a record of the process says about it, when it
// says anything (records are described only when a sink needs it).
func (p *proc) describedBy(who event.Process) {
	if who.Comm != "" {
		p.who = who
	}
}

func (p *proc) dead() bool { return p.exited || p.killed }

// reaperStats counts the wait calls of one traced process.
type reaperStats struct {
	calls, found, none, echild, eintr, restarted, other int
	latencies                                           []time.Duration
}

// Tracker follows the processes of one trace.
type Tracker struct {
	opt   Options
	procs map[int]*proc
	order []int // pids in order of first sight
	// kids are the pids whose parent is the key, in order of first sight.
	kids map[int][]int
	// zombies are the processes, in order of death, whose zombie alert
	// may still fire; Advance and Next drop the others as they go, so
	// that neither walks every process of a long trace at every event.
	zombies []*proc
	thread  map[int]int // tid -> pid
	entry   map[int]time.Time
	stats   map[int]*reaperStats
	calls   []*event.SummaryRow
	alerts  []event.Alert
	end     time.Time
	done    bool
	stolen  stolenState
}

// New returns a Tracker.
func New(opt Options) *Tracker {
	if opt.ZombieAfter <= 0 {
		opt.ZombieAfter = time.Second
	}
	return &Tracker{
		opt:    opt,
		procs:  make(map[int]*proc),
		kids:   make(map[int][]int),
		thread: make(map[int]int),
		entry:  make(map[int]time.Time),
		stats:  make(map[int]*reaperStats),
	}
}

// pidOf maps a thread to its process.
func (t *Tracker) pidOf(tid int) int {
	if pid, ok := t.thread[tid]; ok {
		return pid
	}
	return tid
}

func (t *Tracker) procOf(pid int) *proc {
	p := t.procs[pid]
	if p == nil {
		p = &proc{pid: pid, fired: map[string]bool{}}
		t.procs[pid] = p
		t.order = append(t.order, pid)
	}
	return p
}

// Record implements event.Sink: it takes one record of the trace.
func (t *Tracker) Record(ev *event.Event) {
	w := waitOf(ev)
	t.observe(ev, w)
	t.stolenCheck(ev, w)
}

// Close implements event.Sink.
func (t *Tracker) Close() error { return nil }

// observe takes one record; w is its wait call for a CallExit (nil
// otherwise, or if the call could not be decoded). It checks the zombie
// deadlines first, as of the record's time.
func (t *Tracker) observe(ev *event.Event, w *Wait) {
	if !ev.Time.IsZero() {
		t.Advance(ev.Time)
	}
	switch ev.Kind {
	case event.Traced:
		tid, pid := ev.Proc.Tid, ev.Proc.Pid
		if pid == 0 {
			pid = tid
		}
		t.thread[tid] = pid
		if pid != tid {
			p := t.procOf(pid)
			if !slices.Contains(p.threads, tid) {
				p.threads = append(p.threads, tid)
			}
			return
		}
		p := t.procOf(pid)
		p.parent, p.origin, p.start = ev.Proc.PPid, ev.Origin, ev.Time
		p.describedBy(ev.Proc)
		if !p.listed || p.listedUnder != p.parent {
			t.kids[p.parent] = append(t.kids[p.parent], pid)
			p.listed, p.listedUnder = true, p.parent
		}
		if len(ev.Argv) > 0 {
			p.argv = slices.Clone(ev.Argv)
		}
	case event.Executed:
		p := t.procOf(t.pidOf(ev.Proc.Tid))
		p.describedBy(ev.Proc)
		if len(ev.Argv) > 0 {
			p.argv = slices.Clone(ev.Argv)
		}
	case event.Superseded:
		pid := t.pidOf(ev.Proc.Tid)
		p := t.procOf(pid)
		p.threads = slices.DeleteFunc(p.threads, func(tid int) bool { return tid == ev.Former })
		delete(t.thread, ev.Former)
	case event.ProcessExited, event.ProcessKilled:
		tid := ev.Proc.Tid
		delete(t.entry, tid)
		pid := t.pidOf(tid)
		if pid != tid {
			return // a thread: the process lives on
		}
		p := t.procOf(pid)
		p.exitTime = ev.Time
		if t.opt.Alerts["zombie"] {
			t.zombies = append(t.zombies, p)
		}
		if ev.Kind == event.ProcessExited {
			p.exited, p.status = true, ev.ExitCode
		} else {
			p.killed, p.sig, p.core = true, ev.SigNum, ev.Core
		}
		t.ended(p)
	case event.Untraced:
		tid := ev.Proc.Tid
		delete(t.entry, tid)
		if pid := t.pidOf(tid); pid == tid {
			t.procOf(pid).detached = true
		}
	case event.CallEntry:
		t.entry[ev.Proc.Tid] = ev.Time
	case event.CallExit:
		start, ok := t.entry[ev.Proc.Tid]
		delete(t.entry, ev.Proc.Tid)
		if w == nil {
			return
		}
		d := ev.STime
		if t.opt.SummaryWall {
			d = 0
			if ok && ev.Time.After(start) {
				d = ev.Time.Sub(start)
			}
		}
		// As strace: the overhead comes off each call, before the sums.
		d = max(d-t.opt.SummaryOverhead, 0)
		t.wait(t.pidOf(ev.Proc.Tid), w, ev.Time, d)
	}
}

// ended handles the exit or death of process p.
func (t *Tracker) ended(p *proc) {
	switch {
	case p.killed && p.core:
		t.fire("coredump", p, "%d (%s) killed by %s (core dumped)", p.pid, p.comm(), sigName(p.sig))
		t.fire("signaled", p, "%d (%s) killed by %s (core dumped)", p.pid, p.comm(), sigName(p.sig))
	case p.killed:
		t.fire("signaled", p, "%d (%s) killed by %s", p.pid, p.comm(), sigName(p.sig))
	case p.status != 0:
		t.fire("nonzero", p, "%d (%s) exited with %d", p.pid, p.comm(), p.status)
	}
	if p.origin == event.Launched {
		p.fate, p.reapTime = ByTracer, p.exitTime
	}
	// Its children: living ones are orphaned (reparented to a subreaper
	// or init); dead, uncollected ones lose their status to the new parent.
	for _, pid := range t.kids[p.pid] {
		c := t.procs[pid]
		if c.parent != p.pid || c == p {
			continue
		}
		switch {
		case !c.dead():
			if c.orphanedBy == 0 {
				c.orphanedBy = p.pid
			}
		case c.fate == Alive && c.orphanedBy == 0:
			c.fate = Abandoned
			c.orphanedBy = p.pid
			t.fire("lost", c, "%d (%s) %s, never reaped by %d (%s), which exited first",
				c.pid, c.comm(), c.how(), p.pid, p.comm())
		}
	}
}

func (p *proc) how() string {
	switch {
	case p.killed && p.core:
		return "killed by " + sigName(p.sig) + " (core dumped)"
	case p.killed:
		return "killed by " + sigName(p.sig)
	case p.exited:
		return fmt.Sprintf("exited %d", p.status)
	}
	return "running"
}

// wait accounts one returned wait call of process pid.
func (t *Tracker) wait(pid int, w *Wait, now time.Time, d time.Duration) {
	st := t.stats[pid]
	if st == nil {
		st = &reaperStats{}
		t.stats[pid] = st
	}
	cs := t.callRow(w.Call, w.Personality)
	st.calls++
	cs.Calls++
	cs.Time += d
	if cs.Calls == 1 || d < cs.Min {
		cs.Min = d
	}
	cs.Max = max(cs.Max, d)
	if w.Errno != 0 {
		cs.Errors++
	}
	switch {
	case w.Errno == errECHILD:
		st.echild++
		cs.ECHILD++
		t.echild(pid, w, now)
	case w.Errno == errEINTR:
		st.eintr++
		cs.EINTR++
	case w.Errno >= 512 && w.Errno <= 516:
		st.restarted++
		cs.Restarted++
	case w.Errno != 0:
		st.other++
		cs.Invalid++
	case w.Child == 0:
		st.none++
		cs.None++
	default:
		st.found++
		cs.Found++
		c := t.procs[w.Child]
		if c == nil || !c.dead() || (c.fate != Alive && c.fate != Abandoned) {
			return
		}
		collect := w.State == Collected ||
			(w.State == Unknown && w.Options&WNOWAIT == 0)
		if !collect {
			return
		}
		c.fate, c.reaper, c.reapCall, c.reapTime = Reaped, pid, w.Call, now
		st.latencies = append(st.latencies, now.Sub(c.exitTime))
	}
}

// echild handles a wait call that found no child: a dead child of the
// caller still uncollected was auto-reaped by the kernel (SIGCHLD is
// ignored or SA_NOCLDWAIT set, see wait(2) NOTES).
func (t *Tracker) echild(pid int, w *Wait, now time.Time) {
	caller := t.procs[pid]
	name := "?"
	if caller != nil {
		name = caller.comm()
	}
	what := fmt.Sprintf("%d", w.Target)
	if w.Any {
		what = "any child"
	}
	if caller == nil {
		caller = t.procOf(pid)
	}
	t.fire("echild", caller, "%s in %d (%s) found no child (waiting for %s): ECHILD", w.Call, pid, name, what)
	for _, cpid := range t.kids[pid] {
		c := t.procs[cpid]
		if c.parent != pid || !c.dead() || c.fate != Alive || c.orphanedBy != 0 {
			continue
		}
		if !w.Any && w.Target != cpid {
			continue
		}
		c.fate, c.reaper, c.reapTime = AutoReaped, pid, now
		t.fire("lost", c, "%d (%s) %s, auto-reaped: %d (%s) ignores SIGCHLD, its %s got ECHILD",
			c.pid, c.comm(), c.how(), pid, name, w.Call)
	}
}

func (t *Tracker) callRow(name string, pers int) *event.SummaryRow {
	for _, c := range t.calls {
		if c.Syscall == name && c.Personality == pers {
			return c
		}
	}
	c := &event.SummaryRow{Syscall: name, Personality: pers}
	t.calls = append(t.calls, c)
	return c
}

// Advance fires the zombie alerts due at now. Record calls it for every
// record, and the session calls it before each record and when the
// deadline of Next passes, so that an alert fires on time even when no
// traced process does anything.
func (t *Tracker) Advance(now time.Time) {
	for _, c := range t.watchZombies() {
		if age := now.Sub(c.exitTime); age >= t.opt.ZombieAfter {
			parent := t.procs[c.parent]
			t.fire("zombie", c, "%d (%s) unreaped by %d (%s) for %.1fs",
				c.pid, c.comm(), parent.pid, parent.comm(), age.Seconds())
		}
	}
}

// Next returns when the next zombie alert is due, as things stand, and
// false when none is pending.
func (t *Tracker) Next() (time.Time, bool) {
	var next time.Time
	for _, c := range t.watchZombies() {
		if due := c.exitTime.Add(t.opt.ZombieAfter); next.IsZero() || due.Before(next) {
			next = due
		}
	}
	return next, !next.IsZero()
}

// watchZombies drops from t.zombies the processes whose zombie alert can
// no longer fire and returns the rest: dead, not collected, not yet
// alerted, with a traced parent that is alive. Each of these conditions,
// once false, stays false.
func (t *Tracker) watchZombies() []*proc {
	keep := t.zombies[:0]
	for _, c := range t.zombies {
		parent := t.procs[c.parent]
		if c.fate != Alive || c.fired["zombie"] || c.orphanedBy != 0 ||
			parent == nil || parent.dead() || parent.detached || parent.fate != Alive {
			continue
		}
		keep = append(keep, c)
	}
	clear(t.zombies[len(keep):])
	t.zombies = keep
	return keep
}

// End ends the trace at now: it settles what became of every process
// (firing the last alerts) and emits the summary and the report asked for.
func (t *Tracker) End(now time.Time) {
	if t.done {
		return
	}
	t.finish(now)
	if t.opt.Summary {
		s := t.Summary()
		t.emit(&event.Event{Kind: event.SummaryReady, Time: now, Summary: &s})
	}
	if t.opt.Report {
		r := t.Report()
		t.emit(&event.Event{Kind: event.ReportReady, Time: now, Report: &r})
	}
}

// finish checks the deadlines a last time and settles what became of every
// process.
func (t *Tracker) finish(now time.Time) {
	if t.done {
		return
	}
	t.done = true
	t.Advance(now)
	t.end = now
	for _, pid := range t.order {
		c := t.procs[pid]
		if !c.dead() || c.fate != Alive {
			continue
		}
		parent := t.procs[c.parent]
		if parent == nil && c.orphanedBy == 0 {
			c.fate = NotObserved
			continue
		}
		c.fate = Unreaped
		by := "its parent"
		if parent != nil {
			by = fmt.Sprintf("%d (%s)", parent.pid, parent.comm())
		}
		if c.orphanedBy != 0 {
			by = fmt.Sprintf("a traced process after %d exited and it was reparented", c.orphanedBy)
		}
		t.fire("unreaped", c, "%d (%s) %s, never reaped by %s", c.pid, c.comm(), c.how(), by)
	}
}

func (t *Tracker) fire(kind string, p *proc, format string, a ...any) {
	t.fireAlert(kind, p, nil, format, a...)
}

// fireAlert fires alert kind about p, once; stolen holds both sides of a
// stolen child.
func (t *Tracker) fireAlert(kind string, p *proc, stolen *event.Theft, format string, a ...any) {
	if !t.opt.Alerts[kind] || p.fired[kind] {
		return
	}
	p.fired[kind] = true
	al := event.Alert{Kind: kind, Pid: p.pid, Message: fmt.Sprintf(format, a...), Time: time.Now(), Stolen: stolen}
	t.alerts = append(t.alerts, al)
	who := p.who
	if who.Pid == 0 {
		who = event.Process{Pid: p.pid, PPid: p.parent, Uid: -1} // never described: uid unknown
	}
	who.Tid = p.pid
	t.emit(&event.Event{Kind: event.AlertFired, Time: al.Time, Proc: who, Alert: &al})
}

func (t *Tracker) emit(ev *event.Event) {
	if t.opt.Emit != nil {
		t.opt.Emit(ev)
	}
}

// Fired returns the number of alerts fired so far.
func (t *Tracker) Fired() int { return len(t.alerts) }

// Alerts returns the alerts fired so far.
func (t *Tracker) Alerts() []event.Alert { return slices.Clone(t.alerts) }
