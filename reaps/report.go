package reaps

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/waittrace/waittrace/decode"
)

// Report is the end-of-trace analysis: the process tree and the wait calls
// of every process that made any. It marshals to the --json report.
type Report struct {
	Type      string     `json:"type"` // "reaps"
	Follow    bool       `json:"follow"`
	Processes []*Process `json:"processes"` // the roots of the tree
	Reapers   []Reaper   `json:"reapers"`
	Alerts    []Alert    `json:"alerts"`
}

// Process is one traced process and what became of it.
type Process struct {
	Pid     int      `json:"pid"`
	Parent  int      `json:"parent"`
	Argv    []string `json:"argv"`
	Threads []int    `json:"threads,omitempty"`
	// State: "exited", "killed", "running" (when the trace ended) or
	// "detached".
	State  string `json:"state"`
	Status *int   `json:"exit_status,omitempty"`
	Signal string `json:"signal,omitempty"`
	Core   bool   `json:"core_dumped,omitempty"`
	// Fate: "reaped", "reaped-by-tracer", "auto-reaped", "lost" (its
	// parent exited first), "unreaped", "outside" (parent not traced) or
	// "" while it runs.
	Fate       string `json:"fate,omitempty"`
	ReapedBy   int    `json:"reaped_by,omitempty"`
	ReaperComm string `json:"reaper_comm,omitempty"`
	Call       string `json:"call,omitempty"`
	// LatencyNS is from its exit to the wait call that collected it.
	LatencyNS int64 `json:"latency_ns,omitempty"`
	// Reparented: its parent exited before it; OrphanedBy is that parent.
	OrphanedBy int        `json:"orphaned_by,omitempty"`
	Children   []*Process `json:"children,omitempty"`
}

// Reaper is the wait calls of one traced process.
type Reaper struct {
	Pid       int    `json:"pid"`
	Comm      string `json:"comm"`
	Calls     int    `json:"calls"`
	Found     int    `json:"found"`      // returned a child
	None      int    `json:"none"`       // WNOHANG: no child ready (0)
	ECHILD    int    `json:"echild"`     // no child to wait for
	EINTR     int    `json:"eintr"`      // interrupted by a signal
	Restarted int    `json:"restarted"`  // ERESTART*: restarted after a signal
	Other     int    `json:"other"`      // EFAULT, EINVAL...
	Reaped    int    `json:"reaped"`     // exit statuses collected
	MinNS     int64  `json:"min_ns"`     // exit-to-reap latency
	MedianNS  int64  `json:"median_ns"`  //
	MaxNS     int64  `json:"max_ns"`     //
	ReapedIDs []int  `json:"reaped_ids"` //
}

func sigName(sig int) string { return decode.Signal(sig) }

// Report builds the report; call Finish first.
func (t *Tracker) Report() Report {
	r := Report{Type: "reaps", Follow: t.opt.Follow, Alerts: t.Alerts()}
	nodes := map[int]*Process{}
	for _, pid := range t.order {
		p := t.procs[pid]
		n := &Process{Pid: pid, Parent: p.parent, Argv: p.argv, Threads: p.threads, OrphanedBy: p.orphanedBy}
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
	byPid := func(a, b *Process) int { return a.Pid - b.Pid }
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
		rp := Reaper{Pid: pid, Comm: "?", Calls: st.calls, Found: st.found, None: st.none,
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
		r.Alerts = []Alert{}
	}
	return r
}

var fateName = map[Fate]string{
	Alive: "", Reaped: "reaped", ByTracer: "reaped-by-tracer", AutoReaped: "auto-reaped",
	Abandoned: "lost", Unreaped: "unreaped", NotObserved: "outside",
}

// WriteJSON writes the report as one JSON object on one line.
func (r Report) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ms prints a latency: "0.2 ms", "1.5 s".
func ms(d time.Duration) string {
	if d >= time.Second {
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms"
}

type row struct {
	tree, state, fate string
	stateColor        *color.Color
	fateColor         *color.Color
}

// WriteText writes the report for people: a tree of every traced process,
// one line each, then the wait calls of each reaper. colored adds colors.
func (r Report) WriteText(w io.Writer, colored bool) error {
	var b strings.Builder
	paint := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if colored {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	bold, green, red, yellow, plain := paint(color.Bold), paint(color.FgGreen), paint(color.FgRed, color.Bold), paint(color.FgYellow), paint()

	b.WriteString(bold.Sprint("=== waittrace --reaps: who reaped whom ===") + "\n")
	if !r.Follow {
		b.WriteString("note: without -f only the traced process itself is seen, not its children: add -f\n")
	}
	var rows []row
	var walk func(n *Process, prefix, branch string)
	walk = func(n *Process, prefix, branch string) {
		tr := row{tree: prefix + branch + strconv.Itoa(n.Pid) + " " + argvText(n.Argv)}
		if len(n.Threads) > 0 {
			tr.tree += fmt.Sprintf(" [+%d threads]", len(n.Threads))
		}
		tr.state, tr.stateColor = stateText(n), plain
		if n.State == "killed" {
			tr.stateColor = yellow
		} else if n.State == "exited" && n.Status != nil && *n.Status != 0 {
			tr.stateColor = yellow
		}
		tr.fate, tr.fateColor = fateText(n), green
		switch n.Fate {
		case "lost", "unreaped", "auto-reaped":
			tr.fateColor = red
		case "outside", "":
			tr.fateColor = plain
		}
		rows = append(rows, tr)
		next := prefix
		switch branch {
		case "├─ ":
			next += "│  "
		case "└─ ":
			next += "   "
		}
		for i, c := range n.Children {
			br := "├─ "
			if i == len(n.Children)-1 {
				br = "└─ "
			}
			walk(c, next, br)
		}
	}
	for _, n := range r.Processes {
		walk(n, "", "")
	}
	tw, sw := 0, 0
	for _, rw := range rows {
		tw = max(tw, runeLen(rw.tree))
		sw = max(sw, len(rw.state))
	}
	for _, rw := range rows {
		line := rw.tree + strings.Repeat(" ", tw-runeLen(rw.tree)+2)
		if rw.fate == "" {
			line += rw.stateColor.Sprint(rw.state)
		} else {
			line += rw.stateColor.Sprint(rw.state) + strings.Repeat(" ", sw-len(rw.state)+2) + rw.fateColor.Sprint(rw.fate)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if len(r.Reapers) > 0 {
		b.WriteString(bold.Sprint("wait calls per process:") + "\n")
	}
	for _, rp := range r.Reapers {
		fmt.Fprintf(&b, "  %d %s: %d calls: %d found a child, %d returned 0 (WNOHANG), %d ECHILD, %d EINTR, %d restarted",
			rp.Pid, rp.Comm, rp.Calls, rp.Found, rp.None, rp.ECHILD, rp.EINTR, rp.Restarted)
		if rp.Other > 0 {
			fmt.Fprintf(&b, ", %d other errors", rp.Other)
		}
		if rp.Reaped > 0 {
			fmt.Fprintf(&b, "; reaped %d, exit-to-reap min %s, median %s, max %s",
				rp.Reaped, ms(time.Duration(rp.MinNS)), ms(time.Duration(rp.MedianNS)), ms(time.Duration(rp.MaxNS)))
		}
		b.WriteString("\n")
	}
	if n := len(r.Alerts); n > 0 {
		fmt.Fprintf(&b, "%s\n", red.Sprintf("%d alert(s) fired", n))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func runeLen(s string) int { return len([]rune(s)) }

func stateText(n *Process) string {
	switch n.State {
	case "exited":
		return "exited " + strconv.Itoa(*n.Status)
	case "killed":
		s := "killed by " + n.Signal
		if n.Core {
			s += " (core dumped)"
		}
		return s
	case "detached":
		return "detached: still running when the trace ended"
	}
	return "still running when the trace ended"
}

func fateText(n *Process) string {
	switch n.Fate {
	case "reaped":
		s := fmt.Sprintf("reaped by %d %s  %s  %s after exit", n.ReapedBy, n.ReaperComm, n.Call, ms(time.Duration(n.LatencyNS)))
		if n.OrphanedBy != 0 {
			s += fmt.Sprintf(" (reparented when %d exited)", n.OrphanedBy)
		}
		return s
	case "reaped-by-tracer":
		return "reaped by waittrace (it launched the command)"
	case "auto-reaped":
		return fmt.Sprintf("auto-reaped by the kernel: %d %s ignores SIGCHLD (its wait got ECHILD)", n.ReapedBy, n.ReaperComm)
	case "lost":
		return fmt.Sprintf("never reaped by %d, which exited first: reaped outside the trace", n.Parent)
	case "unreaped":
		if n.OrphanedBy != 0 {
			return fmt.Sprintf("reparented when %d exited, then reaped by no traced process", n.OrphanedBy)
		}
		return fmt.Sprintf("never reaped by %d: zombie when the trace ended", n.Parent)
	case "outside":
		return fmt.Sprintf("parent %d is not traced: reaped outside the trace", n.Parent)
	}
	return ""
}

// argvText prints a command line with strace-style escapes, shortened.
func argvText(argv []string) string {
	if len(argv) == 0 {
		return "?"
	}
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = escape(a, -1)
	}
	s := strings.Join(parts, " ")
	if r := []rune(s); len(r) > 48 {
		s = string(r[:45]) + "..."
	}
	return s
}

// escape quotes the bytes of a tracee string as strace does in strings:
// \t \n \v \f \r \\ by name, other control and non-ASCII bytes as \xHH.
// limit > 0 cuts the result to that many bytes of input.
func escape(s string, limit int) string {
	if limit > 0 && len(s) > limit {
		s = s[:limit]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}
