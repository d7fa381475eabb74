package reaps

import (
	"slices"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
)

func sigName(sig int) string { return decode.Signal(sig) }

// Report builds the report of the trace so far (End settles it first).
func (t *Tracker) Report() event.Report {
	r := event.Report{Follow: t.opt.Follow, Alerts: t.Alerts()}
	nodes := map[int]*event.ReapsOf{}
	for _, pid := range t.order {
		p := t.procs[pid]
		n := &event.ReapsOf{Pid: pid, Parent: p.parent, Argv: p.argv, Threads: p.threads, OrphanedBy: p.orphanedBy}
		slices.Sort(n.Threads)
		switch {
		case p.exited:
			n.State = "exited"
			st := p.status
			n.Status = &st
		case p.killed:
			n.State, n.Signal, n.Core = "killed", sigName(p.sig), p.core
		case p.detached:
			n.State = "detached"
		default:
			n.State = "running"
		}
		n.Fate = fateName[p.fate]
		switch p.fate {
		case Reaped, AutoReaped:
			n.ReapedBy, n.Call = p.reaper, p.reapCall
			if rp := t.procs[p.reaper]; rp != nil {
				n.ReaperComm = rp.comm()
			}
			if p.fate == Reaped {
				n.LatencyNS = int64(p.reapTime.Sub(p.exitTime))
				n.ReapedAt, n.ReapStack = t.reapedAt(p)
			}
		}
		nodes[pid] = n
	}
	for _, pid := range t.order {
		n := nodes[pid]
		if parent := nodes[n.Parent]; parent != nil && parent != n {
			parent.Children = append(parent.Children, n)
		} else {
			r.Processes = append(r.Processes, n)
		}
	}
	byPid := func(a, b *event.ReapsOf) int { return a.Pid - b.Pid }
	slices.SortStableFunc(r.Processes, byPid)
	for _, n := range nodes {
		slices.SortStableFunc(n.Children, byPid)
	}
	pids := make([]int, 0, len(t.stats))
	for pid := range t.stats {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	for _, pid := range pids {
		st := t.stats[pid]
		rp := event.Reaper{Pid: pid, Comm: "?", Calls: st.calls, Found: st.found, None: st.none,
			ECHILD: st.echild, EINTR: st.eintr, Restarted: st.restarted, Other: st.other,
			Reaped: len(st.latencies), ReapedIDs: []int{}}
		if p := t.procs[pid]; p != nil {
			rp.Comm = p.comm()
		}
		for _, cpid := range t.order {
			if c := t.procs[cpid]; c.fate == Reaped && c.reaper == pid {
				rp.ReapedIDs = append(rp.ReapedIDs, cpid)
			}
		}
		if l := slices.Sorted(slices.Values(st.latencies)); len(l) > 0 {
			rp.MinNS, rp.MaxNS = int64(l[0]), int64(l[len(l)-1])
			if len(l)%2 == 1 {
				rp.MedianNS = int64(l[len(l)/2])
			} else {
				rp.MedianNS = int64(l[len(l)/2-1]+l[len(l)/2]) / 2
			}
		}
		r.Reapers = append(r.Reapers, rp)
	}
	if r.Alerts == nil {
		r.Alerts = []event.Alert{}
	}
	return r
}

var fateName = map[Fate]string{
	Alive: "", Reaped: "reaped", ByTracer: "reaped-by-tracer", AutoReaped: "auto-reaped",
	Abandoned: "lost", Unreaped: "unreaped", NotObserved: "outside",
}
