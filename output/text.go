// Package output writes decoded trace events. Text prints them line for line
// as strace does; writers never talk to the engine.
package output

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/fatih/color"
)

// TextConfig configures a Text writer.
type TextConfig struct {
	// Out receives the trace; Messages receives "Process N attached" and the
	// like (stderr), which never go into an -o file. Messages may be nil.
	Out      io.Writer
	Messages io.Writer
	// ToFile: the trace goes to -o FILE. With Follow (or several processes
	// from the start) every line then starts with "PID ", as strace does.
	ToFile bool
	Follow bool
	// Color the call names, return values, errors, signals and exits.
	Color bool
	// Column is where " = " is aligned (strace's -a); 0 means 40.
	Column int
	// Initial is the number of processes traced from the start (launched
	// and attached): with more than one, an -o file gets "PID " prefixes.
	Initial int
	// Comm, if set, names the process of each line's pid prefix (-Y):
	// "[pid  4373<sleep>] ", or "4373<sleep> " to a file. It returns the
	// name already escaped.
	Comm func(tid int) (string, bool)
}

// Text prints a trace as strace does: a call's entry half is printed at once
// and completed at exit, or closed with " <unfinished ...>" when another
// process prints first and resumed later with "<... wait4 resumed>".
type Text struct {
	cfg TextConfig
	// nprocs counts traced threads: with more than one, lines get "[pid N] ".
	nprocs int
	// pidPrefix: "PID " on every line (-o FILE with -f).
	pidPrefix bool
	// open is the tid whose line is unfinished, or 0; col is that line's
	// width so far, for the alignment of " = ".
	open int
	col  int
	// pending maps a tid to the call it is in (entry printed, no exit yet).
	pending map[int]string
	buf     bytes.Buffer
	err     error
	// ext holds the time prefix and suffix state (text_ext.go).
	ext textExt

	name, ret, errc, sig, exit *color.Color
}

// returnColumn is strace's default alignment column (-a) for " = ".
const returnColumn = 40

// NewText returns a Text writer.
func NewText(cfg TextConfig) *Text {
	t := &Text{cfg: cfg, pending: make(map[int]string)}
	t.name = color.New(color.Bold)
	t.ret = color.New(color.FgGreen)
	t.errc = color.New(color.FgRed, color.Bold)
	t.sig = color.New(color.FgYellow)
	t.exit = color.New(color.FgMagenta, color.Bold)
	t.Start(cfg.Initial)
	for _, c := range []*color.Color{t.name, t.ret, t.errc, t.sig, t.exit} {
		if cfg.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return t
}

// Start fixes the line prefix once the initial processes are known (strace
// decides "PID " prefixes for -o FILE at startup).
func (t *Text) Start(initial int) {
	t.pidPrefix = t.cfg.ToFile && (t.cfg.Follow || initial > 1)
}

// Err returns the first write error.
func (t *Text) Err() error { return t.err }

// leader starts a new line for tid, closing another unfinished line first.
func (t *Text) leader(tid int) {
	if t.open != 0 {
		t.buf.WriteString(" <unfinished ...>\n")
		t.open = 0
	}
	t.col = 0
	comm, named := "", false
	if t.cfg.Comm != nil && (t.pidPrefix || (t.nprocs > 1 && !t.cfg.ToFile)) {
		comm, named = t.cfg.Comm(tid)
	}
	switch {
	case t.pidPrefix && named:
		t.printf("%d<%s> ", tid, comm) // strace 6.1 drops the padding here
	case t.pidPrefix:
		t.printf("%-5d ", tid)
	case t.nprocs > 1 && !t.cfg.ToFile && named:
		t.printf("[pid %5d<%s>] ", tid, comm)
	case t.nprocs > 1 && !t.cfg.ToFile:
		t.printf("[pid %5d] ", tid)
	}
	t.stamp()
}

func (t *Text) printf(format string, a ...any) {
	n, _ := fmt.Fprintf(&t.buf, format, a...)
	t.col += n
}

// colored appends s in color c; the escape codes do not count as columns.
func (t *Text) colored(c *color.Color, s string) {
	t.col += len(s)
	t.buf.WriteString(c.Sprint(s))
}

func (t *Text) plain(s string) {
	t.col += len(s)
	t.buf.WriteString(s)
}

func (t *Text) flush() {
	if t.buf.Len() == 0 {
		return
	}
	if t.err == nil {
		_, t.err = t.cfg.Out.Write(t.buf.Bytes())
	}
	t.buf.Reset()
}

func (t *Text) message(format string, a ...any) {
	if t.cfg.Messages == nil {
		return
	}
	t.flush()
	fmt.Fprintf(t.cfg.Messages, "waittrace: "+format+"\n", a...)
}

// Enter prints the entry half of a call: name and the arguments known at entry.
func (t *Text) Enter(tid int, name, args string) {
	t.leader(tid)
	t.colored(t.name, name)
	t.plain("(" + args)
	t.open = tid
	t.pending[tid] = name
	t.flush()
}

// Exit completes a call: the rest of its arguments and its return value.
func (t *Text) Exit(tid int, name, args, ret string, isErr bool) {
	if t.open != tid {
		t.leader(tid)
		t.plain("<... ")
		t.colored(t.name, name)
		t.plain(" resumed>")
	}
	t.open = 0
	t.finish(tid, args, ret, isErr)
}

// finish writes the rest of tid's call: its exit arguments and " = ret".
func (t *Text) finish(tid int, args, ret string, isErr bool) {
	delete(t.pending, tid)
	t.plain(args + ") ")
	t.align()
	t.plain("= ")
	if isErr {
		t.colored(t.errc, ret)
	} else {
		t.colored(t.ret, ret)
	}
	t.plain(t.ext.suffix)
	t.buf.WriteByte('\n')
	t.flush()
}

func (t *Text) align() {
	column := t.cfg.Column
	if column == 0 {
		column = returnColumn
	}
	for ; t.col < column; t.col++ {
		t.buf.WriteByte(' ')
	}
}

// Signal prints a signal about to be delivered: "--- SIGCHLD {...} ---".
func (t *Text) Signal(tid int, sig, info string) {
	t.leader(tid)
	if info != "" {
		t.colored(t.sig, "--- "+sig+" "+info+" ---")
	} else {
		t.colored(t.sig, "--- "+sig+" ---")
	}
	t.end()
}

// GroupStop prints "--- stopped by SIGSTOP ---".
func (t *Text) GroupStop(tid int, sig string) {
	t.leader(tid)
	t.colored(t.sig, "--- stopped by "+sig+" ---")
	t.end()
}

func (t *Text) end() {
	t.buf.WriteByte('\n')
	t.flush()
}

// unfinished ends a call its thread will never complete: "<unfinished ...>) = ?".
func (t *Text) unfinished(tid int) {
	name, ok := t.pending[tid]
	if !ok {
		return
	}
	delete(t.pending, tid)
	if t.open == tid {
		t.open = 0
	} else {
		t.leader(tid)
		t.plain("<... ")
		t.colored(t.name, name)
		t.plain(" resumed>")
	}
	// strace prints " <unfinished ...>" in both cases:
	// "<... wait4 resumed> <unfinished ...>) = ?".
	t.plain(" <unfinished ...>) ")
	t.align()
	t.plain("= ?\n")
}

// Gone ends tid without a line of its own (strace's -qq): a call it was in
// ends with "<unfinished ...>) = ?".
func (t *Text) Gone(tid int) {
	t.unfinished(tid)
	t.flush()
	t.gone()
}

// Exited prints "+++ exited with N +++".
func (t *Text) Exited(tid, code int) {
	t.unfinished(tid)
	t.leader(tid)
	t.colored(t.exit, "+++ exited with "+strconv.Itoa(code)+" +++")
	t.end()
	t.gone()
}

// Killed prints "+++ killed by SIGX (core dumped) +++".
func (t *Text) Killed(tid int, sig string, core bool) {
	t.unfinished(tid)
	t.leader(tid)
	s := "+++ killed by " + sig
	if core {
		s += " (core dumped)"
	}
	t.colored(t.exit, s+" +++")
	t.end()
	t.gone()
}

func (t *Text) gone() {
	if t.nprocs > 0 {
		t.nprocs--
	}
}

// Superseded prints that thread leader tid was replaced by an execve in
// thread former, which now has tid.
func (t *Text) Superseded(tid, former int) {
	// The old leader died in the execve: a call it was in ends with
	// "<unfinished ...>) = ?" before the superseded line, as in strace.
	t.unfinished(tid)
	delete(t.pending, former)
	t.leader(tid)
	t.plain("+++ superseded by execve in pid " + strconv.Itoa(former) + " +++")
	t.end()
	t.gone()
}

// NewTracee counts a traced thread. announce prints strace's message: for a
// process attached with -p (threads > 0) or a followed child.
func (t *Text) NewTracee(tid, threads int, announce bool) {
	t.nprocs++
	if !announce {
		return
	}
	switch {
	case threads > 1:
		t.message("Process %d attached with %d threads", tid, threads)
	default:
		t.message("Process %d attached", tid)
	}
}

// Detached ends tid's unfinished line with " <detached ...>" and, if
// announce, says "Process N detached".
func (t *Text) Detached(tid int, announce bool) {
	if announce {
		t.message("Process %d detached", tid)
	}
	delete(t.pending, tid)
	if t.open == tid {
		t.buf.WriteString(" <detached ...>\n")
		t.open = 0
		t.flush()
	}
	t.gone()
}
