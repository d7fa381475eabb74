//go:build linux

package e2e

// Integration tests of the output flags: -ff file sets and -z/-Z/-e
// signal=none against strace, time prefixes parsed back, --json decoded,
// and -u.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/output"
)

func runTracer(t *testing.T, dir string, argv ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, asSelf.prepare(t), dir, nil, argv...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	_ = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v timed out\n%s", argv, e.Bytes())
	}
	return o.String(), e.String()
}

var numbers = regexp.MustCompile(`\b\d+\b|0x[0-9a-f]+`)

// normalizedLines reads every FILE.* of an -ff run: lines with numbers
// masked, sorted, and the number of files.
func normalizedLines(t *testing.T, prefix string) ([]string, int) {
	t.Helper()
	files, _ := filepath.Glob(prefix + ".*")
	var lines []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if strings.HasPrefix(l, "[pid") {
				t.Errorf("%s: -ff line with a pid prefix: %q", f, l)
			}
			lines = append(lines, masked(t, l, numbers, "N"))
		}
	}
	sort.Strings(lines)
	return lines, len(files)
}

func TestOutputIntegration(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("fixtures need linux/amd64")
	}
	follow := fixture(t, "follow")
	wait4 := fixture(t, "wait4")
	wt := tracers[1].use(t)

	t.Run("ff-vs-strace", func(t *testing.T) {
		t.Parallel()
		st := tracers[0].use(t)
		dir := workDir(t)
		var got [2][]string
		var n [2]int
		for i, bin := range []string{st, wt} {
			prefix := filepath.Join(dir, filepath.Base(bin))
			runTracer(t, dir, bin, "-ff", "-o", prefix, "-e", traceFilter, follow)
			got[i], n[i] = normalizedLines(t, prefix)
		}
		if n[0] != n[1] || strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
			t.Errorf("-ff: strace wrote %d files, waittrace %d:\n%s", n[0], n[1],
				lineDiff(strings.Join(got[0], "\n")+"\n", strings.Join(got[1], "\n")+"\n"))
		}
	})

	// Filters whose output does not depend on timing, on a one-process
	// fixture: byte for byte as strace.
	for _, flags := range [][]string{{"-z"}, {"-Z"}, {"-e", "signal=none"}, {"-e", "status=failed,unfinished"}, {"-e", "signal=!SIGCHLD"}} {
		t.Run("vs-strace"+strings.Join(flags, ""), func(t *testing.T) {
			t.Parallel()
			st := tracers[0].use(t)
			dir := workDir(t)
			var out [2]string
			for i, bin := range []string{st, wt} {
				f := filepath.Join(dir, filepath.Base(bin))
				argv := append([]string{bin, "-o", f, "-e", traceFilter}, flags...)
				runTracer(t, dir, append(argv, wait4)...)
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				out[i] = masked(t, string(b), numbers, "N")
			}
			if out[0] != out[1] {
				t.Errorf("%v differs from strace:\n%s", flags, lineDiff(out[0], out[1]))
			}
		})
	}

	t.Run("time-window", func(t *testing.T) {
		t.Parallel()
		dir := workDir(t)
		f := filepath.Join(dir, "trace")
		before := time.Now()
		runTracer(t, dir, wt, "-ttt", "-T", "-o", f, wait4)
		after := time.Now()
		b, _ := os.ReadFile(f)
		re := regexp.MustCompile(`^(\d+)\.(\d{6}) (.*?)( <(\d+)\.(\d{6})>)?$`)
		calls := 0
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			m := re.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("line not in -ttt -T form: %q", l)
			}
			var sec, us int64
			if _, err := fmtSscanf(m[1]+"."+m[2], &sec, &us); err != nil {
				t.Fatal(err)
			}
			tm := time.Unix(sec, us*1000)
			if tm.Before(before.Truncate(time.Microsecond)) || tm.After(after) {
				t.Errorf("%q: time %v outside the run [%v, %v]", l, tm, before, after)
			}
			if m[4] != "" {
				calls++
			}
		}
		if calls == 0 {
			t.Errorf("no call carries a -T duration:\n%s", b)
		}
	})

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		dir := workDir(t)
		f := filepath.Join(dir, "trace.json")
		runTracer(t, dir, wt, "-f", "--json", "-o", f, follow)
		b, _ := os.ReadFile(f)
		kinds := map[string]int{}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var r output.JSONRecord
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			if r.ThreadID == 0 || r.Timestamp == 0 || r.ProcessName == "" || r.UserID != os.Geteuid() {
				t.Errorf("incomplete record: %s", l)
			}
			kinds[r.EventName]++
		}
		for _, k := range []string{"launch", "exec", "fork", "exit", "wait4"} {
			if kinds[k] == 0 {
				t.Errorf("no %q event in:\n%s", k, b)
			}
		}
	})

	t.Run("u-nobody", func(t *testing.T) {
		t.Parallel()
		if os.Geteuid() != 0 {
			t.Skip(nobodySkip)
		}
		dir := workDir(t)
		out, errs := runTracer(t, dir, wt, "-u", "nobody", "/bin/sh", "-c", "id -u; id -g")
		if out != "65534\n65534\n" {
			t.Errorf("-u nobody ran as %q (stderr %q)", out, errs)
		}
		_, errs = runTracer(t, dir, wt, "-u", "no-such-user-xyz", "true")
		if !strings.Contains(errs, `cannot find user "no-such-user-xyz"`) {
			t.Errorf("unknown user: %q", errs)
		}
	})
}

func fmtSscanf(s string, sec, us *int64) (int, error) {
	parts := strings.SplitN(s, ".", 2)
	var err error
	*sec, err = strconvParse(parts[0])
	if err != nil {
		return 0, err
	}
	*us, err = strconvParse(parts[1])
	return 2, err
}

func strconvParse(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// TestDecodeNames: -Y and -y annotate exactly the pids and pidfds strace
// 6.1 annotates, with hostile names escaped as strace escapes them.
// Pids and addresses differ between the two runs and are masked.
func TestDecodeNames(t *testing.T) {
	fix := fixture(t, "names")
	mask := regexp.MustCompile(`0x[0-9a-f]+|[0-9]+`)
	traces := map[string]string{}
	for _, tr := range []tracer{{"strace", stracePath, nil}, {"waittrace", "", nil}} {
		bin := tr.use(t)
		dir := workDir(t)
		out := filepath.Join(dir, "trace.out")
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		cmd := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-Y", "-y", "-o", out, "-e", traceFilter, fix)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tr.name, err, stderr.Bytes())
		}
		b, _ := os.ReadFile(out)
		traces[tr.name] = masked(t, string(b), mask, "N")
	}
	want, got := traces["strace"], traces["waittrace"]
	if !strings.Contains(want, `<a\N[Nm\"b>`) {
		t.Errorf("strace's trace lacks the escaped name; the fixture is off:\n%s", want)
	}
	if got != want {
		t.Errorf("-Y -y differ from strace's (-strace +waittrace):\n%s", lineDiff(want, got))
	}
}
