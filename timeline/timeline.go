// Package timeline writes a trace in the Trace Event Format (JSON), the
// format that ui.perfetto.dev, chrome://tracing and the Performance panel
// of Chrome DevTools open: one track per process, named by its command
// line, and one per thread; a slice for each process's life (fork to
// exit), for each wait call (entry to return, its decoded result in args)
// and for each zombie interval (exit to reap); instant events for signals,
// group-stops, execs and alerts; and a flow arrow from each child to the
// wait call that reaped it.
//
// Like every sink it only reads records (package event): it does no ptrace
// and reads no tracee memory.
//
// # Choices of format
//
// The file is the JSON Array Format, one event per line, the first after
// "[" and each further one after ",": a file cut anywhere between two
// writes (waittrace killed by SIGKILL) lacks only the final "]", which
// ui.perfetto.dev and chrome://tracing supply themselves. Close writes
// the "]" (the session closes its sinks on every run that returns, Ctrl-C
// and SIGTERM included). Each record's events are written with one Write,
// so that a cut falls between events.
//
// Slices are complete events ("X"), written when they end. Begin/end pairs
// ("B"/"E") would show a cut file's running processes, but the DevTools
// trace model pairs them on one stack for the whole file, not per thread,
// and the lives of many processes interleave. Memory stays proportional
// to what is alive (processes, threads, calls in progress, zombies), not
// to the number of events.
//
// Instants are "I" events with thread scope: DevTools takes only "I" (the
// older spelling of "i", which Perfetto and chrome://tracing read alike).
//
// Flows are version-1 flow events ("s" and "f" with "bp":"e"), which all
// three viewers read. The start is bound to the child's life slice (same
// ts, pid, tid and cat), the end to the reaping call's slice, at the
// call's entry: DevTools binds a flow event to the slice that has its
// ts, pid, tid and cat, and Perfetto to the slice open on the thread at
// that time, so both ends need their slice's exact start, and Perfetto
// needs the start before the end. Perfetto draws the arrow from the end
// of the child's life (its exit) to the start of the call. In the rare case
// where the call began before the child was traced (another thread of the
// parent forked it while the call blocked), the end is bound at the call's
// return instead, where Perfetto still finds the call open; DevTools then
// shows no arrow.
package timeline

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waittrace/waittrace/event"
)

// category is the "cat" of every event. Flow events are bound to slices of
// their own category in the viewers, and a flow joins a process's life to
// a wait call: one category for all keeps that simple.
const category = "waittrace"

// maxName bounds the length of a track's or slice's name (a command line
// can be long); the full argv is in the life slice's args.
const maxName = 200

// Writer is an event.Sink that writes a timeline. Use New, hand it the
// records, then Close it.
type Writer struct {
	out io.Writer
	// buf collects the events of one record, written with one Write.
	buf    []byte
	o      obj
	opened bool
	closed bool
	events int
	err    error

	// Timestamps are relative to the first record (1 µs before it):
	// viewers read "ts" as a double, and epoch microseconds with nanosecond
	// decimals would lose the nanoseconds (and make distinct events equal).
	// The life slices carry the wall clock ("traced_at").
	base  time.Time
	based bool
	last  int64 // the latest record's time, ns since base

	procs   map[int]*proc
	threads map[int]*thread
	zombies map[int]*zombie
	// zombiesOf lists the zombies by parent, for the parent's exit and
	// its ECHILD.
	zombiesOf map[int][]int
	flows     int64
}

// proc is a traced process whose life slice is not written yet.
type proc struct {
	pid, ppid int
	start     int64
	wall      time.Time
	origin    event.Origin
	argv      []string
	comm      string
	execs     int
	named     string // the process_name written last
}

// thread is a traced thread; a process's main thread carries the process's
// life slice, any other thread its own.
type thread struct {
	tid, pid int
	start    int64
	name     string
	// call is the entry record of the wait call in progress, if any.
	call      *event.Event
	callStart int64
}

// zombie is a dead process that a traced parent has not reaped yet.
type zombie struct {
	pid, ppid int
	// life is the start of its life slice: the flow is bound there.
	life int64
	exit int64
	how  string
}

// New returns a Writer that writes to out. Nothing is written before the
// first record.
func New(out io.Writer) *Writer {
	return &Writer{
		out:       out,
		procs:     make(map[int]*proc),
		threads:   make(map[int]*thread),
		zombies:   make(map[int]*zombie),
		zombiesOf: make(map[int][]int),
	}
}

// Err returns the first write error. The Writer writes nothing more after
// it.
func (w *Writer) Err() error { return w.err }

// Record implements event.Sink.
func (w *Writer) Record(ev *event.Event) {
	if w.err != nil || w.closed {
		return
	}
	if !w.opened {
		w.opened = true
		w.buf = append(w.buf, "[\n"...)
	}
	now := w.at(ev.Time)
	switch ev.Kind {
	case event.Traced:
		w.traced(ev, now)
	case event.Executed:
		w.executed(ev, now)
	case event.CallEntry:
		th := w.thread(ev, now)
		if th.call != nil {
			w.unfinished(th, now, "entered another call")
		}
		th.call, th.callStart = ev, now
	case event.CallExit:
		w.callExit(ev, now)
	case event.SignalDelivered:
		w.instant(ev.Signal, w.pidOf(ev), ev.Proc.Tid, now)
		if ev.SigInfoText != "" {
			w.o.sub("args")
			w.o.str("siginfo", ev.SigInfoText)
			w.o.end()
		}
		w.buf = w.o.end()
	case event.GroupStopped:
		w.instant("stopped by "+ev.Signal, w.pidOf(ev), ev.Proc.Tid, now)
		w.buf = w.o.end()
	case event.ProcessExited, event.ProcessKilled:
		w.exited(ev, now)
	case event.Untraced:
		if th := w.threads[ev.Proc.Tid]; th != nil {
			w.ended(th, now, "detached", nil)
		}
	case event.Superseded:
		w.superseded(ev, now)
	case event.AlertFired:
		w.alert(ev, now)
	}
	w.flush()
}

// Close implements event.Sink: it ends what is still open at the time of
// the last record (calls, lives, zombies) and closes the JSON array.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if !w.opened {
		w.opened = true
		w.buf = append(w.buf, "[\n"...)
	}
	now := w.last
	// Other threads first, so that a process's slices end in nesting order.
	for _, tid := range sortedKeys(w.threads) {
		if th := w.threads[tid]; th.tid != th.pid {
			w.ended(th, now, "running when the trace ended", nil)
		}
	}
	for _, tid := range sortedKeys(w.threads) {
		w.ended(w.threads[tid], now, "running when the trace ended", nil)
	}
	for _, pid := range sortedKeys(w.procs) {
		w.endProcess(w.procs[pid], now, "running when the trace ended", nil)
	}
	for _, pid := range sortedKeys(w.zombies) {
		w.closeZombie(w.zombies[pid], now, "unreaped when the trace ended")
	}
	w.buf = append(w.buf, "\n]\n"...)
	w.flush()
	return w.err
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// at turns a record's time into ns since the origin. Time never
// goes back: records come in order, and a record stamped earlier than the
// one before (or not at all) takes the latest time seen, so that slices
// always nest on their tracks, as the viewers require.
func (w *Writer) at(t time.Time) int64 {
	if t.IsZero() {
		return w.last
	}
	if !w.based {
		// One microsecond before the first record: DevTools leaves events
		// at ts 0 out of the trace's bounds.
		w.base, w.based = t.Add(-time.Microsecond), true
	}
	w.last = max(w.last, t.Sub(w.base).Nanoseconds())
	return w.last
}

func (w *Writer) flush() {
	if len(w.buf) == 0 {
		return
	}
	if w.err == nil {
		n, err := w.out.Write(w.buf)
		if err == nil && n < len(w.buf) {
			err = io.ErrShortWrite
		}
		w.err = err
	}
	w.buf = w.buf[:0]
}

// --- events ---

// begin starts an event: name, cat and ph. Finish it with w.buf = w.o.end().
func (w *Writer) begin(name, ph string) *obj {
	if w.events > 0 {
		w.buf = append(w.buf, ",\n"...)
	}
	w.events++
	w.o.open(w.buf)
	w.o.str("name", name)
	if ph != "M" {
		w.o.str("cat", category)
	}
	w.o.str("ph", ph)
	return &w.o
}

// slice starts a complete event from start to end on pid's thread tid.
func (w *Writer) slice(name string, pid, tid int, start, end int64) *obj {
	o := w.begin(name, "X")
	o.micros("ts", start)
	o.micros("dur", max(end-start, 0))
	o.int("pid", int64(pid))
	o.int("tid", int64(tid))
	return o
}

// instant starts an instant event on pid's thread tid.
func (w *Writer) instant(name string, pid, tid int, ts int64) *obj {
	o := w.begin(name, "I")
	o.micros("ts", ts)
	o.int("pid", int64(pid))
	o.int("tid", int64(tid))
	o.str("s", "t")
	return o
}

// meta writes a process_name or thread_name metadata event. It has no ts
// (and no cat): DevTools would bind a flow event with the same ts to it.
func (w *Writer) meta(kind string, pid, tid int, name string) {
	o := w.begin(kind, "M")
	o.int("pid", int64(pid))
	o.int("tid", int64(tid))
	o.sub("args")
	o.str("name", name)
	o.end()
	w.buf = o.end()
}

// flow writes one end of flow id: "s" or "f", bound to the slice that
// starts at ts on pid's thread tid.
func (w *Writer) flow(ph string, id int64, pid, tid int, ts int64) {
	o := w.begin("reap", ph)
	o.micros("ts", ts)
	o.int("pid", int64(pid))
	o.int("tid", int64(tid))
	o.int("id", id)
	if ph == "f" {
		// Bind to the enclosing slice (the call), not the next one.
		o.str("bp", "e")
	}
	w.buf = o.end()
}

// --- processes and threads ---

func (w *Writer) pidOf(ev *event.Event) int {
	if th := w.threads[ev.Proc.Tid]; th != nil {
		return th.pid
	}
	if ev.Proc.Pid != 0 {
		return ev.Proc.Pid
	}
	return ev.Proc.Tid
}

// process returns pid's process, making it (and naming its track) if a
// thread of it comes first.
func (w *Writer) process(pid int, ev *event.Event, now int64) *proc {
	p := w.procs[pid]
	if p != nil {
		return p
	}
	if z := w.zombies[pid]; z != nil {
		// Its pid is in use again: the zombie was reaped where the
		// records do not show (and its track is needed for the new life).
		w.closeZombie(z, now, "reaped unseen: its pid is in use again")
	}
	p = &proc{pid: pid, start: now, wall: ev.Time, origin: ev.Origin}
	if ev.Proc.Pid == pid {
		p.ppid = ev.Proc.PPid
	}
	if ev.Proc.Tid == pid {
		p.argv, p.comm = ev.Argv, ev.Proc.Comm
		// A forked child runs its parent's program until it execs: a
		// record without the child's own argv (the session read no
		// /proc) names it after its parent.
		if parent := w.procs[p.ppid]; parent != nil && ev.Origin == event.Forked && ev.Argv == nil {
			p.argv = parent.argv
			if p.comm == "" {
				p.comm = parent.comm
			}
		}
	}
	w.procs[pid] = p
	w.nameProcess(p)
	return p
}

// nameProcess writes p's process_name, unless it is the one written last.
func (w *Writer) nameProcess(p *proc) {
	if name := p.name(); name != p.named {
		p.named = name
		w.meta("process_name", p.pid, p.pid, name)
	}
}

// thread returns the thread of ev, made at now if no Traced record came
// for it.
func (w *Writer) thread(ev *event.Event, now int64) *thread {
	tid := ev.Proc.Tid
	if th := w.threads[tid]; th != nil {
		return th
	}
	pid := ev.Proc.Pid
	if pid == 0 {
		pid = tid
	}
	p := w.process(pid, ev, now)
	th := &thread{tid: tid, pid: pid, start: now, name: threadName(p, ev)}
	w.threads[tid] = th
	w.meta("thread_name", pid, tid, th.name)
	return th
}

func (w *Writer) traced(ev *event.Event, now int64) {
	tid := ev.Proc.Tid
	if th := w.threads[tid]; th != nil {
		// Traced again (attached after a detach the records did not show).
		w.ended(th, now, "traced again", nil)
	}
	pid := ev.Proc.Pid
	if pid == 0 {
		pid = tid
	}
	if p := w.procs[pid]; p != nil && pid == tid {
		// Made for a thread that came first: now its main thread is here.
		p.ppid, p.origin = ev.Proc.PPid, ev.Origin
		if ev.Argv != nil {
			p.argv = ev.Argv
		}
		if ev.Proc.Comm != "" {
			p.comm = ev.Proc.Comm
		}
		w.nameProcess(p)
	}
	w.thread(ev, now)
}

func (w *Writer) executed(ev *event.Event, now int64) {
	th := w.thread(ev, now)
	p := w.process(th.pid, ev, now)
	if ev.Argv != nil {
		p.argv = ev.Argv
	}
	if ev.Proc.Comm != "" {
		p.comm = ev.Proc.Comm
	}
	p.execs++
	// Names written again only when the exec changed them (the launched
	// command's first exec is already named from its argv).
	w.nameProcess(p)
	if name := threadName(p, ev); name != th.name {
		th.name = name
		w.meta("thread_name", p.pid, th.tid, name)
	}
	o := w.instant("execve", p.pid, th.tid, now)
	o.sub("args")
	if ev.Argv != nil {
		o.strs("argv", "argvBytes", ev.Argv)
	}
	o.end()
	w.buf = o.end()
}

// name is the process's track and life slice name: its command line.
func (p *proc) name() string {
	if len(p.argv) > 0 {
		b := make([]byte, 0, maxName+1)
		for i, a := range p.argv {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, a[:min(len(a), maxName+1-len(b))]...)
			if len(b) > maxName {
				break
			}
		}
		if strings.TrimSpace(string(b)) != "" {
			return truncate(string(b))
		}
	}
	if p.comm != "" {
		return truncate(p.comm)
	}
	return "pid " + strconv.Itoa(p.pid)
}

// threadName names a thread's track: the thread's comm, else the
// process's, else its tid.
func threadName(p *proc, ev *event.Event) string {
	switch {
	case ev.Proc.Comm != "":
		return truncate(ev.Proc.Comm)
	case ev.Proc.Tid == p.pid && p.comm != "":
		return truncate(p.comm)
	}
	return "thread " + strconv.Itoa(ev.Proc.Tid)
}

// truncate cuts s to maxName bytes at a character boundary, marking the
// cut with "…".
func truncate(s string) string {
	if len(s) <= maxName {
		return s
	}
	cut := maxName
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// exited ends a thread that exited or was killed; the main thread's end is
// its process's death.
func (w *Writer) exited(ev *event.Event, now int64) {
	th := w.thread(ev, now)
	how := "exited with " + strconv.Itoa(ev.ExitCode)
	if ev.Kind == event.ProcessKilled {
		how = "killed by " + ev.Signal
		if ev.Core {
			how += " (core dumped)"
		}
	}
	w.ended(th, now, how, ev)
}

// ended ends thread th at now: its call in progress, then its life slice,
// or its process's if it is the main thread. death is the exit record
// (nil for a detach or the end of the trace).
func (w *Writer) ended(th *thread, now int64, how string, death *event.Event) {
	reason := "the thread ended"
	if death == nil {
		reason = how
	}
	w.unfinished(th, now, reason)
	delete(w.threads, th.tid)
	if th.tid == th.pid {
		if p := w.procs[th.pid]; p != nil {
			w.endProcess(p, now, how, death)
		}
		return
	}
	o := w.slice(th.name, th.pid, th.tid, th.start, now)
	o.sub("args")
	o.int("tid", int64(th.tid))
	o.str("end", how)
	o.end()
	w.buf = o.end()
}

// endProcess writes p's life slice. A process that died with a traced
// parent alive becomes a zombie until a wait call reaps it.
func (w *Writer) endProcess(p *proc, now int64, how string, death *event.Event) {
	delete(w.procs, p.pid)
	o := w.slice(p.name(), p.pid, p.pid, p.start, now)
	o.sub("args")
	o.int("pid", int64(p.pid))
	o.int("ppid", int64(p.ppid))
	switch p.origin {
	case event.Launched:
		o.str("origin", "launched")
	case event.Attached:
		o.str("origin", "attached")
	case event.Forked:
		o.str("origin", "forked")
	}
	if !p.wall.IsZero() {
		o.key("traced_at")
		o.b = append(o.b, '"')
		o.b = p.wall.UTC().AppendFormat(o.b, time.RFC3339Nano)
		o.b = append(o.b, '"')
	}
	if p.argv != nil {
		o.strs("argv", "argvBytes", p.argv)
	}
	if p.comm != "" {
		o.text("comm", "commBytes", p.comm)
	}
	if p.execs > 0 {
		o.int("execs", int64(p.execs))
	}
	o.str("end", how)
	if death != nil {
		if death.Kind == event.ProcessExited {
			o.int("exit_code", int64(death.ExitCode))
		} else {
			o.str("signal", death.Signal)
			o.bool("core_dumped", death.Core)
		}
	}
	o.end()
	w.buf = o.end()

	// Its own zombies: once it is dead they go to init or a subreaper, and
	// once it is detached its wait calls are not seen; either way the
	// records will not show their reap.
	why := "unreaped when the trace ended"
	switch {
	case death != nil:
		why = "orphaned: its parent ended without reaping it"
	case how == "detached":
		why = "its parent was detached: the reap is not traced"
	}
	for _, c := range slices.Clone(w.zombiesOf[p.pid]) {
		if z := w.zombies[c]; z != nil {
			w.closeZombie(z, now, why)
		}
	}
	if death == nil {
		return
	}
	if parent := w.procs[p.ppid]; parent == nil || p.ppid == p.pid {
		// Its parent is not traced (the launched command's is waittrace):
		// who reaps it, and when, is not in the records.
		return
	}
	w.zombies[p.pid] = &zombie{pid: p.pid, ppid: p.ppid, life: p.start, exit: now, how: how}
	w.zombiesOf[p.ppid] = append(w.zombiesOf[p.ppid], p.pid)
}

// superseded: an execve in thread Former replaced the main thread, whose
// call in progress will never return; Former's own track ends.
func (w *Writer) superseded(ev *event.Event, now int64) {
	if th := w.threads[ev.Proc.Tid]; th != nil {
		w.unfinished(th, now, "superseded by execve in thread "+strconv.Itoa(ev.Former))
	}
	if ev.Former != ev.Proc.Tid {
		if th := w.threads[ev.Former]; th != nil {
			w.ended(th, now, "execve: became the main thread", nil)
		}
	}
}

func (w *Writer) alert(ev *event.Event, now int64) {
	a := ev.Alert
	if a == nil {
		return
	}
	pid := a.Pid
	if pid == 0 {
		pid = ev.Proc.Pid
	}
	// On the process's main thread track, where its life and zombie are.
	o := w.instant("ALERT "+a.Kind, pid, pid, now)
	o.sub("args")
	o.str("kind", a.Kind)
	o.str("message", a.Message)
	o.end()
	w.buf = o.end()
}

// --- wait calls ---

// unfinished writes th's call in progress, which will never return.
func (w *Writer) unfinished(th *thread, now int64, reason string) {
	e := th.call
	if e == nil {
		return
	}
	th.call = nil
	name := e.Syscall + " (unfinished)"
	if reason == "detached" {
		name = e.Syscall + " (detached)"
	}
	o := w.slice(name, th.pid, th.tid, th.callStart, now)
	o.sub("args")
	o.str("call", e.Syscall+"("+e.EntryText+"<unfinished ...>")
	o.bool("unfinished", true)
	o.str("end", reason)
	o.end()
	w.buf = o.end()
}

func (w *Writer) callExit(ev *event.Event, now int64) {
	th := w.thread(ev, now)
	start, entryText := now, ev.EntryText
	if e := th.call; e != nil {
		start, entryText = th.callStart, e.EntryText
	}
	th.call = nil
	r, _ := resultOf(ev)
	var z *zombie
	if r.child != 0 && r.reaps() {
		z = w.zombies[r.child]
	}

	o := w.slice(callName(ev), th.pid, th.tid, start, now)
	o.sub("args")
	o.str("call", ev.Syscall+"("+entryText+ev.ExitText+") = "+ev.RetText)
	o.int("return", ev.Return)
	if ev.IsErr {
		o.str("errno", ev.ErrName)
		o.str("error", ev.ErrMsg)
	}
	if r.child != 0 {
		o.int("child", int64(r.child))
		switch {
		case r.reaps():
			o.str("result", "reaped")
		case r.outcome == peeked:
			o.str("result", "exit reported with WNOWAIT: not reaped")
		case r.outcome == changed:
			o.str("result", "stopped or continued")
		default:
			o.str("result", "status unknown")
		}
	}
	if z != nil {
		o.str("child_end", z.how)
		o.micros("zombie_us", now-z.exit)
	}
	o.end()
	w.buf = o.end()

	if z != nil {
		w.reaped(z, th, start, now)
	}
	if r.echild {
		w.autoReaped(th.pid, r, now)
	}
}

// callName names a wait call's slice by its result: "wait4 = 4376",
// "wait4 = -1 ECHILD".
func callName(ev *event.Event) string {
	if ev.IsErr {
		return ev.Syscall + " = -1 " + ev.ErrName
	}
	return ev.Syscall + " = " + strconv.FormatInt(ev.Return, 10)
}

// reaped ends zombie z, reaped by th's call that began at start, and draws
// the flow from the child's life slice to the call's.
func (w *Writer) reaped(z *zombie, th *thread, start, now int64) {
	w.dropZombie(z)
	o := w.slice("zombie", z.pid, z.pid, z.exit, now)
	o.sub("args")
	o.str("end", z.how)
	o.int("reaped_by", int64(th.pid))
	o.int("reaper_tid", int64(th.tid))
	o.end()
	w.buf = o.end()

	w.flows++
	w.flow("s", w.flows, z.pid, z.pid, z.life)
	at := start
	if start < z.life {
		// Perfetto needs the end after the start: bind at the return.
		at = now
	}
	w.flow("f", w.flows, th.pid, th.tid, at)
}

// autoReaped: a wait of process pid found no child, so its dead children
// that the call covered were discarded by the kernel at their exit (the
// parent ignores SIGCHLD): they never were zombies.
func (w *Writer) autoReaped(pid int, r waitResult, now int64) {
	for _, c := range slices.Clone(w.zombiesOf[pid]) {
		z := w.zombies[c]
		if z == nil || (!r.any && r.target != c) {
			continue
		}
		w.dropZombie(z)
		o := w.slice("auto-reaped", z.pid, z.pid, z.exit, z.exit)
		o.sub("args")
		o.str("end", z.how)
		o.str("why", "its parent's wait found no child (ECHILD): the parent ignores SIGCHLD")
		o.end()
		w.buf = o.end()
	}
}

// closeZombie ends z's interval without a reap.
func (w *Writer) closeZombie(z *zombie, now int64, why string) {
	w.dropZombie(z)
	o := w.slice("zombie", z.pid, z.pid, z.exit, now)
	o.sub("args")
	o.str("end", z.how)
	o.str("unreaped", why)
	o.end()
	w.buf = o.end()
}

func (w *Writer) dropZombie(z *zombie) {
	delete(w.zombies, z.pid)
	kids := slices.DeleteFunc(w.zombiesOf[z.ppid], func(pid int) bool { return pid == z.pid })
	if len(kids) == 0 {
		delete(w.zombiesOf, z.ppid)
	} else {
		w.zombiesOf[z.ppid] = kids
	}
}
