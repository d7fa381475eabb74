package reaps

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/stack"
)

// The stolen child (--alert=stolen): a call that waits for one child, by
// its pid (wait4(pid), waitid(P_PID)), a pidfd (waitid(P_PIDFD)) or its
// process group (wait4(-pgid), wait4(0), waitid(P_PGID)), while another
// call of the same process (a SIGCHLD handler's waitpid(-1, WNOHANG),
// another thread's wait(NULL)) has collected it. The kernel answers the
// wanter in one of two ways:
//
//   - ECHILD, at once, when no child it waits for is left: a wait for a
//     pid or a pidfd always (a blocked one is woken and fails), a wait for
//     a group when no other child is in it. The alert fires then.
//   - nothing, for a group wait while other children of the group live:
//     it blocks for those and never reports the stolen one. The alert fires
//     when a group wait begins after the theft, or when the child is
//     collected while a group wait is in progress in another thread, or
//     was interrupted by a signal (ERESTART*: the handler runs, and made
//     the collecting call, then the wait restarts).
//
// "Another call": one that waited for any child (wait4(-1), waitid(P_ALL)),
// one in another thread, or, for a wait for the child alone, one in the
// same thread whose stack differs (when stacks are unwound: a signal
// handler's call, say). A thread that collected a child by its pid or
// group and then waits for it again from the same place has its own bug
// (the echild alert names it), not a theft; so has one that collects a
// group's children from two places, which is how groups are waited for.
//
// A wait for a pid that was reaped and then reused by a new child would
// block on (or collect) the new one: the tracker cannot tell that from a
// wait for the new child, and says nothing.

// reapTopFrames is how many frames of the reaping call the report keeps.
const reapTopFrames = 8

// stolenState is what the stolen-child alert keeps besides the processes.
type stolenState struct {
	// inflight is each thread's group wait in progress (its entry), and
	// interrupted a group wait that returned ERESTART*, to be restarted
	// once the thread's signal handler is done.
	inflight, interrupted map[int]*event.Event
}

// stolenOn reports whether the stolen-child alert is on.
func (t *Tracker) stolenOn() bool { return t.opt.Alerts["stolen"] }

// stolenCheck follows a record for the stolen-child alert, and notes the
// reaping call of each collected child for the report (with its stack,
// when unwound). w is the record's wait call, as observe had it.
func (t *Tracker) stolenCheck(ev *event.Event, w *Wait) {
	on := t.stolenOn()
	if on && t.stolen.inflight == nil {
		t.stolen = stolenState{inflight: map[int]*event.Event{}, interrupted: map[int]*event.Event{}}
	}
	tid := ev.Proc.Tid
	switch ev.Kind {
	case event.ProcessExited, event.ProcessKilled:
		if on {
			delete(t.stolen.inflight, tid)
			delete(t.stolen.interrupted, tid)
		}
	case event.CallEntry:
		if on {
			t.stolenEntry(ev)
		}
	case event.CallExit:
		var entry *event.Event
		if on {
			entry = t.stolen.inflight[tid]
			delete(t.stolen.inflight, tid)
			if entry != nil && ev.IsErr && ev.Errno >= 512 && ev.Errno <= 516 {
				t.stolen.interrupted[tid] = entry
			}
		}
		if w == nil {
			return
		}
		pid := t.pidOf(tid)
		if c := t.procs[w.Child]; w.Child != 0 && c != nil && c.fate == Reaped && c.reaper == pid && c.reapTime.Equal(ev.Time) &&
			(on || len(ev.Stack) > 0) {
			call := t.waitCall(ev, pid)
			if !on {
				// The report shows the top frames only: keep no more
				// of every reaped child's stack.
				call.Stack = slices.Clone(call.Stack[:min(len(call.Stack), reapTopFrames)])
			}
			c.reap, c.reapAny = &call, w.Any
			if on {
				t.stolenWhileBlocked(c, pid)
			}
		}
		if on && w.Errno == errECHILD {
			t.stolenBeforeECHILD(ev, w, pid)
		}
	}
}

// stolenEntry takes the entry of a wait call: the groups of children it
// reports, and, for a group wait, the children of the group already
// stolen while others still live (it will block for those).
func (t *Tracker) stolenEntry(ev *event.Event) {
	tid := ev.Proc.Tid
	sc := ev.Scope
	if g := t.stolen.interrupted[tid]; g != nil && (g.Syscall == ev.Syscall && g.Raw == ev.Raw || sc != nil && sc.Group != 0) {
		// Its restart (or the same call again, after EINTR), or another
		// group wait: either way it is over.
		delete(t.stolen.interrupted, tid)
	}
	delete(t.stolen.inflight, tid)
	if sc == nil {
		return
	}
	for _, g := range sc.Groups {
		if c := t.procs[g.Pid]; c != nil {
			c.pgid = g.Pgid
		}
	}
	if sc.Group == 0 {
		return
	}
	pid := t.pidOf(tid)
	if w := waitOfEntry(ev); w.Options&WNOHANG == 0 {
		t.stolen.inflight[tid] = ev
	}
	// Another child of the group, alive or not yet collected: the call
	// blocks for it, or collects it, and says nothing of the stolen one.
	left := slices.ContainsFunc(sc.Groups, func(g event.ChildGroup) bool {
		c := t.procs[g.Pid]
		return g.Pgid == sc.Group && (c == nil || c.fate == Alive)
	})
	if !left {
		return // no other child of the group: ECHILD follows
	}
	for _, cpid := range t.kids[pid] {
		c := t.procs[cpid]
		if c.parent != pid || c.fate != Reaped || c.reaper != pid || c.reap == nil || c.pgid != sc.Group || !t.theft(c, ev, false) {
			continue
		}
		wanter := t.wanter(ev, pid)
		wanter.Text = ev.Syscall + "(" + ev.EntryText + "<unfinished ...>)"
		t.fireStolen(c, event.Theft{ReapedBy: *c.reap, WantedBy: wanter, Blocked: true},
			"%s before %s in tid %d%s wanted it: it waits for the rest of process group %d",
			ms(wanter.Time.Sub(c.reap.Time)), wanter.Call, wanter.Tid, atWhere(wanter), sc.Group)
	}
}

// theft reports whether the call that collected c was another call than
// the wanting call ev's: one for any child, one in another thread, or, for
// a wanter of c alone (by pid or pidfd), one made from elsewhere (their
// stacks differ, when both were unwound: a signal handler's). A group is
// waited for in loops, from here and there, until ECHILD: there only the
// first two count.
func (t *Tracker) theft(c *proc, ev *event.Event, alone bool) bool {
	r := c.reap
	if c.reapAny || r.Tid != ev.Proc.Tid {
		return true
	}
	if !alone || len(r.Stack) == 0 || len(ev.Stack) == 0 {
		return false
	}
	return !slices.EqualFunc(r.Stack, ev.Stack, func(a, b stack.Frame) bool { return a.Address == b.Address })
}

// waitOfEntry reads the options of a wait call at its entry.
func waitOfEntry(ev *event.Event) Wait {
	exit := *ev
	exit.Kind = event.CallExit
	if w := waitOf(&exit); w != nil {
		return *w
	}
	return Wait{}
}

// stolenWhileBlocked fires for child c, just collected by a call of
// process pid, if a group wait of the process that would have reported it
// is in progress in another thread, or was interrupted by the signal
// whose handler made the collecting call.
func (t *Tracker) stolenWhileBlocked(c *proc, pid int) {
	// The collecting thread's own wait in progress is the collecting
	// call, gone from inflight already.
	for _, m := range []map[int]*event.Event{t.stolen.inflight, t.stolen.interrupted} {
		tids := make([]int, 0, len(m))
		for wtid, g := range m {
			if t.pidOf(wtid) == pid && c.pgid != 0 && c.pgid == g.Scope.Group {
				tids = append(tids, wtid)
			}
		}
		slices.Sort(tids)
		for _, wtid := range tids {
			g := m[wtid]
			wanter := t.wanter(g, pid)
			wanter.Text = g.Syscall + "(" + g.EntryText + "<unfinished ...>)"
			how := "was blocked waiting for its process group"
			if g == t.stolen.interrupted[wtid] {
				how = "was interrupted by a signal (it restarts after the handler) waiting for its process group"
			}
			t.fireStolen(c, event.Theft{ReapedBy: *c.reap, WantedBy: wanter, Blocked: true},
				"while %s in tid %d%s %s %d", wanter.Call, wtid, atWhere(wanter), how, g.Scope.Group)
		}
	}
}

// stolenBeforeECHILD fires for the children that the wait call ev of
// process pid, failed with ECHILD, wanted and another call had collected.
func (t *Tracker) stolenBeforeECHILD(ev *event.Event, w *Wait, pid int) {
	var wanted []*proc
	sc := ev.Scope
	alone := true
	switch {
	case w.Target > 0:
		wanted = append(wanted, t.procs[w.Target])
	case sc != nil && sc.Pidfd > 0:
		wanted = append(wanted, t.procs[sc.Pidfd])
	case sc != nil && sc.Group != 0:
		alone = false
		for _, cpid := range t.kids[pid] {
			if c := t.procs[cpid]; c.pgid == sc.Group {
				wanted = append(wanted, c)
			}
		}
	}
	for _, c := range wanted {
		if c == nil || c.parent != pid || c.fate != Reaped || c.reaper != pid || c.reap == nil || !t.theft(c, ev, alone) {
			continue
		}
		wanter := t.wanter(ev, pid)
		t.fireStolen(c, event.Theft{ReapedBy: *c.reap, WantedBy: wanter},
			"%s before %s in tid %d%s wanted it: ECHILD", ms(wanter.Time.Sub(c.reap.Time)), wanter.Call, wanter.Tid, atWhere(wanter))
	}
}

// fireStolen fires the alert for child c with both sides; format and a
// say how the wanter missed it, after who reaped it.
func (t *Tracker) fireStolen(c *proc, th event.Theft, format string, a ...any) {
	if !t.opt.Alerts["stolen"] || c.fired["stolen"] {
		return
	}
	th.Child, th.ChildComm = c.pid, c.comm()
	th.ReapedBy.Where = t.where(th.ReapedBy.Stack)
	r := th.ReapedBy
	msg := fmt.Sprintf("%d (%s) was reaped by %s in %d (%s) tid %d%s, ", c.pid, c.comm(), r.Call, r.Pid, r.Comm, r.Tid, atWhere(r))
	t.fireAlert("stolen", c, &th, "%s", msg+fmt.Sprintf(format, a...))
}

// atWhere is " at WHERE" for a call whose stack was unwound.
func atWhere(c event.WaitCall) string {
	if c.Where == "" {
		return ""
	}
	return " at " + c.Where
}

// waitCall describes call ev of process pid for an alert or the report.
func (t *Tracker) waitCall(ev *event.Event, pid int) event.WaitCall {
	c := event.WaitCall{Pid: pid, Tid: ev.Proc.Tid, Comm: t.procOf(pid).comm(), Time: ev.Time,
		Call: ev.Syscall + "(" + strings.TrimSuffix(ev.EntryText, ", ") + ")",
		Text: ev.Syscall + "(" + ev.EntryText + ev.ExitText + ") = " + ev.RetText}
	if len(ev.Stack) > 0 {
		c.Stack = ev.Stack
	}
	return c
}

// wanter describes the wanting call ev of process pid, with where it was
// made.
func (t *Tracker) wanter(ev *event.Event, pid int) event.WaitCall {
	c := t.waitCall(ev, pid)
	c.Where = t.where(c.Stack)
	return c
}

// reapedAt returns where the call that collected p was made and the top
// frames of its stack, when it was unwound.
func (t *Tracker) reapedAt(p *proc) (string, []stack.Frame) {
	if p.reap == nil || len(p.reap.Stack) == 0 {
		return "", nil
	}
	return t.where(p.reap.Stack), p.reap.Stack[:min(len(p.reap.Stack), reapTopFrames)]
}

// where names the frame of a call's stack that made the call, escaped:
// the first frame out of the object of the innermost one (the C library's
// wrapper), else the innermost one's caller. It is "on_sigchld
// (handler.c:41)" where Options.SourceLine finds the line, "on_sigchld+0x1f"
// where there is a symbol, "dash+0xbcc0" (the offset in the file) where
// there is none; "" without a stack.
func (t *Tracker) where(frames []stack.Frame) string {
	if len(frames) == 0 {
		return ""
	}
	f := frames[0]
	if len(frames) > 1 {
		f = frames[1]
		for _, g := range frames[1:] {
			if g.Object != frames[0].Object {
				f = g
				break
			}
		}
	}
	caller := f != frames[0] // at a return address: its line is the call's
	if f.Object == "" {
		return "0x" + strconv.FormatUint(f.Address, 16)
	}
	var loc string
	if t.opt.SourceLine != nil {
		g := f
		if caller && g.Offset > 0 {
			g.Offset--
			g.Address--
		}
		if file, line, ok := t.opt.SourceLine(g); ok {
			loc = " (" + decode.Quote(path.Base(file)) + ":" + strconv.Itoa(line) + ")"
		}
	}
	if f.Symbol == "" {
		return decode.Quote(path.Base(f.Object)) + "+0x" + strconv.FormatUint(f.Offset, 16) + loc
	}
	if loc != "" {
		return decode.Quote(f.Symbol) + loc
	}
	return decode.Quote(f.Symbol) + "+0x" + strconv.FormatUint(f.SymOffset, 16)
}

// ms prints a duration as the alerts do: "1.2 ms".
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms"
}
