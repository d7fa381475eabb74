package output

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/stack"
)

var (
	waitFrames = []stack.Frame{
		{Address: 0x7f00000d3bd3, Object: "/lib/libc.so.6", Offset: 0xd3bd3, Symbol: "wait4", SymOffset: 0x13},
		{Address: 0x5500000011f1, Object: "/tmp/a\nb", Offset: 0x11f1, Symbol: "re\xffap", SymOffset: 0x28},
		{Address: 0x550000004781, Object: "/usr/bin/dash", Offset: 0x4781},
	}
	sigFrames = []stack.Frame{{Address: 0x7f000003c2d5, Object: "/lib/libc.so.6", Offset: 0x3c2d5, Symbol: "sigsuspend", SymOffset: 0x15}}
)

const (
	waitStack = " > /lib/libc.so.6(wait4+0x13) [0xd3bd3]\n > /tmp/a\\nb(re\\377ap+0x28) [0x11f1]\n > /usr/bin/dash() [0x4781]\n"
	sigStack  = " > /lib/libc.so.6(sigsuspend+0x15) [0x3c2d5]\n"
)

// stackScript: 100 blocks in wait4 (its stack on the entry and the exit
// record) while 101 gets a signal and stops; then 100's second call never
// returns.
func stackScript() []*event.Event {
	p, c := event.Process{Tid: 100, Pid: 100, Uid: -1}, event.Process{Tid: 101, Pid: 101, Uid: -1}
	return []*event.Event{
		{Kind: event.Traced, Time: at(0), Proc: p, Origin: event.Launched},
		{Kind: event.Traced, Time: at(1), Proc: c, Origin: event.Forked},
		{Kind: event.CallEntry, Time: at(10), Proc: p, Syscall: "wait4", EntryText: "101, ", Stack: waitFrames},
		{Kind: event.SignalDelivered, Time: at(20), Proc: c, Signal: "SIGSTOP", SigNum: 19, SigInfoText: "{si_signo=SIGSTOP}", Stack: sigFrames},
		{Kind: event.GroupStopped, Time: at(21), Proc: c, Signal: "SIGSTOP", SigNum: 19, Stack: sigFrames, StackErr: "too many stack frames"},
		{Kind: event.CallExit, Time: at(30), Proc: p, Syscall: "wait4", EntryText: "101, ", ExitText: "NULL, WSTOPPED, NULL",
			RetText: "101", Return: 101, Stack: waitFrames},
		{Kind: event.CallEntry, Time: at(40), Proc: p, Syscall: "wait4", EntryText: "-1, ", Stack: waitFrames},
		{Kind: event.SignalDelivered, Time: at(50), Proc: c, Signal: "SIGCONT", SigNum: 18, SigInfoText: "{si_signo=SIGCONT}",
			StackErr: "stack of 101: no such process"},
		{Kind: event.ProcessKilled, Time: at(60), Proc: p, Signal: "SIGKILL", SigNum: 9},
	}
}

func feed(w event.Sink, evs []*event.Event) {
	for _, ev := range evs {
		w.Record(ev)
	}
}

// TestTextStacks: where strace -k prints a stack, and where not, with and
// without -o FILE -f's prefixes (stack lines have none), and nowhere
// without -k.
func TestTextStacks(t *testing.T) {
	trace := func(opt TextOptions) string {
		var b bytes.Buffer
		opt.Out, opt.Initial = &b, 1
		w := NewTextWriter(opt)
		feed(w, stackScript())
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	want := "[pid   100] wait4(101,  <unfinished ...>\n" +
		"[pid   101] --- SIGSTOP {si_signo=SIGSTOP} ---\n" + sigStack +
		"[pid   101] --- stopped by SIGSTOP ---\n" + sigStack + " > too many stack frames\n" +
		"[pid   100] <... wait4 resumed>NULL, WSTOPPED, NULL) = 101\n" + waitStack +
		"[pid   100] wait4(-1,  <unfinished ...>\n" +
		"[pid   101] --- SIGCONT {si_signo=SIGCONT} ---\n" + // no stack could be walked: no line
		"[pid   100] <... wait4 resumed> <unfinished ...>) = ?\n" +
		"[pid   100] +++ killed by SIGKILL +++\n"
	if got := trace(TextOptions{StackTraces: true}); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := trace(TextOptions{}); strings.Contains(got, " > ") {
		t.Errorf("stacks without -k:\n%s", got)
	}
	got := trace(TextOptions{StackTraces: true, TextConfig: TextConfig{ToFile: true, Follow: true, Column: 1},
		Time: Stamp{TimeOfDay, Microseconds}, SyscallNumber: true})
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, " > ") && !strings.HasPrefix(l, " > ") {
			t.Errorf("a prefix on a stack line: %q", l)
		}
	}
	if !strings.Contains(got, "NULL, WSTOPPED, NULL) = 101\n"+waitStack) {
		t.Errorf("no stack after the resumed call:\n%s", got)
	}
}

// TestTextStacksHeld: with -e status= the call is printed at its exit,
// whole or cut, and its stack after it; a held call never returned, none.
func TestTextStacksHeld(t *testing.T) {
	var b bytes.Buffer
	w := NewTextWriter(TextOptions{TextConfig: TextConfig{Out: &b, Initial: 1}, StackTraces: true, Status: Successful | Unfinished})
	feed(w, stackScript())
	w.Close()
	got := b.String()
	if !strings.Contains(got, "= 101\n"+waitStack) {
		t.Errorf("no stack after the released call:\n%s", got)
	}
	if n := strings.Count(got, "(wait4+0x13)"); n != 1 {
		t.Errorf("%d wait4 stacks, want 1:\n%s", n, got)
	}
}

// TestPerThreadStacks: -ff's files get their stacks.
func TestPerThreadStacks(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "trace")
	var analysis bytes.Buffer
	p := NewPerThread(prefix, false, TextOptions{TextConfig: TextConfig{Out: &analysis}, StackTraces: true})
	feed(p, stackScript())
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(prefix + ".100")
	if err != nil {
		t.Fatal(err)
	}
	want := "wait4(101, NULL, WSTOPPED, NULL)        = 101\n" + waitStack +
		"wait4(-1,  <unfinished ...>)            = ?\n+++ killed by SIGKILL +++\n"
	if string(b) != want {
		t.Errorf("got:\n%s\nwant:\n%s", b, want)
	}
}

func TestJSONStacks(t *testing.T) {
	lines := func(on bool) []map[string]any {
		var b bytes.Buffer
		j := NewJSON(&b, 0)
		j.SetStackTraces(on)
		feed(j, stackScript())
		j.Close()
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			out = append(out, m)
		}
		return out
	}
	stacks := map[string]int{}
	for _, m := range lines(true) {
		name := m["eventName"].(string)
		if m["unfinished"] == true {
			name += "-unfinished"
		}
		if s, ok := m["stack"].([]any); ok {
			stacks[name] += len(s)
			if name == "wait4" {
				f := s[1].(map[string]any)
				if f["object"] != "/tmp/a\nb" || f["symbol"] != "re\uFFFDap" || f["offset"] != float64(0x11f1) || f["address"] != float64(0x5500000011f1) || f["symbolOffset"] != float64(40) {
					t.Errorf("frame 1: %v", f)
				}
				if len(f) != 5 {
					t.Errorf("frame fields: %v", f)
				}
			}
		}
		if e, ok := m["stackError"]; ok {
			stacks[name+"-error:"+e.(string)]++
		}
	}
	want := map[string]int{"wait4": 3, "signal": 1, "group_stop": 1, "group_stop-error:too many stack frames": 1,
		"signal-error:stack of 101: no such process": 1, "wait4-unfinished": 3}
	for k, n := range want {
		if stacks[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, stacks[k], n, stacks)
		}
	}
	for _, m := range lines(false) {
		if _, ok := m["stack"]; ok {
			t.Errorf("a stack without -k: %v", m)
		}
	}
}

func TestTableStacks(t *testing.T) {
	var b bytes.Buffer
	tb := NewTable(&b, 0)
	tb.SetStackTraces(true)
	feed(tb, stackScript())
	tb.Close()
	got := b.String()
	for _, want := range []string{
		"#0               stack        /lib/libc.so.6(wait4+0x13) [0xd3bd3]\n",
		"#1               stack        /tmp/a\\nb(re\\377ap+0x28) [0x11f1]\n",
		"#2               stack        /usr/bin/dash() [0x4781]\n",
		"                 stack        too many stack frames\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	// The rows follow their event's row, at its time.
	lines := strings.Split(got, "\n")
	for i, l := range lines {
		if strings.Contains(l, " wait4 ") && strings.Contains(l, "101, NULL") {
			if !strings.Contains(lines[i+1], "#0 ") || lines[i+1][:15] != l[:15] {
				t.Errorf("row after the call:\n%s\n%s", l, lines[i+1])
			}
		}
	}
}

func TestAlertDetail(t *testing.T) {
	tm := time.Date(2026, 3, 4, 14, 3, 37, 687817000, time.UTC)
	a := &event.Alert{Kind: "stolen", Message: "m", Stolen: &event.Theft{
		ReapedBy: event.WaitCall{Pid: 10, Tid: 11, Comm: "sup", Call: "wait4(-1)", Time: tm, Stack: waitFrames},
		WantedBy: event.WaitCall{Pid: 10, Tid: 10, Comm: "sup", Call: "wait4(12)", Time: tm.Add(time.Millisecond), Stack: sigFrames},
	}}
	want := " reaped by wait4(-1) in 10 (sup) tid 11 at 14:03:37.687817:\n" + waitStack +
		" wanted by wait4(12) in 10 (sup) tid 10 at 14:03:37.688817:\n" + sigStack
	if got := AlertDetail(a); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	a.Stolen.ReapedBy.Stack, a.Stolen.WantedBy.Stack = nil, nil
	if got := AlertDetail(a); got != "" {
		t.Errorf("without stacks: %q", got)
	}
	var b bytes.Buffer
	w := NewTextWriter(TextOptions{TextConfig: TextConfig{Out: &b, Initial: 1}})
	a.Stolen.ReapedBy.Stack = waitFrames
	w.Record(&event.Event{Kind: event.AlertFired, Alert: a})
	if !strings.HasPrefix(b.String(), "!!! ALERT stolen: m !!!\n reaped by wait4(-1)") {
		t.Errorf("alert:\n%s", b.String())
	}
}
