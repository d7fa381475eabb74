// Package output writes the records of a trace in one format per stream:
// Text (strace's lines, also one file per thread with -ff), JSON Lines and
// Tracee's table, each with the alerts, the reaps report and the -c summary
// of that trace in the same format. Writers are event.Sinks: they never
// talk to the engine or read tracee memory.
package output

import "github.com/waittrace/waittrace/event"

// AnalysisOnly passes to w only the records of the analysis (alerts, the
// summary, the report), and those of processes traced and untraced (for
// "Process N attached" messages): strace's -c, which prints no trace.
func AnalysisOnly(w event.Sink) event.Sink { return analysisOnly{w} }

type analysisOnly struct{ event.Sink }

func (a analysisOnly) Record(ev *event.Event) {
	switch ev.Kind {
	case event.AlertFired, event.SummaryReady, event.ReportReady, event.Traced, event.Untraced:
		a.Sink.Record(ev)
	}
}

// Err reports w's first write error.
func (a analysisOnly) Err() error {
	if e, ok := a.Sink.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}
