package output

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/event"
)

func TestSummaryMatchesStrace(t *testing.T) {
	tests := []struct {
		name     string
		rows     []event.SummaryRow
		outcomes bool   // --reaps: waittrace's table of outcomes follows
		want     string // strace 6.1's table (captured from real runs), then ours
	}{
		{
			// strace -c -f -e trace=wait4,waitid,waitpid sh -c '(exit 3) & wait; sleep 0.01 & wait; true'
			// The total's usecs/call is computed in floating point, as strace does: 1029, not 1030.
			name:     "one call, errors",
			rows:     []event.SummaryRow{{Syscall: "wait4", Calls: 6, Errors: 2, Time: 6180 * time.Microsecond, Found: 2, None: 2, ECHILD: 2}},
			outcomes: true,
			want: `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.006180        1030         6         2 wait4
------ ----------- ----------- --------- --------- ----------------
100.00    0.006180        1029         6         2 total

    calls     child  none yet    ECHILD EINTR/restart EFAULT/EINVAL syscall
--------- --------- --------- --------- ------------- ------------- ----------------
        6         2         2         2             0             0 wait4
`,
		},
		{
			// strace -c -f -e trace=wait4,waitid -o FILE sh -c '(exit 3) & wait': zero time.
			name: "zero time",
			rows: []event.SummaryRow{{Syscall: "wait4", Calls: 3, Errors: 1, Found: 1, None: 1, ECHILD: 1}},
			want: `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
  0.00    0.000000           0         3         1 wait4
------ ----------- ----------- --------- --------- ----------------
100.00    0.000000           0         3         1 total
`,
		},
		{
			name: "sorted by time, no errors print blank, 32-bit table",
			rows: []event.SummaryRow{
				{Syscall: "wait4", Calls: 1, Time: time.Millisecond, Found: 1},
				{Syscall: "waitid", Calls: 3, Errors: 1, Time: 3 * time.Millisecond, Found: 2, EINTR: 1},
				{Syscall: "waitpid", Personality: 1, Calls: 2, Time: 2 * time.Millisecond, Found: 1, Invalid: 1, Errors: 1},
			},
			outcomes: true,
			want: `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 75.00    0.003000        1000         3         1 waitid
 25.00    0.001000        1000         1           wait4
------ ----------- ----------- --------- --------- ----------------
100.00    0.004000        1000         4         1 total
System call usage summary for 32 bit mode:
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.002000        1000         2         1 waitpid
------ ----------- ----------- --------- --------- ----------------
100.00    0.002000        1000         2         1 total

    calls     child  none yet    ECHILD EINTR/restart EFAULT/EINVAL syscall
--------- --------- --------- --------- ------------- ------------- ----------------
        2         1         0         0             0             1 waitpid
        1         1         0         0             0             0 wait4
        3         2         0         0             1             0 waitid
        6         4         0         0             1             1 total
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteSummary(&b, &event.Summary{Rows: tc.rows, Outcomes: tc.outcomes}); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestSummaryEmpty(t *testing.T) {
	var b strings.Builder
	_ = WriteSummary(&b, &event.Summary{})
	if b.Len() != 0 {
		t.Errorf("strace prints nothing when no call was made; got %q", b.String())
	}
}

// srow is a SummaryRow of the golden tests below, times in microseconds.
func srow(name string, pers, calls, errors int, total, least, most int64) event.SummaryRow {
	us := func(n int64) time.Duration { return time.Duration(n) * time.Microsecond }
	return event.SummaryRow{Syscall: name, Personality: pers, Calls: calls, Errors: errors,
		Time: us(total), Min: us(least), Max: us(most)}
}

// TestSummaryOptionsMatchStrace: -S and -U as strace 6.1 prints them. Each
// want is a real strace 6.1 table (its command in the comment), and the
// rows are its counts: without -w strace counts the system time from
// struct rusage, in whole microseconds, so every time it printed is exact
// and the rows reproduce the table. Where a column strace did not print
// still matters (a sort key, a width), the rows hold values that agree
// with what it did print. Ties keep the syscall number order, as strace's
// (stable) qsort of the numbers does; the native ones are x86_64's.
func TestSummaryOptionsMatchStrace(t *testing.T) {
	calls := "strace -f -qq -c -e trace=wait4,waitid %s testdata/summary/calls" // x86_64
	i386 := "strace -qq -c -e trace=wait4,waitid,waitpid %s waitpid386"
	tests := []struct {
		cmd    string // strace's command: calls or i386 with its options
		opts   string
		sortBy string
		cols   []string // as the command line gives them
		rows   []event.SummaryRow
		native bool // the order of ties depends on x86_64's numbers
		want   string
	}{
		{
			cmd: calls, opts: "",
			rows: []event.SummaryRow{srow("wait4", 0, 4, 1, 53, 0, 0), srow("waitid", 0, 3, 2, 200323, 0, 0)},
			want: `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 99.97    0.200323       66774         3         2 waitid
  0.03    0.000053          13         4         1 wait4
------ ----------- ----------- --------- --------- ----------------
100.00    0.200376       28625         7         3 total
`,
		},
		{
			cmd: calls, opts: "-U min-time,max-time,avg-time,total-time,time-percent,calls,errors,name",
			cols: []string{"min-time", "max-time", "avg-time", "total-time", "time-percent", "calls", "errors", "name"},
			rows: []event.SummaryRow{srow("wait4", 0, 4, 1, 0, 0, 0), srow("waitid", 0, 3, 2, 200192, 0, 200192)},
			want: `shortest  longest  usecs/call     seconds % time     calls    errors syscall
-------- -------- ----------- ----------- ------ --------- --------- ----------------
0.000000 0.200192       66730    0.200192 100.00         3         2 waitid
0.000000 0.000000           0    0.000000   0.00         4         1 wait4
-------- -------- ----------- ----------- ------ --------- --------- ----------------
0.000000 0.200192       28598    0.200192 100.00         7         3 total
`,
		},
		{
			cmd: calls, opts: "-S min-time -U name,min-time,max-time,total-time,calls,errors", sortBy: "min-time", native: true,
			cols: []string{"name", "min-time", "max-time", "total-time", "calls", "errors"},
			rows: []event.SummaryRow{srow("waitid", 0, 3, 2, 200362, 0, 200362), srow("wait4", 0, 4, 1, 0, 0, 0)},
			want: `syscall          shortest  longest     seconds     calls    errors
---------------- -------- -------- ----------- --------- ---------
wait4            0.000000 0.000000    0.000000         4         1
waitid           0.000000 0.200362    0.200362         3         2
---------------- -------- -------- ----------- --------- ---------
total            0.000000 0.200362    0.200362         7         3
`,
		},
		{
			cmd: calls, opts: "-S max-time -U max-time,min-time,total-time,calls", sortBy: "max-time",
			cols: []string{"max-time", "min-time", "total-time", "calls", "name"},
			rows: []event.SummaryRow{srow("wait4", 0, 4, 1, 108, 0, 108), srow("waitid", 0, 3, 2, 200253, 0, 200253)},
			want: ` longest shortest     seconds     calls syscall
-------- -------- ----------- --------- ----------------
0.200253 0.000000    0.200253         3 waitid
0.000108 0.000000    0.000108         4 wait4
-------- -------- ----------- --------- ----------------
0.200253 0.000000    0.200361         7 total
`,
		},
		{
			cmd: calls, opts: "-S avg-time -U avg-time,total-time,min-time,max-time,calls,errors,name", sortBy: "avg-time",
			cols: []string{"avg-time", "total-time", "min-time", "max-time", "calls", "errors", "name"},
			rows: []event.SummaryRow{srow("wait4", 0, 4, 1, 20, 0, 10), srow("waitid", 0, 3, 2, 200232, 2, 200227)},
			want: ` usecs/call     seconds shortest  longest     calls    errors syscall
----------- ----------- -------- -------- --------- --------- ----------------
      66744    0.200232 0.000002 0.200227         3         2 waitid
          5    0.000020 0.000000 0.000010         4         1 wait4
----------- ----------- -------- -------- --------- --------- ----------------
      28607    0.200252 0.000000 0.200227         7         3 total
`,
		},
		{
			cmd: calls, opts: "-S calls -U calls,errors,name,total-time", sortBy: "calls",
			cols: []string{"calls", "errors", "name", "total-time"},
			rows: []event.SummaryRow{srow("waitid", 0, 3, 2, 200337, 0, 200337), srow("wait4", 0, 4, 1, 105, 0, 105)},
			want: `    calls    errors syscall              seconds
--------- --------- ---------------- -----------
        4         1 wait4               0.000105
        3         2 waitid              0.200337
--------- --------- ---------------- -----------
        7         3 total               0.200442
`,
		},
		{
			cmd: calls, opts: "-S errors -U errors,calls", sortBy: "errors",
			cols: []string{"errors", "calls", "name"},
			rows: []event.SummaryRow{srow("wait4", 0, 4, 1, 0, 0, 0), srow("waitid", 0, 3, 2, 200000, 0, 200000)},
			want: `   errors     calls syscall
--------- --------- ----------------
        2         3 waitid
        1         4 wait4
--------- --------- ----------------
        3         7 total
`,
		},
		{
			cmd: calls, opts: "-S name -U name", sortBy: "name",
			cols: []string{"name"},
			rows: []event.SummaryRow{srow("waitid", 0, 3, 2, 200000, 0, 200000), srow("wait4", 0, 4, 1, 0, 0, 0)},
			want: `syscall
----------------
wait4
waitid
----------------
total
`,
		},
		{
			cmd: calls, opts: "-S nothing -U time,total-time,calls,errors,name,min-time,max-time", sortBy: "nothing", native: true,
			cols: []string{"time-percent", "total-time", "calls", "errors", "name", "min-time", "max-time"},
			rows: []event.SummaryRow{srow("waitid", 0, 3, 2, 200235, 0, 200235), srow("wait4", 0, 4, 1, 0, 0, 0)},
			want: `% time     seconds     calls    errors syscall          shortest  longest
------ ----------- --------- --------- ---------------- -------- --------
  0.00    0.000000         4         1 wait4            0.000000 0.000000
100.00    0.200235         3         2 waitid           0.000000 0.200235
------ ----------- --------- --------- ---------------- -------- --------
100.00    0.200235         7         3 total            0.000000 0.200235
`,
		},
		{
			// The name column, missing from -U, comes last, as strace adds it.
			cmd: calls, opts: "-S count -U count,error,shortest,longest", sortBy: "calls",
			cols: []string{"calls", "errors", "min-time", "max-time"},
			rows: []event.SummaryRow{srow("waitid", 0, 3, 2, 200273, 0, 200273), srow("wait4", 0, 4, 1, 0, 0, 0)},
			want: `    calls    errors shortest  longest syscall
--------- --------- -------- -------- ----------------
        4         1 0.000000 0.000000 wait4
        3         2 0.000000 0.200273 waitid
--------- --------- -------- -------- ----------------
        7         3 0.000000 0.200273 total
`,
		},
		{
			// Ten seconds and more widen shortest and longest. (Wall-clock
			// time, rounded to microseconds in strace's table: these are.)
			cmd:  "strace -f -qq -c -w -e trace=wait4,waitid %s sh -c 'sleep 10.5; sleep 0.2 & wait; wait'",
			opts: "-U max-time,min-time,total-time,avg-time,time-percent,calls,errors,name",
			cols: []string{"max-time", "min-time", "total-time", "avg-time", "time-percent", "calls", "errors", "name"},
			rows: []event.SummaryRow{srow("wait4", 0, 5, 2, 10510118, 7, 10510071)},
			want: `  longest shortest     seconds  usecs/call % time     calls    errors syscall
--------- -------- ----------- ----------- ------ --------- --------- ----------------
10.510071 0.000007   10.510118     2102023 100.00         5         2 wait4
--------- -------- ----------- ----------- ------ --------- --------- ----------------
10.510071 0.000007   10.510118     2102023 100.00         5         2 total
`,
		},
		{
			cmd: i386, opts: "-U min-time,max-time,total-time,time-percent,avg-time,calls,errors,name",
			cols: []string{"min-time", "max-time", "total-time", "time-percent", "avg-time", "calls", "errors", "name"},
			rows: []event.SummaryRow{srow("waitid", 1, 3, 1, 17, 3, 7), srow("wait4", 1, 3, 0, 20, 3, 11), srow("waitpid", 1, 8, 3, 105, 3, 51)},
			want: `System call usage summary for 32 bit mode:
shortest  longest     seconds % time  usecs/call     calls    errors syscall
-------- -------- ----------- ------ ----------- --------- --------- ----------------
0.000003 0.000051    0.000105  73.94          13         8         3 waitpid
0.000003 0.000011    0.000020  14.08           6         3           wait4
0.000003 0.000007    0.000017  11.97           5         3         1 waitid
-------- -------- ----------- ------ ----------- --------- --------- ----------------
0.000003 0.000051    0.000142 100.00          10        14         4 total
`,
		},
		{
			cmd: i386, opts: "-S name -U calls,errors,name", sortBy: "name",
			cols: []string{"calls", "errors", "name"},
			rows: []event.SummaryRow{srow("waitpid", 1, 8, 3, 100, 3, 50), srow("waitid", 1, 3, 1, 17, 3, 7), srow("wait4", 1, 3, 0, 20, 3, 11)},
			want: `System call usage summary for 32 bit mode:
    calls    errors syscall
--------- --------- ----------------
        3           wait4
        3         1 waitid
        8         3 waitpid
--------- --------- ----------------
       14         4 total
`,
		},
		{
			// A tie of calls: wait4 (114) before waitid (284).
			cmd: i386, opts: "-S calls", sortBy: "calls",
			rows: []event.SummaryRow{srow("waitid", 1, 3, 1, 64, 3, 40), srow("waitpid", 1, 8, 3, 0, 0, 0), srow("wait4", 1, 3, 0, 33, 3, 20)},
			want: `System call usage summary for 32 bit mode:
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
  0.00    0.000000           0         8         3 waitpid
 34.02    0.000033          11         3           wait4
 65.98    0.000064          21         3         1 waitid
------ ----------- ----------- --------- --------- ----------------
100.00    0.000097           6        14         4 total
`,
		},
		{
			// The errors column last: a zero prints as blanks to the end of the line.
			cmd: i386, opts: "-S nothing -U name,total-time,min-time,max-time,avg-time,calls,errors", sortBy: "nothing",
			cols: []string{"name", "total-time", "min-time", "max-time", "avg-time", "calls", "errors"},
			rows: []event.SummaryRow{srow("waitid", 1, 3, 1, 15, 3, 7), srow("wait4", 1, 3, 0, 17, 3, 8), srow("waitpid", 1, 8, 3, 116, 3, 46)},
			want: "System call usage summary for 32 bit mode:\n" +
				"syscall              seconds shortest  longest  usecs/call     calls    errors\n" +
				"---------------- ----------- -------- -------- ----------- --------- ---------\n" +
				"waitpid             0.000116 0.000003 0.000046          14         8         3\n" +
				"wait4               0.000017 0.000003 0.000008           5         3          \n" +
				"waitid              0.000015 0.000003 0.000007           5         3         1\n" +
				"---------------- ----------- -------- -------- ----------- --------- ---------\n" +
				"total               0.000148 0.000003 0.000046          10        14         4\n",
		},
		{
			// A tie of shortest times: wait4 (114) before waitid (284).
			cmd: i386, opts: "-S min-time -U min-time,max-time,total-time,calls,errors,name", sortBy: "min-time",
			cols: []string{"min-time", "max-time", "total-time", "calls", "errors", "name"},
			rows: []event.SummaryRow{srow("waitpid", 1, 8, 3, 112, 2, 44), srow("waitid", 1, 3, 1, 14, 3, 7), srow("wait4", 1, 3, 0, 62, 3, 32)},
			want: `System call usage summary for 32 bit mode:
shortest  longest     seconds     calls    errors syscall
-------- -------- ----------- --------- --------- ----------------
0.000003 0.000032    0.000062         3           wait4
0.000003 0.000007    0.000014         3         1 waitid
0.000002 0.000044    0.000112         8         3 waitpid
-------- -------- ----------- --------- --------- ----------------
0.000002 0.000044    0.000188        14         4 total
`,
		},
		{
			// strace printed only the percentages: these times give them.
			cmd: i386, opts: "-S errors -U errors,calls,name,time-percent", sortBy: "errors",
			cols: []string{"errors", "calls", "name", "time-percent"},
			rows: []event.SummaryRow{srow("wait4", 1, 3, 0, 36, 3, 20), srow("waitid", 1, 3, 1, 13, 3, 7), srow("waitpid", 1, 8, 3, 124, 3, 50)},
			want: `System call usage summary for 32 bit mode:
   errors     calls syscall          % time
--------- --------- ---------------- ------
        3         8 waitpid           71.68
        1         3 waitid             7.51
                  3 wait4             20.81
--------- --------- ---------------- ------
        4        14 total            100.00
`,
		},
	}
	for _, tc := range tests {
		name := strings.TrimSpace(strings.Replace(tc.cmd, "%s", tc.opts, 1))
		t.Run(name, func(t *testing.T) {
			if tc.native && runtime.GOARCH != "amd64" {
				t.Skip("ties keep x86_64's syscall number order")
			}
			var b strings.Builder
			s := &event.Summary{Rows: tc.rows, SortBy: tc.sortBy, Columns: tc.cols}
			if err := WriteSummary(&b, s); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestSummaryAverageRounds: usecs/call is strace's ts_div, which rounds
// the time per call to the nearest nanosecond before the microseconds are
// truncated: 2,999,999 ns over 2 calls is 1,500,000 ns, 1500 us (not 1499).
func TestSummaryAverageRounds(t *testing.T) {
	var b strings.Builder
	s := &event.Summary{Rows: []event.SummaryRow{{Syscall: "wait4", Calls: 2, Time: 2999999, Min: 999999, Max: 2000000}},
		Columns: []string{"avg-time", "calls", "name"}}
	if err := WriteSummary(&b, s); err != nil {
		t.Fatal(err)
	}
	if want := "       1500         2 wait4\n"; !strings.Contains(b.String(), want) {
		t.Errorf("got:\n%s\nwant the line %q", b.String(), want)
	}
}

// TestSummaryJSONAndTable: the JSON and table forms of the summary carry
// each call's shortest and longest time and the clock that was read, and
// JSON the options the table was printed with.
func TestSummaryJSONAndTable(t *testing.T) {
	s := &event.Summary{Clock: event.ClockWall, Overhead: 5 * time.Microsecond, SortBy: "calls",
		Columns: []string{"calls", "name"}, Rows: []event.SummaryRow{srow("wait4", 0, 3, 1, 60, 3, 51)}}
	ev := &event.Event{Kind: event.SummaryReady, Time: time.Unix(1, 0), Proc: event.Process{Uid: -1}, Summary: s}

	var b bytes.Buffer
	j := NewJSON(&b, 0)
	j.Record(ev)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	var r struct {
		EventName string
		Summary   map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &r); err != nil {
		t.Fatalf("%s: %v", b.String(), err)
	}
	row := r.Summary["calls"].([]any)[0].(map[string]any)
	if r.EventName != "summary" || r.Summary["clock"] != "wall" || r.Summary["overhead_ns"] != 5000.0 ||
		r.Summary["sort_by"] != "calls" || row["min_ns"] != 3000.0 || row["max_ns"] != 51000.0 || row["time_ns"] != 60000.0 {
		t.Errorf("JSON summary: %s", b.String())
	}

	b.Reset()
	tab := NewTable(&b, 0)
	tab.Record(ev)
	_ = tab.Close()
	if want := "wait4 calls=3 errors=1 seconds=0.000060 min=0.000003 max=0.000051 clock=wall child=0"; !strings.Contains(b.String(), want) {
		t.Errorf("table:\n%s\nwant a row with %q", b.String(), want)
	}
}
