package reaps

import (
	"slices"
	"testing"
	"time"

	"github.com/waittrace/waittrace/event"
)

// timedCall is a wait call of tid entered at ms, returning after dur ms of
// wall-clock time with stime of system CPU time.
func timedCall(ms, dur, tid int, stime time.Duration, w Wait) []step {
	s := call(ms, dur, tid, w)
	s[1].ev.STime = stime
	return s
}

// TestSummaryClocks: -c sums the system time of each call (strace's
// default) or, with -w, its wall-clock time; -O comes off each call before
// the sums, min and max, clamped at zero, as strace's count_syscall does.
func TestSummaryClocks(t *testing.T) {
	us := time.Microsecond
	steps := seq(launched(0, 100, "sh"),
		timedCall(10, 5, 100, 300*us, Wait{Any: true, Errno: 10, Rval: -10}),
		timedCall(20, 1, 100, 100*us, Wait{Any: true}),
		timedCall(30, 9, 100, 0, Wait{Any: true}),
		timedCall(40, 2, 100, 50*us, Wait{Call: "waitid", Any: true}))
	type row struct {
		name                string
		calls, errors       int
		total, least, worst time.Duration
	}
	tests := []struct {
		name  string
		opt   Options
		clock string
		want  []row
	}{
		{"system time", Options{}, event.ClockSystem, []row{
			{"wait4", 3, 1, 400 * us, 0, 300 * us},
			{"waitid", 1, 0, 50 * us, 50 * us, 50 * us}}},
		{"system time less overhead", Options{SummaryOverhead: 80 * us}, event.ClockSystem, []row{
			{"wait4", 3, 1, 220*us + 20*us, 0, 220 * us},
			{"waitid", 1, 0, 0, 0, 0}}},
		{"wall clock", Options{SummaryWall: true}, event.ClockWall, []row{
			{"wait4", 3, 1, at(15), at(1), at(9)},
			{"waitid", 1, 0, at(2), at(2), at(2)}}},
		{"wall clock less overhead", Options{SummaryWall: true, SummaryOverhead: at(3)}, event.ClockWall, []row{
			{"wait4", 3, 1, at(8), 0, at(6)},
			{"waitid", 1, 0, 0, 0, 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Summary, tc.opt.SummarySortBy, tc.opt.SummaryColumns = true, "calls", []string{"calls", "name"}
			tr, _ := run(t, tc.opt, steps, 100)
			s := tr.Summary()
			if s.Clock != tc.clock || s.Overhead != tc.opt.SummaryOverhead || s.SortBy != "calls" ||
				!slices.Equal(s.Columns, []string{"calls", "name"}) {
				t.Errorf("summary options: clock %q overhead %v sort %q columns %q", s.Clock, s.Overhead, s.SortBy, s.Columns)
			}
			var got []row
			for _, r := range s.Rows {
				got = append(got, row{r.Syscall, r.Calls, r.Errors, r.Time, r.Min, r.Max})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
