package cli

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sortKeys are strace's -S values, by the column they sort on.
var sortKeys = map[string]string{
	"time": "time", "time_total": "time", "total_time": "time", "time-total": "time", "total-time": "time",
	"min-time": "min", "min_time": "min", "shortest": "min", "time-min": "min", "time_min": "min",
	"max-time": "max", "max_time": "max", "longest": "max", "time-max": "max", "time_max": "max",
	"avg-time": "avg", "avg_time": "avg", "time-avg": "avg", "time_avg": "avg",
	"calls": "calls", "count": "calls",
	"errors": "errors", "error": "errors",
	"name": "name", "syscall": "name", "syscall-name": "name", "syscall_name": "name",
	"nothing": "nothing", "none": "nothing",
}

// checkSortBy checks -S.
func checkSortBy(v string) error {
	if _, ok := sortKeys[v]; !ok {
		return fail(ExitUsage, "-S %s: sort by time, min-time, max-time, avg-time, calls, errors, name or nothing", v)
	}
	return nil
}

// summaryColumnNames are strace's -U column names, by the column.
var summaryColumnNames = map[string]string{
	"time-percent": "time-percent", "time_percent": "time-percent", "time-pct": "time-percent", "time_pct": "time-percent",
	"total-time": "total-time", "total_time": "total-time", "time-total": "total-time", "time_total": "total-time",
	"min-time": "min-time", "min_time": "min-time", "shortest": "min-time", "time-min": "min-time", "time_min": "min-time",
	"max-time": "max-time", "max_time": "max-time", "longest": "max-time", "time-max": "max-time", "time_max": "max-time",
	"avg-time": "avg-time", "avg_time": "avg-time", "time-avg": "avg-time", "time_avg": "avg-time",
	"calls": "calls", "count": "calls",
	"errors": "errors", "error": "errors",
	"name": "name", "syscall": "name", "syscall-name": "name", "syscall_name": "name",
}

// parseSummaryColumns reads -U.
func parseSummaryColumns(v string) ([]string, error) {
	var cols []string
	for _, c := range strings.Split(v, ",") {
		name, ok := summaryColumnNames[c]
		if !ok {
			return nil, fail(ExitUsage, "-U %s: the columns are time-percent, total-time, min-time, max-time, avg-time, calls, errors, name", v)
		}
		cols = append(cols, name)
	}
	return cols, nil
}

// parseOverhead reads -O: a number of seconds, or a number with a unit
// (s, ms, us, ns), as strace.
func parseOverhead(v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
		return time.Duration(f * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fail(ExitUsage, "-O %s: the overhead is a number of seconds (0.000001) or a duration (1us, 0.5ms)", v)
}

// compileRegexp compiles a -e trace=/REGEX (POSIX extended in strace; Go's
// syntax covers what matters for three call names).
func compileRegexp(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(expr)
}
