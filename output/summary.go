package output

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/waittrace/waittrace/event"
)

// personalityNames are the headings strace gives the summary of a
// non-native personality ("System call usage summary for 32 bit mode:").
var personalityNames = map[int]string{1: "32 bit"}

// WriteSummary writes the -c table as strace 6.1 does (default columns,
// sorted by time), one table per personality, followed by waittrace's
// table of outcomes per call. The time is the wall-clock time between the
// entry and exit stops of each call (strace -c -w); strace without -w
// counts system CPU time instead. Nothing is written if no call returned,
// as with strace.
func WriteSummary(w io.Writer, s *event.Summary) error {
	var b strings.Builder
	pers := []int{}
	for _, c := range s.Rows {
		if !slices.Contains(pers, c.Personality) {
			pers = append(pers, c.Personality)
		}
	}
	slices.Sort(pers)
	rows := make([]*event.SummaryRow, len(s.Rows))
	for i := range s.Rows {
		rows[i] = &s.Rows[i]
	}
	for _, p := range pers {
		var part []*event.SummaryRow
		for _, c := range rows {
			if c.Personality == p {
				part = append(part, c)
			}
		}
		if p != 0 {
			fmt.Fprintf(&b, "System call usage summary for %s mode:\n", personalityNames[p])
		}
		summaryTable(&b, part)
	}
	if len(rows) > 0 {
		outcomeTable(&b, rows)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// seconds is strace's ts_float.
func seconds(d time.Duration) float64 { return float64(d) / 1e9 }

// summaryTable is strace's call_summary_pers with the default columns.
func summaryTable(b *strings.Builder, rows []*event.SummaryRow) {
	// strace sorts by time, descending; the sort is stable so ties keep
	// syscall number order: wait4 before waitid (and waitpid on i386 first).
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(x, y *event.SummaryRow) int {
		if c := callOrder(x.Syscall) - callOrder(y.Syscall); c != 0 {
			return c
		}
		return 0
	})
	slices.SortStableFunc(rows, func(x, y *event.SummaryRow) int {
		switch {
		case x.Time > y.Time:
			return -1
		case x.Time < y.Time:
			return 1
		}
		return 0
	})
	var cum time.Duration
	var calls, errors int
	var avgMax float64
	nameMax := 0
	for _, r := range rows {
		cum += r.Time
		calls += r.Calls
		errors += r.Errors
		avgMax = max(avgMax, seconds(r.Time/time.Duration(r.Calls)))
		nameMax = max(nameMax, len(r.Syscall))
	}
	floatCum := seconds(cum)
	wTime := max(11, len(fmt.Sprintf("%.6f", floatCum)))
	wAvg := max(11, len(fmt.Sprintf("%d", uint64(avgMax*1e6))))
	wCalls := max(9, len(fmt.Sprintf("%d", calls)))
	wErrors := max(9, len(fmt.Sprintf("%d", errors)))
	wName := max(16, nameMax+1)

	fmt.Fprintf(b, "%6s %*s %*s %*s %*s %s\n", "% time", wTime, "seconds", wAvg, "usecs/call", wCalls, "calls", wErrors, "errors", "syscall")
	divider := func() {
		for i, w := range []int{6, wTime, wAvg, wCalls, wErrors, wName} {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.Repeat("-", w))
		}
		b.WriteByte('\n')
	}
	divider()
	for _, r := range rows {
		t := seconds(r.Time)
		percent := 100.0 * t
		if percent != 0 {
			percent /= floatCum
		}
		avg := uint64(seconds(r.Time/time.Duration(r.Calls)) * 1e6)
		fmt.Fprintf(b, "%6.2f %*.6f %*d %*d %s %s\n", percent, wTime, t, wAvg, avg, wCalls, r.Calls,
			errorsCol(wErrors, r.Errors), r.Syscall)
	}
	divider()
	total := uint64(floatCum / float64(calls) * 1e6)
	fmt.Fprintf(b, "%6.2f %*.6f %*d %*d %s %s\n", 100.0, wTime, floatCum, wAvg, total, wCalls, calls,
		errorsCol(wErrors, errors), "total")
}

// errorsCol is printf("%*.0u"): a zero prints as blanks.
func errorsCol(w, n int) string {
	if n == 0 {
		return strings.Repeat(" ", w)
	}
	return fmt.Sprintf("%*d", w, n)
}

func callOrder(name string) int {
	switch name {
	case "waitpid":
		return 0
	case "wait4":
		return 1
	}
	return 2
}

// outcomeTable is waittrace's own table: what each call found.
func outcomeTable(b *strings.Builder, rows []*event.SummaryRow) {
	type agg struct {
		name                                     string
		calls, found, none, echild, eintr, inval int
	}
	var all []*agg
	for _, r := range rows {
		var a *agg
		for _, x := range all {
			if x.name == r.Syscall {
				a = x
			}
		}
		if a == nil {
			a = &agg{name: r.Syscall}
			all = append(all, a)
		}
		a.calls += r.Calls
		a.found += r.Found
		a.none += r.None
		a.echild += r.ECHILD
		a.eintr += r.EINTR + r.Restarted
		a.inval += r.Invalid
	}
	slices.SortStableFunc(all, func(x, y *agg) int { return callOrder(x.name) - callOrder(y.name) })
	b.WriteString("\n")
	fmt.Fprintf(b, "%9s %9s %9s %9s %13s %13s %s\n", "calls", "child", "none yet", "ECHILD", "EINTR/restart", "EFAULT/EINVAL", "syscall")
	fmt.Fprintf(b, "%s %s %s %s %s %s %s\n", strings.Repeat("-", 9), strings.Repeat("-", 9), strings.Repeat("-", 9),
		strings.Repeat("-", 9), strings.Repeat("-", 13), strings.Repeat("-", 13), strings.Repeat("-", 16))
	var tot agg
	for _, a := range all {
		fmt.Fprintf(b, "%9d %9d %9d %9d %13d %13d %s\n", a.calls, a.found, a.none, a.echild, a.eintr, a.inval, a.name)
		tot.calls += a.calls
		tot.found += a.found
		tot.none += a.none
		tot.echild += a.echild
		tot.eintr += a.eintr
		tot.inval += a.inval
	}
	if len(all) > 1 {
		fmt.Fprintf(b, "%9d %9d %9d %9d %13d %13d %s\n", tot.calls, tot.found, tot.none, tot.echild, tot.eintr, tot.inval, "total")
	}
}
