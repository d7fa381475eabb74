package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/event"

	"github.com/waittrace/waittrace/decode"
)

var t0 = time.Date(2026, 3, 4, 14, 3, 37, 687817000, time.UTC)

func at(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }

// script is a parent (100) blocking in wait4 while its child (101) exits.
func script() []*event.Event {
	p, c := event.Process{Tid: 100, Pid: 100, PPid: 1, Uid: 0, Comm: "sh"}, event.Process{Tid: 101, Pid: 101, PPid: 100, Uid: 0, Comm: "x\"y\n\xff"}
	return []*event.Event{
		{Kind: event.Traced, Time: at(0), Proc: p, Origin: event.Launched, Argv: []string{"sh"}},
		{Kind: event.Traced, Time: at(1), Proc: c, Origin: event.Forked, Argv: []string{"a\xffb"}},
		{Kind: event.CallEntry, Time: at(10), Proc: p, Syscall: "wait4", EntryText: "101, "},
		{Kind: event.ProcessExited, Time: at(100010), Proc: c, ExitCode: 3},
		{Kind: event.CallExit, Time: at(100133), Proc: p, Syscall: "wait4", EntryText: "101, ",
			ExitText: "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL", RetText: "101", Return: 101,
			Args: []event.Arg{{Name: "pid", Type: "pid", Value: int64(101), Raw: 101},
				{Name: "status", Type: "wait_status", Value: decode.WaitStatus(0x300).Fields(), Raw: 0x7ffc},
				{Name: "options", Type: "wait_options", Value: decode.WaitOptions(0).Names()}}},
		{Kind: event.CallEntry, Time: at(100200), Proc: p, Syscall: "wait4", EntryText: "-1, "},
		{Kind: event.CallExit, Time: at(100250), Proc: p, Syscall: "wait4", EntryText: "-1, ",
			ExitText: "0x7ffc, 0, NULL", RetText: "-1 ECHILD (No child processes)", IsErr: true,
			Return: -1, Errno: 10, ErrName: "ECHILD", ErrMsg: "No child processes"},
		{Kind: event.SignalDelivered, Time: at(100300), Proc: p, Signal: "SIGUSR1", SigNum: 10, SigInfoText: "{si_signo=SIGUSR1}"},
		{Kind: event.CallEntry, Time: at(100400), Proc: p, Syscall: "wait4", EntryText: "-1, "},
		{Kind: event.ProcessKilled, Time: at(200400), Proc: p, Signal: "SIGKILL", SigNum: 9},
	}
}

func runWriter(t *testing.T, opt TextOptions) string {
	t.Helper()
	var b bytes.Buffer
	opt.Out, opt.Initial = &b, 1
	w := NewTextWriter(opt)
	for _, ev := range script() {
		w.Record(ev)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTextWriterGolden(t *testing.T) {
	cases := []struct {
		name string
		opt  TextOptions
		want string
	}{
		{"plain", TextOptions{}, `[pid   100] wait4(101,  <unfinished ...>
[pid   101] +++ exited with 3 +++
<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 101
wait4(-1, 0x7ffc, 0, NULL)              = -1 ECHILD (No child processes)
--- SIGUSR1 {si_signo=SIGUSR1} ---
wait4(-1,  <unfinished ...>)            = ?
+++ killed by SIGKILL +++
`},
		{"tt-T", TextOptions{Time: Stamp{TimeOfDay, Microseconds}, Durations: true}, `[pid   100] 14:03:37.687827 wait4(101,  <unfinished ...>
[pid   101] 14:03:37.787827 +++ exited with 3 +++
14:03:37.787950 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 101 <0.100123>
14:03:37.788017 wait4(-1, 0x7ffc, 0, NULL) = -1 ECHILD (No child processes) <0.000050>
14:03:37.788117 --- SIGUSR1 {si_signo=SIGUSR1} ---
14:03:37.788217 wait4(-1,  <unfinished ...>) = ?
14:03:37.888217 +++ killed by SIGKILL +++
`},
		{"t", TextOptions{Time: Stamp{Format: TimeOfDay, Precision: Seconds}}, `[pid   100] 14:03:37 wait4(101,  <unfinished ...>
[pid   101] 14:03:37 +++ exited with 3 +++
14:03:37 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 101
14:03:37 wait4(-1, 0x7ffc, 0, NULL)     = -1 ECHILD (No child processes)
14:03:37 --- SIGUSR1 {si_signo=SIGUSR1} ---
14:03:37 wait4(-1,  <unfinished ...>)   = ?
14:03:37 +++ killed by SIGKILL +++
`},
		{"ttt", TextOptions{Time: Stamp{UnixTime, Microseconds}}, `[pid   100] 1772633017.687827 wait4(101,  <unfinished ...>
[pid   101] 1772633017.787827 +++ exited with 3 +++
1772633017.787950 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 101
1772633017.788017 wait4(-1, 0x7ffc, 0, NULL) = -1 ECHILD (No child processes)
1772633017.788117 --- SIGUSR1 {si_signo=SIGUSR1} ---
1772633017.788217 wait4(-1,  <unfinished ...>) = ?
1772633017.888217 +++ killed by SIGKILL +++
`},
		{"r", TextOptions{Relative: true}, `[pid   100]      0.000000 wait4(101,  <unfinished ...>
[pid   101]      0.100000 +++ exited with 3 +++
     0.000123 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 101
     0.000067 wait4(-1, 0x7ffc, 0, NULL) = -1 ECHILD (No child processes)
     0.000100 --- SIGUSR1 {si_signo=SIGUSR1} ---
     0.000100 wait4(-1,  <unfinished ...>) = ?
     0.100000 +++ killed by SIGKILL +++
`},
		{"resumed-full", TextOptions{ResumedFull: true}, `[pid   100] wait4(101,  <unfinished ...>
[pid   101] +++ exited with 3 +++
wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 101
wait4(-1, 0x7ffc, 0, NULL)              = -1 ECHILD (No child processes)
--- SIGUSR1 {si_signo=SIGUSR1} ---
wait4(-1,  <unfinished ...>)            = ?
+++ killed by SIGKILL +++
`},
		// strace 6.1 -z: a held entry cut by another process's line is
		// written with " <unfinished ...>" and the rest on the next line.
		{"z", TextOptions{Status: Successful}, `[pid   101] +++ exited with 3 +++
[pid   100] wait4(101,  <unfinished ...>
[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 101
--- SIGUSR1 {si_signo=SIGUSR1} ---
+++ killed by SIGKILL +++
`},
		{"Z", TextOptions{Status: Failed}, `[pid   101] +++ exited with 3 +++
wait4(-1, 0x7ffc, 0, NULL)              = -1 ECHILD (No child processes)
--- SIGUSR1 {si_signo=SIGUSR1} ---
+++ killed by SIGKILL +++
`},
		{"unfinished", TextOptions{Status: Unfinished}, `[pid   101] +++ exited with 3 +++
--- SIGUSR1 {si_signo=SIGUSR1} ---
wait4(-1,  <unfinished ...>)            = ?
+++ killed by SIGKILL +++
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := runWriter(t, tc.opt); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestTimeParsedBack parses each prefix form back to the event's time.
func TestTimeParsedBack(t *testing.T) {
	tm := at(123)
	for _, f := range []Stamp{wallClock, wallClockUs, epochUs} {
		s := FormatTime(f, tm)
		var back time.Time
		var err error
		switch f {
		case wallClock:
			back, err = time.Parse("15:04:05", s)
			back = time.Date(tm.Year(), tm.Month(), tm.Day(), back.Hour(), back.Minute(), back.Second(), 0, time.UTC)
			if err == nil && !back.Equal(tm.Truncate(time.Second)) {
				t.Errorf("%q: got %v", s, back)
			}
			continue
		case wallClockUs:
			back, err = time.Parse("15:04:05.000000", s)
			back = time.Date(tm.Year(), tm.Month(), tm.Day(), back.Hour(), back.Minute(), back.Second(), back.Nanosecond(), time.UTC)
		case epochUs:
			var sec, us int64
			_, err = fmtSscan(s, &sec, &us)
			back = time.Unix(sec, us*1000).UTC()
		}
		if err != nil || !back.Equal(tm.Truncate(time.Microsecond)) {
			t.Errorf("%v %q: parsed back %v, %v; want %v", f, s, back, err, tm)
		}
	}
	if got := FormatDuration(1500*time.Millisecond, Microseconds); got != "<1.500000>" {
		t.Errorf("FormatDuration = %q", got)
	}
}

func TestJSONDecodes(t *testing.T) {
	var b bytes.Buffer
	j := NewJSON(&b, 0)
	for _, ev := range script() {
		j.Record(ev)
	}
	if err := j.Object(map[string]int{"report": 1}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	var names []string
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		var r JSONRecord
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		names = append(names, r.EventName)
		switch {
		case r.EventName == "fork":
			if r.ProcessName != "x\"y\n\ufffd" || string(r.ProcessNameBytes) != "x\"y\n\xff" {
				t.Errorf("hostile name: %q %q", r.ProcessName, r.ProcessNameBytes)
			}
			if len(r.Args) != 2 || r.Args[1].Name != "argvBytes" {
				t.Errorf("fork args: %+v", r.Args)
			}
		case r.EventName == "wait4" && r.ReturnValue != nil && *r.ReturnValue == 101:
			if *r.DurationNs != 100123000 || r.Timestamp != at(10).UnixNano() {
				t.Errorf("joined call: %s", l)
			}
			st := r.Args[1].Value.(map[string]any)
			if st["exited"] != true || st["exitStatus"] != float64(3) {
				t.Errorf("wstatus: %v", st)
			}
		case r.EventName == "wait4" && r.Unfinished:
			if r.ReturnValue != nil {
				t.Errorf("unfinished call has a return value: %s", l)
			}
		case r.EventName == "wait4":
			if r.Errno != 10 || r.Error != "ECHILD" {
				t.Errorf("failed call: %s", l)
			}
		}
	}
	want := "launch fork exit wait4 wait4 signal wait4 exit"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	if lines[len(lines)-1] != `{"report":1}` {
		t.Errorf("Object: %q", lines[len(lines)-1])
	}
}

func TestTableAligned(t *testing.T) {
	var b bytes.Buffer
	w := NewTable(&b, 0)
	for _, ev := range script() {
		w.Record(ev)
	}
	_ = w.Close()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	hdr := lines[0]
	col := strings.Index(hdr, "EVENT")
	re := regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{6} `)
	for _, l := range lines[1:] {
		if !re.MatchString(l) || len(l) < col || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("row not aligned under %q:\n%s", hdr, l)
		}
	}
	if !strings.Contains(b.String(), `x\"y\n\377`) {
		t.Errorf("COMM not escaped:\n%s", b.String())
	}
}

func fmtSscan(s string, sec, us *int64) (int, error) { return fmt.Sscanf(s, "%d.%d", sec, us) }

// The formats of -t, -tt and -ttt.
var (
	wallClock   = Stamp{TimeOfDay, Seconds}
	wallClockUs = Stamp{TimeOfDay, Microseconds}
	epochUs     = Stamp{UnixTime, Microseconds}
)
