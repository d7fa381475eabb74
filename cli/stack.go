package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/output"
)

// reapsValue reads --reaps[=stacks]: the report, and whether its reaping
// calls (and the stolen-child alerts) get their stacks without -k.
func reapsValue(c *cli.Context) (report, stacks bool, err error) {
	given, v := optionalValue(c, "reaps")
	switch v {
	case "":
	case "stacks":
		stacks = true
	default:
		return false, false, fail(ExitUsage, "--reaps=%s: the only value is stacks", v)
	}
	return given, stacks, nil
}

// unwinds reports whether the session unwinds stacks: for -k (which -c
// makes moot, as in strace), and for --reaps=stacks.
func (s *settings) unwinds() bool {
	return s.stack && !s.summaryOnly || s.reapStacks
}

// traceStacks makes the JSON or table writer of the trace print the
// records' stacks, with -k (text gets TextOptions.StackTraces).
func traceStacks(w event.Sink, on bool) {
	switch w := w.(type) {
	case *output.JSON:
		w.SetStackTraces(on)
	case *output.Table:
		w.SetStackTraces(on)
	}
}
