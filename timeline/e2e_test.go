//go:build linux

package timeline_test

// The end-to-end test: trace testdata/timeline/fixture.c for real through
// package session, with the timeline and the reaps tracker (for alerts) as
// sinks, then load the file with the trace model of Chrome DevTools
// (@paulirish/trace_engine, through testdata/timeline/check.mjs) and
// compare the processes, threads, slices, instants and flows it reports
// with what the fixture says it did.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/waittrace/waittrace/reaps"
	"github.com/waittrace/waittrace/session"
	"github.com/waittrace/waittrace/syscalls"
	"github.com/waittrace/waittrace/timeline"
)

// checkDir holds check.mjs, its package.json and package-lock.json, and
// the node_modules that npm ci installs there (not in git).
var checkDir = filepath.Join("..", "testdata", "timeline")

// model is what check.mjs prints.
type model struct {
	Generic   bool `json:"generic"`
	Processes []struct {
		Pid  int    `json:"pid"`
		Name string `json:"name"`
	} `json:"processes"`
	Threads []struct {
		Pid  int    `json:"pid"`
		Tid  int    `json:"tid"`
		Name string `json:"name"`
	} `json:"threads"`
	Slices   []modelEvent   `json:"slices"`
	Instants []modelEvent   `json:"instants"`
	Flows    [][]modelEvent `json:"flows"`
}

type modelEvent struct {
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	Name string         `json:"name"`
	Ts   float64        `json:"ts"`
	Dur  float64        `json:"dur"`
	Args map[string]any `json:"args"`
}

// traceEngine makes sure check.mjs can run: node, and the npm package
// installed from the committed lock file. It skips the test, saying why,
// only when node or npm is missing or npm cannot install the package.
func traceEngine(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: cannot load the timeline with Chrome DevTools' trace model (install nodejs and npm)")
	}
	if _, err := os.Stat(filepath.Join(checkDir, "node_modules", "@paulirish", "trace_engine", "package.json")); err == nil {
		return node
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed: cannot install @paulirish/trace_engine (install npm, or run npm ci in testdata/timeline)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = checkDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("npm ci in testdata/timeline could not install @paulirish/trace_engine: %v\n%s", err, out)
	}
	return node
}

// loadWithTraceEngine runs check.mjs on files (one node process for all).
func loadWithTraceEngine(t *testing.T, node string, repair bool, files ...string) ([]model, error) {
	t.Helper()
	args := []string{"check.mjs"}
	if repair {
		args = append(args, "--repair")
	}
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		args = append(args, abs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = checkDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("node check.mjs: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("check.mjs stderr: %s", stderr.String())
	}
	var models []model
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var m model
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		models = append(models, m)
	}
	if len(models) != len(files) {
		return nil, fmt.Errorf("check.mjs reported on %d files of %d", len(models), len(files))
	}
	return models, nil
}

// loadOne runs check.mjs on one file.
func loadOne(t *testing.T, node, file string, repair bool) (model, error) {
	t.Helper()
	ms, err := loadWithTraceEngine(t, node, repair, file)
	if err != nil {
		return model{}, err
	}
	return ms[0], nil
}

// buildFixture compiles testdata/timeline/fixture.c.
func buildFixture(t *testing.T) string {
	t.Helper()
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("the engine does not run on %s", runtime.GOARCH)
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc is not installed: cannot build testdata/timeline/fixture.c")
	}
	bin := filepath.Join(t.TempDir(), "fixture")
	if out, err := exec.Command(gcc, "-O0", "-Wall", "-pthread", "-o", bin, filepath.Join(checkDir, "fixture.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc fixture.c: %v\n%s", err, out)
	}
	return bin
}

// traceFixture runs the fixture under a session with the timeline and
// returns the timeline file and the fixture's account.
func traceFixture(t *testing.T, bin string) (string, map[string][]int) {
	t.Helper()
	dir := t.TempDir()
	acct := filepath.Join(dir, "account")
	file := filepath.Join(dir, "timeline.json")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs bytes.Buffer
	tl := timeline.New(f)
	s := session.New(session.Options{
		Command:     &session.Command{Path: bin, Argv: []string{bin, acct}},
		Follow:      true,
		Calls:       syscalls.Calls(),
		Seccomp:     true,
		ProcessInfo: true, // the records carry argv, parents and names
		Messages:    &msgs,
	})
	s.Add(tl)
	alerts := map[string]bool{}
	for _, k := range reaps.AlertKinds {
		alerts[k] = true
	}
	s.Add(reaps.New(reaps.Options{Alerts: alerts, Emit: s.Emit, Follow: true}))
	res, err := s.Run()
	if err != nil {
		t.Fatalf("session: %v\n%s", err, msgs.String())
	}
	if code, die := res.CommandExit(); code != 0 || die != 0 {
		t.Fatalf("fixture ended with %d, signal %v\n%s", code, die, msgs.String())
	}
	if err := tl.Err(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(acct)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string][]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for _, v := range f[1:] {
			var n int
			fmt.Sscan(v, &n)
			made[f[0]] = append(made[f[0]], n)
		}
	}
	for _, k := range []string{"exit3", "term", "stop", "worker", "parent"} {
		if len(made[k]) == 0 {
			t.Fatalf("the fixture's account lacks %q:\n%s", k, b)
		}
	}
	return file, made
}

func TestTraceEngineLoadsFixture(t *testing.T) {
	bin := buildFixture(t)
	node := traceEngine(t)
	file, made := traceFixture(t, bin)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(raw) {
		t.Fatalf("the timeline is not valid JSON:\n%s", raw)
	}
	m, err := loadOne(t, node, file, false)
	if err != nil {
		t.Fatalf("%v\ntimeline:\n%s", err, raw)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("timeline:\n%s", raw)
		}
	})
	if testing.Verbose() {
		t.Logf("the trace model reports: processes %v", m.Processes)
		t.Logf("threads %v", m.Threads)
		for _, s := range m.Slices {
			t.Logf("slice %d/%d %q ts=%.3f dur=%.3f", s.Pid, s.Tid, s.Name, s.Ts, s.Dur)
		}
		for _, i := range m.Instants {
			t.Logf("instant %d/%d %q ts=%.3f", i.Pid, i.Tid, i.Name, i.Ts)
		}
		for _, f := range m.Flows {
			t.Logf("flow %+v", f)
		}
	}

	parent, exit3, term, stop := made["parent"][0], made["exit3"][0], made["term"][0], made["stop"][0]
	workerTid, trueChild := made["worker"][0], made["worker"][1]
	if !m.Generic {
		t.Error("the trace model took the timeline for a browser trace")
	}

	// Processes, named by their command lines.
	cmdline := bin + " " + filepath.Join(filepath.Dir(file), "account")
	wantNames := map[int]string{
		parent: cmdline, exit3: "sh -c exit 3", term: cmdline, stop: cmdline,
		trueChild: "true caf\uFFFD",
	}
	gotNames := map[int]string{}
	for _, p := range m.Processes {
		gotNames[p.Pid] = p.Name
	}
	for pid, want := range wantNames {
		if gotNames[pid] != want {
			t.Errorf("process %d is named %q, want %q", pid, gotNames[pid], want)
		}
	}
	if len(gotNames) != len(wantNames) {
		t.Errorf("processes %v, want those of %v", gotNames, wantNames)
	}

	// Threads: the worker is a track of its own inside the parent.
	threads := map[[2]int]bool{}
	for _, th := range m.Threads {
		threads[[2]int{th.Pid, th.Tid}] = true
	}
	for _, want := range [][2]int{{parent, parent}, {parent, workerTid}, {exit3, exit3}, {term, term}, {stop, stop}, {trueChild, trueChild}} {
		if !threads[want] {
			t.Errorf("no thread %d in process %d; threads: %v", want[1], want[0], m.Threads)
		}
	}

	slices := func(pid, tid int, name string) []modelEvent {
		var out []modelEvent
		for _, s := range m.Slices {
			if s.Pid == pid && s.Tid == tid && (name == "" || s.Name == name) {
				out = append(out, s)
			}
		}
		return out
	}
	one := func(pid, tid int, name string) modelEvent {
		t.Helper()
		s := slices(pid, tid, name)
		if len(s) != 1 {
			t.Fatalf("%d slices %q on %d/%d, want 1; there: %+v", len(s), name, pid, tid, slices(pid, tid, ""))
		}
		return s[0]
	}

	// Process lives, fork to exit, and how each ended.
	lives := map[int]modelEvent{}
	for pid, end := range map[int]string{
		parent: "exited with 0", exit3: "exited with 3", term: "killed by SIGTERM",
		stop: "exited with 0", trueChild: "exited with 0",
	} {
		l := one(pid, pid, wantNames[pid])
		if l.Args["end"] != end {
			t.Errorf("life of %d ended %q, want %q", pid, l.Args["end"], end)
		}
		lives[pid] = l
	}
	if argv, _ := lives[trueChild].Args["argvBytes"].([]any); len(argv) != 2 || argv[1] != "Y2Fm6Q==" {
		t.Errorf("the exact bytes of the non-UTF-8 argv are missing: %v", lives[trueChild].Args)
	}
	if w := one(parent, workerTid, "fixture"); w.Args["end"] != "exited with 0" {
		t.Errorf("worker thread's slice: %+v", w)
	}

	// Wait calls, with what they returned.
	wantCalls := []struct {
		tid    int
		name   string
		child  int
		result string
	}{
		{parent, fmt.Sprintf("wait4 = %d", exit3), exit3, "reaped"},
		{parent, fmt.Sprintf("wait4 = %d", stop), stop, "stopped or continued"},
		{parent, "wait4 = -1 ECHILD", 0, ""},
		{workerTid, fmt.Sprintf("wait4 = %d", trueChild), trueChild, "reaped"},
	}
	calls := map[int]modelEvent{} // the reaping call, by child
	for _, c := range wantCalls {
		var found bool
		for _, s := range slices(parent, c.tid, c.name) {
			if c.child == 0 || (s.Args["child"] == float64(c.child) && s.Args["result"] == c.result) {
				found = true
				if c.result == "reaped" {
					calls[c.child] = s
				}
			}
		}
		if !found {
			t.Errorf("no slice %q (child %d, %s) on thread %d; there: %+v", c.name, c.child, c.result, c.tid, slices(parent, c.tid, ""))
		}
	}
	waitids := slices(parent, parent, "waitid = 0")
	if len(waitids) != 2 || waitids[0].Args["result"] != "exit reported with WNOWAIT: not reaped" || waitids[1].Args["result"] != "reaped" {
		t.Errorf("waitid slices: %+v, want a peek then a reap of %d", waitids, term)
	} else {
		calls[term] = waitids[1]
	}
	var stopReaps int
	for _, s := range slices(parent, parent, fmt.Sprintf("wait4 = %d", stop)) {
		if s.Args["result"] == "reaped" {
			calls[stop] = s
			stopReaps++
		}
	}
	if stopReaps != 1 {
		t.Errorf("%d reaps of %d, want 1", stopReaps, stop)
	}
	if w, l := calls[trueChild], lives[trueChild]; w.Ts >= l.Ts+l.Dur {
		t.Errorf("the worker's wait4 (%+v) did not block before its child's exit (%+v)", w, l)
	}

	// Zombie intervals, exit to reap.
	for _, c := range []int{exit3, term, stop, trueChild} {
		z := one(c, c, "zombie")
		life, call := lives[c], calls[c]
		if d := z.Ts - (life.Ts + life.Dur); d < -0.01 || d > 0.01 {
			t.Errorf("zombie of %d starts at %.3f, its life ends at %.3f", c, z.Ts, life.Ts+life.Dur)
		}
		if d := z.Ts + z.Dur - (call.Ts + call.Dur); d < -0.01 || d > 0.01 {
			t.Errorf("zombie of %d ends at %.3f, the reaping call at %.3f", c, z.Ts+z.Dur, call.Ts+call.Dur)
		}
		if z.Args["reaped_by"] != float64(parent) {
			t.Errorf("zombie of %d: %v", c, z.Args)
		}
	}
	if z := one(exit3, exit3, "zombie"); z.Dur < 20_000 {
		t.Errorf("the exit3 child was a zombie for %.0f µs, the fixture waited 50 ms", z.Dur)
	}

	// Instants: signals, the group-stop, execs, alerts.
	instants := map[string]bool{}
	for _, i := range m.Instants {
		instants[fmt.Sprintf("%d/%d %s", i.Pid, i.Tid, i.Name)] = true
	}
	for _, want := range []string{
		fmt.Sprintf("%d/%d SIGCHLD", parent, parent),
		fmt.Sprintf("%d/%d SIGTERM", term, term),
		fmt.Sprintf("%d/%d SIGSTOP", stop, stop),
		fmt.Sprintf("%d/%d stopped by SIGSTOP", stop, stop),
		fmt.Sprintf("%d/%d execve", exit3, exit3),
		fmt.Sprintf("%d/%d execve", trueChild, trueChild),
		fmt.Sprintf("%d/%d ALERT nonzero", exit3, exit3),
		fmt.Sprintf("%d/%d ALERT signaled", term, term),
		fmt.Sprintf("%d/%d ALERT echild", parent, parent),
	} {
		if !instants[want] {
			t.Errorf("no instant %q; instants: %v", want, instants)
		}
	}

	// Flows: one per reaped child, from its life to the call that reaped it.
	if len(m.Flows) != 4 {
		t.Errorf("%d flows, want 4: %+v", len(m.Flows), m.Flows)
	}
	flowOf := map[int]bool{}
	for _, f := range m.Flows {
		if len(f) != 2 {
			t.Errorf("flow %+v does not join two events", f)
			continue
		}
		from, to := f[0], f[1]
		life, call := lives[from.Pid], calls[from.Pid]
		if from.Tid != from.Pid || from.Ts != life.Ts || from.Name != life.Name {
			t.Errorf("flow %+v does not start at the life slice of %d (%+v)", f, from.Pid, life)
		}
		if to.Pid != parent || to.Tid != call.Tid || to.Ts != call.Ts || to.Name != call.Name {
			t.Errorf("flow %+v does not end at the call that reaped %d (%+v)", f, from.Pid, call)
		}
		flowOf[from.Pid] = true
	}
	for _, c := range []int{exit3, term, stop, trueChild} {
		if !flowOf[c] {
			t.Errorf("no flow from %d", c)
		}
	}

	// A file cut between two writes (waittrace killed) lacks only the
	// final "]": with it supplied, as chrome://tracing and Perfetto do,
	// the model loads what was written before the cut.
	cut := bytes.LastIndex(raw[:len(raw)/2], []byte(",\n"))
	if cut < 0 {
		t.Fatal("the timeline has no event boundary in its first half")
	}
	cutFile := filepath.Join(t.TempDir(), "cut.json")
	if err := os.WriteFile(cutFile, raw[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	cm, err := loadOne(t, node, cutFile, true)
	if err != nil {
		t.Fatalf("the cut timeline does not load: %v", err)
	}
	if len(cm.Processes) == 0 || len(cm.Slices) == 0 || len(cm.Slices) >= len(m.Slices) {
		t.Errorf("the cut timeline has %d processes and %d slices (the whole one %d)", len(cm.Processes), len(cm.Slices), len(m.Slices))
	}
}

// TestSignalClosesTimeline: waittrace gets SIGTERM (as Ctrl-C's SIGINT,
// the session detaches from everything it traces): the session still
// closes its sinks, and the file is a complete JSON document that
// DevTools' strict JSON.parse loads. The shell is attached to (-p), and
// its children are followed from their fork.
func TestSignalClosesTimeline(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("the engine does not run on %s", runtime.GOARCH)
	}
	node := traceEngine(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	cmd := exec.Command(sh, "-c", "sleep 0.5; sleep 20 & sleep 20; wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var sleeps []int
	t.Cleanup(func() {
		// Detached, they would run on: end them.
		for _, pid := range sleeps {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	file := filepath.Join(t.TempDir(), "timeline.json")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tl := timeline.New(f)
	var msgs bytes.Buffer
	s := session.New(session.Options{
		Pids:        []int{cmd.Process.Pid},
		Follow:      true,
		Calls:       syscalls.Calls(),
		ProcessInfo: true,
		Messages:    &msgs,
	})
	s.Add(tl)
	sent := make(chan error, 1)
	go func() {
		// Once both sleeps are traced (their names are in the file), the
		// session is catching signals: SIGTERM does not kill this test.
		// And once the shell waits for the second, its wait4 is cut short.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			b, _ := os.ReadFile(file)
			if bytes.Count(b, []byte(`"args":{"name":"sleep 20"}`)) >= 2 && inWait(cmd.Process.Pid) {
				sent <- syscall.Kill(os.Getpid(), syscall.SIGTERM)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		sent <- fmt.Errorf("the sleeps were not traced within 20s")
	}()
	start := time.Now()
	if _, err := s.Run(); err != nil {
		t.Fatalf("session: %v\n%s", err, msgs.String())
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadOne(t, node, file, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	for _, p := range m.Processes {
		if p.Name == "sleep 20" {
			sleeps = append(sleeps, p.Pid)
		}
	}
	if err := timeline.CheckTimeline(raw); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("the trace did not end at SIGTERM")
	}
	ends := map[string]int{}
	for _, sl := range m.Slices {
		if end, ok := sl.Args["end"].(string); ok && sl.Pid == sl.Tid {
			ends[sl.Name+": "+end]++
		}
	}
	want := map[string]int{
		sh + " -c sleep 0.5; sleep 20 & sleep 20; wait: detached": 1,
		"wait4 (detached): detached":                              1,
		"sleep 20: detached":                                      2,
	}
	for k, n := range want {
		if ends[k] != n {
			t.Errorf("%d slices %q, want %d; all: %v\n%s", ends[k], k, n, ends, raw)
		}
	}
}

// TestTraceEngineLoadsGoldens: DevTools' model reads each unit scenario's
// file as the file says: its processes, slices, instants and the flows
// bound at the calls' starts (the others, bound at a call's return, only
// Perfetto and chrome://tracing follow).
func TestTraceEngineLoadsGoldens(t *testing.T) {
	node := traceEngine(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	models, err := loadWithTraceEngine(t, node, false, files...)
	if err != nil {
		t.Fatal(err)
	}
	for i, file := range files {
		m := models[i]
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var events []struct {
				Name string   `json:"name"`
				Ph   string   `json:"ph"`
				Pid  int      `json:"pid"`
				Tid  int      `json:"tid"`
				Ts   *float64 `json:"ts"`
			}
			if err := json.Unmarshal(raw, &events); err != nil {
				t.Fatal(err)
			}
			pids := map[int]bool{}
			starts := map[string]bool{}
			var slices, instants, flows int
			for _, e := range events {
				switch e.Ph {
				case "M":
					if e.Name == "process_name" {
						pids[e.Pid] = true
					}
				case "X":
					slices++
					starts[fmt.Sprint(e.Pid, e.Tid, *e.Ts)] = true
				case "I":
					instants++
				}
			}
			for _, e := range events {
				if e.Ph == "f" && starts[fmt.Sprint(e.Pid, e.Tid, *e.Ts)] {
					flows++
				}
			}
			if len(m.Processes) != len(pids) || len(m.Slices) != slices || len(m.Instants) != instants || len(m.Flows) != flows {
				t.Errorf("the model has %d processes, %d slices, %d instants, %d flows; the file %d, %d, %d, %d",
					len(m.Processes), len(m.Slices), len(m.Instants), len(m.Flows), len(pids), slices, instants, flows)
			}
			for _, f := range m.Flows {
				if len(f) != 2 || f[0].Tid != f[0].Pid || !strings.HasPrefix(f[1].Name, "wait") {
					t.Errorf("flow %+v is not from a process's life to a wait call", f)
				}
			}
		})
	}
}

// inWait reports whether process pid sleeps in a wait call, as its wchan
// says; true if the kernel does not say.
func inWait(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/wchan")
	if err != nil || len(b) == 0 || string(b) == "0" {
		return true
	}
	return string(b) == "do_wait"
}
