//go:build linux

package e2e

// -c with strace's -S, -U, -O and -w: waittrace and strace trace the same
// deterministic fixture (testdata/summary/calls.c: wait4 4 calls, 1 error;
// waitid 3 calls, 2 errors) and must print the same headers, dividers,
// names, calls and errors, in the same order. The fixture's times differ
// by far with the clock: its waitid spends 200 ms of system time and next
// to no wall-clock time, one of its wait4 the reverse (300 ms), so the
// order by time is known too, and which clock was read.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	summaryOnce     sync.Once
	summaryBuildErr error
)

// summaryFixture builds testdata/summary/calls.c once.
func summaryFixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip(gccSkipMsg)
	}
	bin := filepath.Join(buildDir, "summary-calls")
	summaryOnce.Do(func() {
		out, err := exec.Command("gcc", "-O0", "-Wall", "-o", bin, filepath.Join("..", "testdata", "summary", "calls.c")).CombinedOutput()
		if err != nil {
			summaryBuildErr = fmt.Errorf("gcc calls.c: %v\n%s", err, out)
		}
	})
	if summaryBuildErr != nil {
		t.Fatal(summaryBuildErr)
	}
	return bin
}

// summaryTable is strace's -c table: its header and divider lines, and its
// rows (the total last), cut into columns by the divider's dashes.
type summaryTable struct {
	header, divider string
	heads           []string
	rows            [][]string
}

// parseSummaryTable reads the first table of out (the native one; waittrace's
// table of outcomes follows a blank line).
func parseSummaryTable(t *testing.T, who, out string) summaryTable {
	t.Helper()
	lines := strings.Split(out, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasSuffix(l, "syscall") || strings.Contains(l, "syscall ") })
	if start < 0 || start+1 >= len(lines) {
		t.Fatalf("%s: no summary table:\n%s", who, out)
	}
	tab := summaryTable{header: lines[start], divider: lines[start+1]}
	// Column extents, from the runs of dashes; the last one runs on.
	var spans [][2]int
	for i := 0; i < len(tab.divider); {
		j := i
		for j < len(tab.divider) && tab.divider[j] == '-' {
			j++
		}
		spans = append(spans, [2]int{i, j})
		i = j + 1
	}
	cut := func(l string) []string {
		var f []string
		for k, s := range spans {
			end := min(s[1], len(l))
			if k == len(spans)-1 {
				end = len(l)
			}
			f = append(f, strings.TrimSpace(l[min(s[0], len(l)):end]))
		}
		return f
	}
	tab.heads = cut(tab.header)
	dividers := 0
	for _, l := range lines[start+1:] {
		if l == tab.divider {
			dividers++
			continue
		}
		if dividers == 0 || l == "" {
			break
		}
		tab.rows = append(tab.rows, cut(l))
	}
	if dividers != 2 || len(tab.rows) < 2 {
		t.Fatalf("%s: malformed summary table:\n%s", who, out)
	}
	return tab
}

// column returns the values of the column headed head, total last.
func (tab summaryTable) column(head string) []string {
	i := slices.Index(tab.heads, head)
	if i < 0 {
		return nil
	}
	var v []string
	for _, r := range tab.rows {
		v = append(v, r[i])
	}
	return v
}

// seconds returns the seconds column of the row of call name (-1 if none).
func (tab summaryTable) seconds(t *testing.T, head, name string) float64 {
	t.Helper()
	names, vals := tab.column("syscall"), tab.column(head)
	if i := slices.Index(names, name); i >= 0 && vals != nil {
		f, err := strconv.ParseFloat(vals[i], 64)
		if err != nil {
			t.Fatalf("%s of %s: %q", head, name, vals[i])
		}
		return f
	}
	return -1
}

func TestSummaryOptionsLikeStrace(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no fixture for %s", runtime.GOARCH)
	}
	bin := summaryFixture(t)
	tests := []struct {
		flags []string
		// order: the rows' order does not depend on timing (or, for the
		// time sorts, on more than the fixture's 200 ms margins).
		order bool
		// slow and quick: in this column, the call that takes 150 ms or
		// more, and one that takes less than 50 ms.
		column, slow, quick string
	}{
		{[]string{"-c"}, true, "seconds", "waitid", "wait4"},
		{[]string{"-c", "-w"}, true, "seconds", "wait4", "waitid"},
		{[]string{"-c", "-S", "calls", "-U", "name,calls,errors"}, true, "", "", ""},
		{[]string{"-c", "-S", "name", "-U", "calls,errors,name"}, true, "", "", ""},
		{[]string{"-c", "-S", "errors", "-U", "errors,calls"}, true, "", "", ""},
		{[]string{"-c", "-S", "nothing", "-U", "name,calls,errors,total-time"}, true, "seconds", "waitid", "wait4"},
		{[]string{"-c", "-S", "max-time", "-U", "max-time,min-time,calls,name"}, true, "longest", "waitid", "wait4"},
		{[]string{"-c", "-w", "-S", "max-time", "-U", "max-time,min-time,calls,name"}, true, "longest", "wait4", "waitid"},
		{[]string{"-c", "-S", "avg-time", "-U", "avg-time,calls,errors,name"}, true, "", "", ""},
		{[]string{"-c", "-w", "-S", "min-time", "-U", "min-time,name,calls,errors"}, false, "", "", ""},
		// 100 ms off each call: waitid keeps about 100 ms, wait4 none.
		{[]string{"-c", "-O", "100ms", "-U", "total-time,max-time,calls,name"}, true, "longest", "", "wait4"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
			t.Parallel()
			var ref summaryTable
			haveRef := false
			for _, tr := range tracers {
				flags := append(append([]string{"-f", "-e", "trace=wait4,waitid"}, tr.flags...), tc.flags...)
				path := tr.path
				if path == "" {
					path = tr.use(t)
				} else if _, err := os.Stat(path); err != nil {
					continue // no strace: waittrace alone, on the fixture's facts
				}
				r := runReaps(t, path, flags, bin)
				who := tr.name + " " + strings.Join(flags, " ")
				if r.exit != 0 || r.stdout != "ok\n" {
					t.Fatalf("%s: exit %d, stdout %q, stderr:\n%s", who, r.exit, r.stdout, r.stderr)
				}
				tab := parseSummaryTable(t, who, r.trace)
				names, calls, errs := tab.column("syscall"), tab.column("calls"), tab.column("errors")
				// The fixture's counts, in whatever order.
				want := map[string][2]string{"wait4": {"4", "1"}, "waitid": {"3", "2"}, "total": {"7", "3"}}
				for i, n := range names {
					w, ok := want[n]
					if !ok || (calls != nil && calls[i] != w[0]) || (errs != nil && errs[i] != w[1]) {
						t.Errorf("%s: row %q: calls %q errors %q; want %q\n%s", who, n, calls, errs, w, r.trace)
					}
				}
				if len(names) != 3 || names[2] != "total" {
					t.Errorf("%s: rows %q, want wait4 and waitid, then total\n%s", who, names, r.trace)
				}
				if tc.slow != "" && tab.seconds(t, tc.column, tc.slow) < 0.150 {
					t.Errorf("%s: %s of %s below 150 ms:\n%s", who, tc.column, tc.slow, r.trace)
				}
				if tc.quick != "" && tab.seconds(t, tc.column, tc.quick) >= 0.050 {
					t.Errorf("%s: %s of %s 50 ms or more:\n%s", who, tc.column, tc.quick, r.trace)
				}
				if tc.flags[len(tc.flags)-1] == "total-time,max-time,calls,name" {
					if s := tab.seconds(t, "longest", "waitid"); s < 0.050 || s > 0.150 {
						t.Errorf("%s: longest waitid %.6f, want its 200 ms less 100 ms:\n%s", who, s, r.trace)
					}
				}
				if !haveRef {
					ref, haveRef = tab, true
					continue
				}
				// As strace printed it.
				if tab.header != ref.header || tab.divider != ref.divider {
					t.Errorf("%s: header\n%s\n%s\nwant strace's\n%s\n%s", who, tab.header, tab.divider, ref.header, ref.divider)
				}
				if tc.order && !slices.Equal(names, ref.column("syscall")) {
					t.Errorf("%s: rows %q, strace's %q", who, names, ref.column("syscall"))
				}
			}
		})
	}
}
