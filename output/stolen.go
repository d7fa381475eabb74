package output

import (
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/event"
)

// AlertDetail returns the lines that follow an alert's line in text: for a
// stolen child, the stacks of both calls when they were unwound (-k,
// --reaps=stacks), each under a line that names its call; "" otherwise.
// Frames are escaped by Frame.String; the rest was escaped when the alert
// was made.
func AlertDetail(a *event.Alert) string {
	th := a.Stolen
	if th == nil || len(th.ReapedBy.Stack) == 0 && len(th.WantedBy.Stack) == 0 {
		return ""
	}
	var b strings.Builder
	side := func(what string, c event.WaitCall) {
		b.WriteString(" " + what + " " + c.Call + " in " + strconv.Itoa(c.Pid) + " (" + c.Comm + ") tid " + strconv.Itoa(c.Tid) +
			" at " + FormatTime(Stamp{TimeOfDay, Microseconds}, c.Time) + ":\n")
		for _, l := range StackLines(c.Stack, "") {
			b.WriteString(l + "\n")
		}
	}
	side("reaped by", th.ReapedBy)
	side("wanted by", th.WantedBy)
	return b.String()
}
