//go:build linux

package e2e

// --alert=stolen on the fixtures of testdata/stolen/, under -f: the alert
// must name both sides, the call that reaped the child and the one that
// wanted it, with where each was made when stacks are unwound (-k,
// --reaps=stacks), and the reaps report where the reaping call was made.

import (
	"encoding/json"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func stolenFixture(t *testing.T, name string) string {
	t.Helper()
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no fixtures for %s", runtime.GOARCH)
	}
	return buildC(t, "stolen-"+name, "stolen/"+name+".c", "-O0", "-g", "-pthread")
}

// stolenAlert returns the stolen alert's line and the lines after it up to
// the next trace line.
func stolenAlert(t *testing.T, trace string) (string, []string) {
	t.Helper()
	lines := strings.Split(trace, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "!!! ALERT stolen: ") {
			var detail []string
			for _, d := range lines[i+1:] {
				if !strings.HasPrefix(d, " ") {
					break
				}
				detail = append(detail, d)
			}
			return l, detail
		}
	}
	t.Fatalf("no stolen alert in:\n%s", trace)
	return "", nil
}

func TestStolen(t *testing.T) {
	wt := tracer{name: "waittrace"}.use(t)
	cases := []struct {
		fixture, mode string
		// reaper and wanter: the calls the alert names, with the
		// fixture's pids put in for {child} and {group}; where: the functions
		// that made them, with -k.
		reaper, wanter         string
		reaperWhere, wantWhere string
		tail                   string
		sameThread             bool
	}{
		{fixture: "handler", reaper: "wait4(-1)", wanter: "wait4({child})", reaperWhere: "on_sigchld", wantWhere: "wait_for",
			tail: "wanted it: ECHILD", sameThread: true},
		{fixture: "thread", reaper: "wait4(-1)", wanter: "wait4({child})", reaperWhere: "reaper", wantWhere: "wait_for",
			tail: "wanted it: ECHILD"},
		{fixture: "pidfd", reaper: "wait4(-1)", wanter: "waitid(P_PIDFD, 3)", reaperWhere: "reap_any", wantWhere: "wait_pidfd",
			tail: "wanted it: ECHILD", sameThread: true},
		{fixture: "group", mode: "signal", reaper: "wait4(-1)", wanter: "wait4(-{group})", reaperWhere: "reap_any", wantWhere: "wait_group",
			tail: "was interrupted by a signal (it restarts after the handler) waiting for its process group {group}", sameThread: true},
		{fixture: "group", mode: "after", reaper: "wait4(-1)", wanter: "wait4(-{group})", reaperWhere: "reap_any", wantWhere: "wait_group",
			tail: "wanted it: it waits for the rest of process group {group}", sameThread: true},
	}
	for _, tc := range cases {
		for _, k := range []bool{false, true} {
			name := tc.fixture + tc.mode
			if k {
				name += "-k"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				bin := stolenFixture(t, tc.fixture)
				flags := []string{"-f", "-qq", "--alert=stolen", "--reaps"}
				if k {
					flags = append(flags, "-k")
				}
				argv := []string{bin}
				if tc.mode != "" {
					argv = append(argv, tc.mode)
				}
				r := runReaps(t, wt, flags, argv...)
				if r.exit != 0 {
					t.Fatalf("exit %d\n%s\n%s", r.exit, r.trace, r.stderr)
				}
				if strings.HasPrefix(r.stdout, "skip:") {
					t.Skipf("fixture: %s", r.stdout)
				}
				v := ints(t, r.stdout)
				child, parent := v["child"], v["parent"]
				if tc.fixture == "group" {
					child = v["stolen"]
				}
				repl := strings.NewReplacer("{child}", strconv.Itoa(child), "{group}", strconv.Itoa(child))
				alert, detail := stolenAlert(t, r.trace)
				t.Logf("%s\n%s", alert, strings.Join(detail, "\n"))
				mustContain(t, "the alert", alert,
					"!!! ALERT stolen: "+strconv.Itoa(child)+" (",
					"was reaped by "+tc.reaper+" in "+strconv.Itoa(parent)+" (",
					" "+repl.Replace(tc.wanter)+" in tid ", repl.Replace(tc.tail))
				// Both tids: the thread fixture's reaper is another one.
				tids := regexp.MustCompile(`tid (\d+)`).FindAllStringSubmatch(alert, -1)
				if len(tids) != 2 {
					t.Fatalf("not two tids in %q", alert)
				}
				if same := tids[0][1] == tids[1][1]; same != tc.sameThread {
					t.Errorf("reaper tid %s, wanter tid %s: want the same thread %v", tids[0][1], tids[1][1], tc.sameThread)
				}
				if tids[1][1] != strconv.Itoa(parent) {
					t.Errorf("the wanter is tid %s, not the main thread %d", tids[1][1], parent)
				}
				line := reportLine(t, r.trace, child)
				mustContain(t, "the report", line, "reaped by "+strconv.Itoa(parent))
				if !k {
					if len(detail) > 0 || strings.Contains(alert, " at ") || strings.Contains(line, " in ") {
						t.Errorf("where calls were made, without -k:\n%s\n%s\n%s", alert, strings.Join(detail, "\n"), line)
					}
					return
				}
				// Built with -g: the functions and their lines.
				mustContain(t, "the alert", alert, "at "+tc.reaperWhere+" ("+tc.fixture+".c:", "at "+tc.wantWhere+" ("+tc.fixture+".c:")
				mustContain(t, "the report", line, "in "+tc.reaperWhere+" ("+tc.fixture+".c:")
				joined := strings.Join(detail, "\n")
				mustContain(t, "the stacks", joined, " reaped by "+tc.reaper, " wanted by ", "("+tc.reaperWhere+"+0x", "("+tc.wantWhere+"+0x", "(main+0x")
			})
		}
	}
}

// TestStolenJSON: the JSON alert holds both sides with their stacks, and
// the report the reaping call's top frames; --reaps=stacks unwinds
// without -k, and without printing stacks in the trace.
func TestStolenJSON(t *testing.T) {
	wt := tracer{name: "waittrace"}.use(t)
	bin := stolenFixture(t, "handler")
	r := runReaps(t, wt, []string{"-f", "--alert=stolen", "--reaps=stacks", "--json"}, bin)
	v := ints(t, r.stdout)
	var alert, report struct {
		Alert *struct {
			Kind   string `json:"kind"`
			Pid    int    `json:"pid"`
			Stolen *struct {
				Child    int `json:"child"`
				ReapedBy struct {
					Tid   int              `json:"tid"`
					Call  string           `json:"call"`
					Where string           `json:"where"`
					Stack []map[string]any `json:"stack"`
				} `json:"reaped_by"`
				WantedBy struct {
					Call  string           `json:"call"`
					Text  string           `json:"text"`
					Stack []map[string]any `json:"stack"`
				} `json:"wanted_by"`
			} `json:"stolen"`
		} `json:"alert"`
		Report *struct {
			Processes []struct {
				Children []struct {
					Pid       int              `json:"pid"`
					ReapedAt  string           `json:"reaped_at"`
					ReapStack []map[string]any `json:"reap_stack"`
				} `json:"children"`
			} `json:"processes"`
		} `json:"report"`
	}
	for _, line := range strings.Split(r.trace, "\n") {
		if strings.Contains(line, `"stack":`) && !strings.Contains(line, `"eventName":"alert"`) && !strings.Contains(line, `"reaps_report"`) {
			t.Errorf("a stack in the trace without -k: %s", line)
		}
		switch {
		case strings.Contains(line, `"eventName":"alert"`):
			if err := json.Unmarshal([]byte(line), &alert); err != nil {
				t.Fatal(err)
			}
		case strings.Contains(line, `"eventName":"reaps_report"`):
			if err := json.Unmarshal([]byte(line), &report); err != nil {
				t.Fatal(err)
			}
		}
	}
	if alert.Alert == nil || alert.Alert.Stolen == nil || report.Report == nil {
		t.Fatalf("no stolen alert or no report in:\n%s", r.trace)
	}
	th := alert.Alert.Stolen
	if th.Child != v["child"] || th.ReapedBy.Call != "wait4(-1)" || th.WantedBy.Call != "wait4("+strconv.Itoa(v["child"])+")" ||
		!strings.HasPrefix(th.ReapedBy.Where, "on_sigchld (handler.c:") || len(th.ReapedBy.Stack) < 3 || len(th.WantedBy.Stack) < 3 ||
		!strings.Contains(th.WantedBy.Text, "= -1 ECHILD") {
		t.Errorf("stolen: %+v", th)
	}
	if f := th.ReapedBy.Stack[1]; f["symbol"] != "on_sigchld" || f["object"] != bin {
		t.Errorf("reaper's frame 1: %v", f)
	}
	if len(report.Report.Processes) != 1 || len(report.Report.Processes[0].Children) != 1 {
		t.Fatalf("report: %+v", report.Report)
	}
	c := report.Report.Processes[0].Children[0]
	if c.Pid != v["child"] || !strings.HasPrefix(c.ReapedAt, "on_sigchld (handler.c:") || len(c.ReapStack) == 0 || len(c.ReapStack) > 8 {
		t.Errorf("report child: %+v", c)
	}
}

// TestStolenNeedsFollow: without -f the collected children are not traced,
// and the alert cannot fire: waittrace says so rather than stay silent.
func TestStolenNeedsFollow(t *testing.T) {
	wt := tracer{name: "waittrace"}.use(t)
	bin := stolenFixture(t, "handler")
	r := runReaps(t, wt, []string{"--alert=stolen"}, bin)
	const hint = "waittrace: the stolen alert needs -f"
	if !strings.Contains(r.stderr, hint) {
		t.Errorf("without -f: no %q in stderr:\n%s", hint, r.stderr)
	}
	r = runReaps(t, wt, []string{"-f", "--alert=stolen"}, bin)
	if strings.Contains(r.stderr, hint) {
		t.Errorf("with -f: %q in stderr:\n%s", hint, r.stderr)
	}
	stolenAlert(t, r.trace)
}
