package output

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/syscalls"
)

// personalityNames are the headings strace gives the summary of a
// non-native personality ("System call usage summary for 32 bit mode:").
var personalityNames = map[int]string{1: "32 bit"}

// WriteSummary writes the -c table as strace 6.1 does, with the columns
// and the order s asks for (-U, -S; by default strace's columns, sorted by
// time), one table per personality, followed by waittrace's table of
// outcomes per call. Nothing is written if no call returned, as with
// strace.
func WriteSummary(w io.Writer, s *event.Summary) error {
	var b strings.Builder
	pers := []int{}
	var rows []*event.SummaryRow
	for i, c := range s.Rows {
		// strace lists only the calls that were made.
		if c.Calls == 0 {
			continue
		}
		rows = append(rows, &s.Rows[i])
		if !slices.Contains(pers, c.Personality) {
			pers = append(pers, c.Personality)
		}
	}
	slices.Sort(pers)
	cols := summaryColumns(s.Columns)
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
		summaryTable(&b, sortSummary(part, s.SortBy), cols)
	}
	if len(rows) > 0 && s.Outcomes {
		outcomeTable(&b, rows)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// defaultColumns are strace's columns without -U.
var defaultColumns = []string{"time-percent", "total-time", "avg-time", "calls", "errors", "name"}

// summaryColumns are the columns to print: strace's default, or those of
// -U, unknown names left out and the name column added at the end if it is
// missing, as strace adds it (a table without it means nothing).
func summaryColumns(asked []string) []string {
	if len(asked) == 0 {
		return defaultColumns
	}
	var cols []string
	for _, c := range asked {
		if _, ok := columnHeads[c]; ok && !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	if !slices.Contains(cols, "name") {
		cols = append(cols, "name")
	}
	return cols
}

// columnHeads are strace's headers and minimum widths, by column. The
// widths of seconds and usecs/call are historical (strace says so), wider
// than their headers.
var columnHeads = map[string]struct {
	head  string
	width int
}{
	"time-percent": {"% time", 6},
	"total-time":   {"seconds", 11},
	"min-time":     {"shortest", 8},
	"max-time":     {"longest", 8},
	"avg-time":     {"usecs/call", 11},
	"calls":        {"calls", 9},
	"errors":       {"errors", 9},
	"name":         {"syscall", 16},
}

// sortSummary orders the rows of one personality as strace's -S does.
// strace qsorts the syscall numbers with glibc's merge sort, which is
// stable: rows start in syscall number order, ties keep it, and "nothing"
// leaves it. Every key but the name sorts in descending order.
func sortSummary(rows []*event.SummaryRow, by string) []*event.SummaryRow {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(x, y *event.SummaryRow) int {
		return cmp.Compare(syscallNumber(x), syscallNumber(y))
	})
	var key func(*event.SummaryRow) int64
	switch by {
	case "", "time":
		key = func(r *event.SummaryRow) int64 { return int64(r.Time) }
	case "min-time":
		key = func(r *event.SummaryRow) int64 { return int64(r.Min) }
	case "max-time":
		key = func(r *event.SummaryRow) int64 { return int64(r.Max) }
	case "avg-time":
		key = func(r *event.SummaryRow) int64 { return int64(average(r)) }
	case "calls":
		key = func(r *event.SummaryRow) int64 { return int64(r.Calls) }
	case "errors":
		key = func(r *event.SummaryRow) int64 { return int64(r.Errors) }
	case "name":
		slices.SortStableFunc(rows, func(x, y *event.SummaryRow) int { return strings.Compare(x.Syscall, y.Syscall) })
		return rows
	default: // "nothing"
		return rows
	}
	slices.SortStableFunc(rows, func(x, y *event.SummaryRow) int { return cmp.Compare(key(y), key(x)) })
	return rows
}

// syscallNumber is the number of a row's call, strace's index into its
// counts: the 32-bit personality is i386's, the native one this binary's.
func syscallNumber(r *event.SummaryRow) uint64 {
	c, _ := syscalls.ParseCall(r.Syscall)
	p := syscalls.AMD64
	switch {
	case r.Personality == 1:
		p = syscalls.I386
	case runtime.GOARCH == "arm64":
		p = syscalls.ARM64
	}
	if n, ok := syscalls.Number(p, c); ok {
		return n
	}
	return math.MaxUint64
}

// average is strace's ts_div: the time per call, rounded to the nearest
// nanosecond.
func average(r *event.SummaryRow) time.Duration {
	if r.Calls == 0 {
		return 0
	}
	n := time.Duration(r.Calls)
	return (r.Time + n/2) / n
}

// seconds is strace's ts_float, computed as it is (whole seconds plus the
// nanoseconds divided), so that %.6f rounds the same way.
func seconds(d time.Duration) float64 {
	return float64(d/time.Second) + float64(d%time.Second)/1e9
}

// usecs is strace's usecs/call of a time per call: truncated microseconds.
func usecs(d time.Duration) uint64 { return uint64(seconds(d) * 1e6) }

// summaryTable is strace's call_summary_pers: rows, already sorted, in the
// columns cols, then the total line.
func summaryTable(b *strings.Builder, rows []*event.SummaryRow, cols []string) {
	var cum, minAll, minMax, maxAll, avgMax time.Duration
	var calls, errors int
	nameMax := 0
	for i, r := range rows {
		cum += r.Time
		calls += r.Calls
		errors += r.Errors
		if i == 0 || r.Min < minAll {
			minAll = r.Min
		}
		minMax = max(minMax, r.Min)
		maxAll = max(maxAll, r.Max)
		avgMax = max(avgMax, average(r))
		nameMax = max(nameMax, len(r.Syscall))
	}
	floatCum := seconds(cum)
	width := map[string]int{
		"time-percent": len("100.00"),
		"total-time":   len(fmt.Sprintf("%.6f", floatCum)),
		"min-time":     len(fmt.Sprintf("%d.000000", minMax/time.Second)),
		"max-time":     len(fmt.Sprintf("%d.000000", maxAll/time.Second)),
		"avg-time":     len(fmt.Sprintf("%d", usecs(avgMax))),
		"calls":        len(fmt.Sprintf("%d", calls)),
		"errors":       len(fmt.Sprintf("%d", errors)),
		"name":         nameMax + 1,
	}
	for c, h := range columnHeads {
		width[c] = max(width[c], h.width)
	}
	last := len(cols) - 1

	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch {
		case c == "name" && i == last:
			b.WriteString(columnHeads[c].head)
		case c == "name":
			fmt.Fprintf(b, "%-*s", width[c], columnHeads[c].head)
		default:
			fmt.Fprintf(b, "%*s", width[c], columnHeads[c].head)
		}
	}
	b.WriteByte('\n')
	divider := func() {
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.Repeat("-", width[c]))
		}
		b.WriteByte('\n')
	}
	// line writes one row; the name column is padded unless it is last.
	line := func(percent float64, total, shortest, longest time.Duration, avg uint64, calls, errors int, name string) {
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(' ')
			}
			w := width[c]
			switch c {
			case "time-percent":
				fmt.Fprintf(b, "%*.2f", w, percent)
			case "total-time":
				fmt.Fprintf(b, "%*.6f", w, seconds(total))
			case "min-time":
				fmt.Fprintf(b, "%*.6f", w, seconds(shortest))
			case "max-time":
				fmt.Fprintf(b, "%*.6f", w, seconds(longest))
			case "avg-time":
				fmt.Fprintf(b, "%*d", w, avg)
			case "calls":
				fmt.Fprintf(b, "%*d", w, calls)
			case "errors":
				b.WriteString(errorsCol(w, errors))
			case "name":
				if i == last {
					b.WriteString(name)
				} else {
					fmt.Fprintf(b, "%-*s", w, name)
				}
			}
		}
		b.WriteByte('\n')
	}

	divider()
	for _, r := range rows {
		// strace: 0/0 would be NaN when no time was counted at all.
		percent := 100.0 * seconds(r.Time)
		if percent != 0 {
			percent /= floatCum
		}
		line(percent, r.Time, r.Min, r.Max, usecs(average(r)), r.Calls, r.Errors, r.Syscall)
	}
	divider()
	line(100, cum, minAll, maxAll, uint64(floatCum/float64(calls)*1e6), calls, errors, "total")
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
