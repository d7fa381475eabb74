package main

// The --reaps report, the --alert alerts and the -c/-C summary: the flags,
// and the glue between the printer and package reaps.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/reaps"
	"github.com/waittrace/waittrace/syscalls"
)

func reapsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "c", Usage: "count the calls and print strace's summary table (wall time in each call, as strace -c -w) and a table of outcomes, instead of the trace"},
		&cli.BoolFlag{Name: "C", Usage: "like -c, but print the trace too"},
		&cli.BoolFlag{Name: "reaps", Usage: "at the end, report who reaped whom: the process tree, how each process ended, which wait call collected it and how long after (use with -f)"},
		&cli.StringFlag{Name: "alert", Usage: "alert on `LIST` of: " + strings.Join(reaps.AlertKinds, ",") + " (or all)"},
		&cli.DurationFlag{Name: "zombie-after", Value: time.Second, Usage: "`DURATION` a child may stay unreaped before the zombie alert"},
		&cli.IntFlag{Name: "alert-exit", Usage: "exit with status `N` if an alert fired and the command succeeded"},
	}
}

// parseAlerts reads --alert=LIST.
func parseAlerts(list string) (map[string]bool, error) {
	set := map[string]bool{}
	if list == "" {
		return set, nil
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "all":
			for _, k := range reaps.AlertKinds {
				set[k] = true
			}
		case slices.Contains(reaps.AlertKinds, name):
			set[name] = true
		default:
			return nil, fail(exitUsage, "--alert=%s: use a list of %s, or all", name, strings.Join(reaps.AlertKinds, ","))
		}
	}
	return set, nil
}

// reapHooks joins package reaps to the printer; nil when none of its flags
// was given.
type reapHooks struct {
	tracker   *reaps.Tracker
	report    bool
	summary   bool
	json      bool
	colored   bool
	alertExit int
	out       io.Writer
	text      *output.Text
	// kick wakes the engine for a Tick event; timer calls it when the
	// next zombie alert is due, should no traced process do anything
	// before then. Both nil until the tracer exists.
	kick  func()
	timer *time.Timer
	due   time.Time // when timer goes off; zero if it is not armed
	// floor: no kick before then. Kicks are kickEvery apart at least, so
	// that many zombies due one after another cost a few wake-ups (each
	// starts a process), not one each.
	floor time.Time
}

// kickEvery is the least time between two kicks of the engine; alerts
// print their age to a tenth of a second.
const kickEvery = 100 * time.Millisecond

// setKick arms zombie-alert deadlines with kick (Tracer.Kick).
func (h *reapHooks) setKick(kick func()) {
	if h != nil {
		h.kick = kick
	}
}

// rearm sets the timer to the tracker's next deadline, if it moved.
func (h *reapHooks) rearm() {
	if h.kick == nil {
		return
	}
	if !h.due.IsZero() && !h.due.After(time.Now()) {
		// The timer went off (or is about to).
		h.floor, h.due = h.due.Add(kickEvery), time.Time{}
	}
	next, ok := h.tracker.NextAlert()
	if !ok {
		if !h.due.IsZero() {
			h.timer.Stop()
			h.due = time.Time{}
		}
		return
	}
	if next.Before(h.floor) {
		next = h.floor
	}
	if next.Equal(h.due) {
		return
	}
	h.due = next
	if h.timer == nil {
		h.timer = time.AfterFunc(time.Until(next), h.kick)
		return
	}
	h.timer.Reset(time.Until(next))
}

// newReapHooks reads the flags; out is where the trace goes and text its
// writer.
func newReapHooks(c *cli.Context, out io.Writer, colored bool, text *output.Text) (*reapHooks, error) {
	alerts, err := parseAlerts(c.String("alert"))
	if err != nil {
		return nil, err
	}
	if c.IsSet("alert-exit") && len(alerts) == 0 {
		return nil, fail(exitUsage, "--alert-exit needs --alert=LIST")
	}
	if c.Duration("zombie-after") <= 0 {
		return nil, fail(exitUsage, "--zombie-after must be positive")
	}
	h := &reapHooks{
		report: c.Bool("reaps"), summary: c.Bool("c") || c.Bool("C"),
		json: c.Bool("json"), colored: colored, alertExit: c.Int("alert-exit"), out: out,
	}
	if !summaryOnly(c) {
		h.text = text
	}
	if !h.report && !h.summary && len(alerts) == 0 {
		return nil, nil
	}
	h.tracker = reaps.New(reaps.Options{
		Alerts: alerts, ZombieAfter: c.Duration("zombie-after"), Follow: c.Bool("f"), OnAlert: h.alert,
	})
	return h, nil
}

// summaryOnly: -c prints the table instead of the trace.
func summaryOnly(c *cli.Context) bool { return c.Bool("c") && !c.Bool("C") }

// traceOut is where the trace lines go: nowhere with -c.
func traceOut(c *cli.Context, out io.Writer) io.Writer {
	if summaryOnly(c) {
		return io.Discard
	}
	return out
}

func (h *reapHooks) alert(a reaps.Alert) {
	switch {
	case h.json:
		b, _ := json.Marshal(struct {
			Type string `json:"type"`
			reaps.Alert
		}{"alert", a})
		fmt.Fprintf(h.out, "%s\n", b)
	case h.text != nil:
		h.text.Line(reaps.FormatAlert(a))
	default: // -c: no trace lines to keep whole
		fmt.Fprintln(h.out, reaps.FormatAlert(a))
	}
}

// tick checks the zombie deadlines before an event is printed, and at a
// Tick event (which prints nothing else).
func (h *reapHooks) tick(ev *ptrace.Event) {
	if h == nil || ev.Time.IsZero() {
		return
	}
	h.tracker.Tick(ev.Time)
	if ev.Kind == ptrace.Tick {
		h.rearm()
	}
}

// observe gives the tracker an event once it was printed.
func (h *reapHooks) observe(p *printer, ev *ptrace.Event) {
	if h == nil {
		return
	}
	var w *reaps.Wait
	if ev.Kind == ptrace.SyscallExit {
		per, _ := personality(ev.Arch)
		w = decodeWait(p.sets[ev.Arch][ev.Nr], per, ev.Args, ev.Rval, ev.Mem)
	}
	h.tracker.Observe(ev, w)
	h.rearm()
}

// finish settles the trace and writes the summary and the report after it.
func (h *reapHooks) finish() error {
	if h == nil {
		return nil
	}
	if h.timer != nil {
		h.timer.Stop()
	}
	h.tracker.Finish(time.Now())
	if h.summary {
		if err := h.tracker.WriteSummary(h.out); err != nil {
			return err
		}
	}
	if !h.report {
		return nil
	}
	r := h.tracker.Report()
	if h.json {
		return r.WriteJSON(h.out)
	}
	return r.WriteText(h.out, h.colored)
}

// exit turns the command's exit status into --alert-exit's when an alert
// fired and the command succeeded.
func (h *reapHooks) exit(code int) int {
	if h != nil && code == 0 && h.alertExit != 0 && h.tracker.Fired() > 0 {
		return h.alertExit
	}
	return code
}

// Wait options and CLD_* codes.
const (
	optWUNTRACED  = 0x2
	optWCONTINUED = 0x8
	optWNOWAIT    = 0x1000000
	idPAll        = 0
	idPPid        = 1
)

// decodeWait reads what a returned wait call reported: the child and
// whether its status was collected (read from the tracee's wstatus or
// siginfo while it is stopped).
func decodeWait(c syscalls.Call, per syscalls.Personality, args [6]uint64, rval int64, mem decode.Memory) *reaps.Wait {
	if c == 0 {
		return nil
	}
	if per == syscalls.I386 {
		rval = int64(int32(rval))
		for i := range args {
			args[i] = uint64(uint32(args[i]))
		}
	}
	w := &reaps.Wait{Call: c.String(), Rval: rval}
	if per == syscalls.I386 {
		w.Personality = 1
	}
	if _, isErr := decode.Return(rval); isErr {
		w.Errno = int(-rval)
	}
	switch c {
	case syscalls.Wait4, syscalls.Waitpid:
		pid := int(int32(args[0]))
		w.Any = pid == -1
		if pid > 0 {
			w.Target = pid
		}
		w.Options = uint64(uint32(args[2]))
		if w.Errno != 0 || rval <= 0 {
			return w
		}
		w.Child, w.State = int(rval), reaps.Unknown
		if args[1] == 0 {
			if w.Options&(optWUNTRACED|optWCONTINUED) == 0 {
				w.State = reaps.Collected
			}
			return w
		}
		buf := make([]byte, 4)
		if mem == nil || mem.ReadMemory(args[1], buf) != nil {
			return w
		}
		switch ws := decode.WaitStatus(binary.LittleEndian.Uint32(buf)); {
		case ws.Stopped(), ws.Continued():
			w.State = reaps.Changed
		case ws.Exited(), ws.Signaled():
			w.State = reaps.Collected
		}
	case syscalls.Waitid:
		w.Any = args[0] == idPAll
		if args[0] == idPPid {
			w.Target = int(int32(args[1]))
		}
		w.Options = uint64(uint32(args[3]))
		if w.Errno != 0 || args[2] == 0 || mem == nil {
			return w
		}
		buf := make([]byte, decode.SiginfoSize(per))
		if mem.ReadMemory(args[2], buf) != nil {
			return w
		}
		si, err := decode.ParseSiginfo(buf, per)
		if err != nil || si.Signo == 0 || si.Pid == 0 {
			return w
		}
		w.Child = int(si.Pid)
		switch {
		case si.Code >= 1 && si.Code <= 3 && w.Options&optWNOWAIT != 0:
			w.State = reaps.Peeked
		case si.Code >= 1 && si.Code <= 3:
			w.State = reaps.Collected
		default:
			w.State = reaps.Changed
		}
	}
	return w
}
