package cli

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sortKeys are strace 6.1's -S values (its column names, and "none" or
// "nothing"), by the order they ask for (event.Summary.SortBy).
var sortKeys = map[string]string{
	"time": "time", "time_percent": "time", "time-percent": "time",
	"time_total": "time", "total_time": "time", "time-total": "time", "total-time": "time",
	"min-time": "min-time", "min_time": "min-time", "shortest": "min-time", "time-min": "min-time", "time_min": "min-time",
	"max-time": "max-time", "max_time": "max-time", "longest": "max-time", "time-max": "max-time", "time_max": "max-time",
	"avg-time": "avg-time", "avg_time": "avg-time", "time-avg": "avg-time", "time_avg": "avg-time",
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

// summaryColumnNames are strace 6.1's -U column names, by the column.
var summaryColumnNames = map[string]string{
	"time": "time-percent", "time-percent": "time-percent", "time_percent": "time-percent",
	"total-time": "total-time", "total_time": "total-time", "time-total": "total-time", "time_total": "total-time",
	"min-time": "min-time", "min_time": "min-time", "shortest": "min-time", "time-min": "min-time", "time_min": "min-time",
	"max-time": "max-time", "max_time": "max-time", "longest": "max-time", "time-max": "max-time", "time_max": "max-time",
	"avg-time": "avg-time", "avg_time": "avg-time", "time-avg": "avg-time", "time_avg": "avg-time",
	"calls": "calls", "count": "calls",
	"errors": "errors", "error": "errors",
	"name": "name", "syscall": "name", "syscall-name": "name", "syscall_name": "name",
}

// parseSummaryColumns reads -U. As strace, a column may be named once, and
// the name column is added at the end when it is missing.
func parseSummaryColumns(v string) ([]string, error) {
	var cols []string
	for _, c := range strings.Split(v, ",") {
		name, ok := summaryColumnNames[c]
		if !ok {
			return nil, fail(ExitUsage, "-U %s: the columns are time-percent, total-time, min-time, max-time, avg-time, calls, errors, name", v)
		}
		if slices.Contains(cols, name) {
			return nil, fail(ExitUsage, "-U %s: column %s is named more than once", v, c)
		}
		cols = append(cols, name)
	}
	if !slices.Contains(cols, "name") {
		cols = append(cols, "name")
	}
	return cols, nil
}

// overheadUnits are the suffixes of -O's time, as strace's parse_ts reads
// them; a bare number is in microseconds.
var overheadUnits = map[string]time.Duration{
	"": time.Microsecond, "s": time.Second, "ms": time.Millisecond, "us": time.Microsecond, "ns": time.Nanosecond,
}

// parseOverhead reads -O as strace 6.1 does: a number (strtod's syntax) of
// microseconds, or of the unit of a suffix s, ms, us or ns.
func parseOverhead(v string) (time.Duration, error) {
	num := strings.TrimRight(v, "smun")
	unit, ok := overheadUnits[v[len(num):]]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fail(ExitUsage, "-O %s: the overhead is a number of microseconds, or of s, ms, us or ns (1.5, 150us, 0.2ms)", v)
	}
	return time.Duration(f * float64(unit)), nil
}

// compileRegexp compiles a -e trace=/REGEX (POSIX extended in strace; Go's
// syntax covers what matters for three call names).
func compileRegexp(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(expr)
}
