package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
)

// The reaps report as text (--reaps): a tree of every traced process, how
// it ended and who collected its status, then the wait calls per process.

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

// WriteReport writes the reaps report for people: a tree of every traced process,
// one line each, then the wait calls of each reaper. colored adds colors.
func WriteReport(w io.Writer, r *event.Report, colored bool) error {
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
	var walk func(n *event.ReapsOf, prefix, branch string)
	walk = func(n *event.ReapsOf, prefix, branch string) {
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
		fmt.Fprintf(&b, "  %d %s: %s\n", rp.Pid, rp.Comm, reaperText(rp))
	}
	if n := len(r.Alerts); n > 0 {
		fmt.Fprintf(&b, "%s\n", red.Sprintf("%d alert(s) fired", n))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// reaperText sums up the wait calls of one process.
func reaperText(rp event.Reaper) string {
	s := fmt.Sprintf("%d calls: %d found a child, %d returned 0 (WNOHANG), %d ECHILD, %d EINTR, %d restarted",
		rp.Calls, rp.Found, rp.None, rp.ECHILD, rp.EINTR, rp.Restarted)
	if rp.Other > 0 {
		s += fmt.Sprintf(", %d other errors", rp.Other)
	}
	if rp.Reaped > 0 {
		s += fmt.Sprintf("; reaped %d, exit-to-reap min %s, median %s, max %s",
			rp.Reaped, ms(time.Duration(rp.MinNS)), ms(time.Duration(rp.MedianNS)), ms(time.Duration(rp.MaxNS)))
	}
	return s
}

func runeLen(s string) int { return len([]rune(s)) }

func stateText(n *event.ReapsOf) string {
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

func fateText(n *event.ReapsOf) string {
	switch n.Fate {
	case "reaped":
		s := fmt.Sprintf("reaped by %d %s  %s  %s after exit", n.ReapedBy, n.ReaperComm, n.Call, ms(time.Duration(n.LatencyNS)))
		if n.ReapedAt != "" {
			s += "  in " + n.ReapedAt // escaped by the tracker
		}
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
		parts[i] = decode.Quote(a)
	}
	s := strings.Join(parts, " ")
	if r := []rune(s); len(r) > 48 {
		s = string(r[:45]) + "..."
	}
	return s
}
