package cli

// The flags of the --reaps report, the --alert alerts and the -c/-C
// summary.

import (
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/reaps"
)

func reapsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "c", Usage: "count the calls and print strace's summary table (wall time in each call, as strace -c -w) and a table of outcomes, instead of the trace"},
		&cli.BoolFlag{Name: "C", Usage: "like -c, but print the trace too"},
		&cli.BoolFlag{Name: "reaps", Usage: "at the end, report who reaped whom: the process tree, how each process ended, which wait call collected it and how long after (use with -f)"},
		&cli.StringFlag{Name: "alert", Usage: "alert on `LIST` of: " + strings.Join(reaps.AlertKinds, ",") + " (or all)"},
		&cli.DurationFlag{Name: "zombie-after", Value: time.Second, Usage: "`DURATION` a child may stay unreaped before the zombie alert"},
		&cli.IntFlag{Name: "alert-exit", Usage: "exit with status `N` if an alert fired and the command succeeded"},
	}
}

// parseAlerts reads --alert=LIST.
func parseAlerts(list string) (map[string]bool, error) {
	set := map[string]bool{}
	if list == "" {
		return set, nil
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "all":
			for _, k := range reaps.AlertKinds {
				set[k] = true
			}
		case slices.Contains(reaps.AlertKinds, name):
			set[name] = true
		default:
			return nil, fail(ExitUsage, "--alert=%s: use a list of %s, or all", name, strings.Join(reaps.AlertKinds, ","))
		}
	}
	return set, nil
}

// parseReaps reads the flags of the tracker: nil when none was given.
func parseReaps(c *cli.Context) (*reaps.Options, error) {
	alerts, err := parseAlerts(c.String("alert"))
	if err != nil {
		return nil, err
	}
	if c.IsSet("alert-exit") && len(alerts) == 0 {
		return nil, fail(ExitUsage, "--alert-exit needs --alert=LIST")
	}
	if c.Duration("zombie-after") <= 0 {
		return nil, fail(ExitUsage, "--zombie-after must be positive")
	}
	o := &reaps.Options{Alerts: alerts, ZombieAfter: c.Duration("zombie-after"),
		Report: c.Bool("reaps"), Summary: c.Bool("c") || c.Bool("C")}
	if !o.Report && !o.Summary && len(alerts) == 0 {
		return nil, nil
	}
	return o, nil
}

// alertExit is --alert-exit's status.
func alertExit(c *cli.Context) int { return c.Int("alert-exit") }

// summaryOnly: -c prints the table instead of the trace.
func summaryOnly(c *cli.Context) bool { return c.Bool("c") && !c.Bool("C") }
