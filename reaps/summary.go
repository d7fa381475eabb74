package reaps

import (
	"slices"

	"github.com/waittrace/waittrace/event"
)

// Summary returns the -c counts so far, one row per call and personality,
// in the order the calls were first seen, with the options that shape them.
func (t *Tracker) Summary() event.Summary {
	rows := make([]event.SummaryRow, len(t.calls))
	for i, c := range t.calls {
		rows[i] = *c
	}
	clock := event.ClockSystem
	if t.opt.SummaryWall {
		clock = event.ClockWall
	}
	return event.Summary{Rows: slices.Clip(rows), Clock: clock, Overhead: t.opt.SummaryOverhead,
		SortBy: t.opt.SummarySortBy, Columns: t.opt.SummaryColumns, Outcomes: t.opt.Report}
}
