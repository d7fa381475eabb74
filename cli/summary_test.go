package cli

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSummaryOptionErrors: -S, -U, -O and -w are refused or warned about
// as strace 6.1 does: -w and -U only with -c or -C, -S without them only
// a warning.
func TestSummaryOptionErrors(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	tests := []struct {
		args []string
		code int
		line string // the first line on stderr, without "waittrace: "
	}{
		{[]string{"-w", "true"}, ExitUsage, "-w/--summary-wall-clock must be given with (-c/--summary-only or -C/--summary)"},
		{[]string{"-U", "calls", "true"}, ExitUsage, "-U/--summary-columns must be given with (-c/--summary-only or -C/--summary)"},
		{[]string{"-S", "calls", "true"}, 0, "-S/--summary-sort-by has no effect without (-c/--summary-only or -C/--summary)"},
		{[]string{"-c", "-S", "time_pct", "true"}, ExitUsage, "-S time_pct: sort by time, min-time, max-time, avg-time, calls, errors, name or nothing"},
		{[]string{"-c", "-U", "calls,count", "true"}, ExitUsage, "-U calls,count: column count is named more than once"},
		{[]string{"-c", "-U", "none", "true"}, ExitUsage, "-U none: the columns are time-percent, total-time, min-time, max-time, avg-time, calls, errors, name"},
		{[]string{"-c", "-O", "1h", "true"}, ExitUsage, "-O 1h: the overhead is a number of microseconds, or of s, ms, us or ns (1.5, 150us, 0.2ms)"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			code := Main(append([]string{"waittrace"}, tc.args...), io.Discard, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d (%q)", code, tc.code, stderr.String())
			}
			if line, _, _ := strings.Cut(stderr.String(), "\n"); line != "waittrace: "+tc.line {
				t.Errorf("stderr:\n got %q\nwant %q first", stderr.String(), "waittrace: "+tc.line)
			}
		})
	}
}

func TestParseOverhead(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration // -1: refused
	}{
		{"1.5", 1500 * time.Nanosecond}, // microseconds without a unit, as strace
		{"100000", 100 * time.Millisecond},
		{"1e5", 100 * time.Millisecond},
		{"150us", 150 * time.Microsecond},
		{"0.2ms", 200 * time.Microsecond},
		{"1s", time.Second},
		{"10ns", 10 * time.Nanosecond},
		{"0", 0},
		{"-1", -1},
		{"1h", -1},
		{"1.5sm", -1},
		{"us", -1},
		{"", -1},
		{"inf", -1},
	}
	for _, tc := range tests {
		got, err := parseOverhead(tc.in)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("-O %q = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("-O %q = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestSummaryNames: strace 6.1's names of the columns (-U) and sort keys
// (-S), and only those; the name column is added last when missing.
func TestSummaryNames(t *testing.T) {
	cols := []struct {
		in   string
		want []string // nil: refused
	}{
		{"time,calls", []string{"time-percent", "calls", "name"}},
		{"syscall,count,error", []string{"name", "calls", "errors"}},
		{"shortest,longest,time_total,avg_time,time_percent", []string{"min-time", "max-time", "total-time", "avg-time", "time-percent", "name"}},
		{"time-pct", nil},
		{"nothing", nil},
		{"calls,", nil},
		{"name,syscall", nil},
	}
	for _, tc := range cols {
		got, err := parseSummaryColumns(tc.in)
		if (err != nil) != (tc.want == nil) || !slices.Equal(got, tc.want) {
			t.Errorf("-U %s = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for in, want := range map[string]string{"time-percent": "time", "total-time": "time", "shortest": "min-time",
		"longest": "max-time", "time_avg": "avg-time", "count": "calls", "error": "errors", "syscall_name": "name",
		"none": "nothing", "time_pct": ""} {
		if got := sortKeys[in]; got != want || (checkSortBy(in) == nil) != (want != "") {
			t.Errorf("-S %s = %q, want %q", in, got, want)
		}
	}
}
