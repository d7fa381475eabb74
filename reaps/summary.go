package reaps

import (
	"slices"

	"github.com/waittrace/waittrace/event"
)

// Summary returns the -c counts so far, one row per call and personality,
// in the order the calls were first seen.
func (t *Tracker) Summary() event.Summary {
	rows := make([]event.SummaryRow, len(t.calls))
	for i, c := range t.calls {
		rows[i] = *c
	}
	return event.Summary{Rows: slices.Clip(rows)}
}
