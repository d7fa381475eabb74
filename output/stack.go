package output

import (
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/stack"
)

// Stacks (-k): strace prints the stack of a call after the line that
// completes it (its exit, or "<... wait4 resumed>"), never after
// "<unfinished ...>" nor for a call that never returns; and after each
// "--- SIG... ---" and "--- stopped by SIG... ---" line. Stack lines have
// no pid prefix, time or -i/-n prefix, with -o FILE -f and -ff alike.

// tooMany is strace's line for a stack deeper than its limit.
var tooMany = stack.ErrTooManyFrames.Error()

// StackLines returns the lines strace -k prints for a stack, without
// newlines: one per frame (Frame.String escapes the tracee's bytes), then
// " > too many stack frames" if the walk stopped at the limit. A stack
// that could not be walked at all has no line, as in strace.
func StackLines(frames []stack.Frame, errText string) []string {
	lines := make([]string, 0, len(frames)+1)
	for _, f := range frames {
		lines = append(lines, f.String())
	}
	if errText == tooMany {
		lines = append(lines, " > "+tooMany)
	}
	return lines
}

// Stack prints the lines of a stack after the line just completed.
func (t *Text) Stack(frames []stack.Frame, errText string) {
	if len(frames) == 0 && errText != tooMany {
		return
	}
	if t.open != 0 {
		// Not after a line left open (a caller's mistake), but whole.
		t.buf.WriteString(" <unfinished ...>\n")
		t.open = 0
	}
	for _, l := range StackLines(frames, errText) {
		t.buf.WriteString(l)
		t.buf.WriteByte('\n')
	}
	t.flush()
}

// stack prints ev's stack with -k.
func (w *TextWriter) stack(ev *event.Event) {
	if w.opt.StackTraces {
		w.t.Stack(ev.Stack, ev.StackErr)
	}
}

// SetStackTraces makes the JSON records of calls, signals and group-stops
// carry their stacks (-k): "stack", an array of {address, object, offset,
// symbol}, innermost first, and "stackError" for what cut it short or why
// there is none.
func (j *JSON) SetStackTraces(on bool) { j.stacks = on }

// addStack adds the stack of ev to r, with -k.
func (j *JSON) addStack(r *JSONRecord, ev *event.Event) {
	if j.stacks {
		r.Stack, r.StackError = ev.Stack, ev.StackErr
	}
}

// SetStackTraces adds, after the row of each call, signal and group-stop,
// one row per frame of its stack (-k): EVENT "stack", RET the frame's
// number ("#0" innermost), ARGS the frame as strace prints it. A row per
// frame rather than the top frame in ARGS: the top frame is the libc
// wrapper (wait4+0x13), the same for every call; what tells calls apart
// is further down.
func (t *Table) SetStackTraces(on bool) { t.stacks = on }

// stackRows writes the stack rows of ev, whose row was just written as
// row.
func (t *Table) stackRows(row, ev *event.Event) {
	if !t.stacks {
		return
	}
	for i, l := range StackLines(ev.Stack, ev.StackErr) {
		ret := "#" + strconv.Itoa(i)
		if i >= len(ev.Stack) {
			ret = ""
		}
		t.event(row, ret, "stack", strings.TrimPrefix(l, " > "))
	}
}
