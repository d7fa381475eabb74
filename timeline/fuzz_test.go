package timeline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/event"
)

// records turns fuzz input into a sequence of records: each byte picks a
// kind, a thread among a few (so that calls, exits and reaps meet), and
// the time step; names come from the input too, invalid UTF-8 included.
// Nothing is guaranteed about the order: exits without traces, reaps of
// the living, calls of the dead.
func records(data []byte) []*event.Event {
	// A few hundred records meet every case; longer inputs only make the
	// fuzzer's minimization slow.
	data = data[:min(len(data), 1024)]
	var out []*event.Event
	now := t0
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	text := func() string {
		n := int(next() % 8)
		n = min(n, len(data))
		s := string(data[:n])
		data = data[n:]
		return s
	}
	for len(data) > 0 {
		op, who := next(), next()
		// Threads 1..8 in processes 1..4: tid t belongs to process (t+1)/2
		// rounded to an odd leader, so that half of them are main threads.
		tid := int(who%8) + 1
		pid := tid
		if tid%2 == 0 {
			pid = tid - 1
		}
		parent := (pid+1)%8 + 1
		if parent%2 == 0 {
			parent--
		}
		p := event.Process{Tid: tid, Pid: pid, PPid: parent, Comm: text()}
		step := time.Duration(who>>3) * time.Microsecond
		if op&0x80 != 0 {
			step = -step // the clock may step back
		}
		now = now.Add(step)
		ev := &event.Event{Time: now, Proc: p}
		if op&0x40 != 0 {
			ev.Time = time.Time{}
		}
		child := int(next()%8) + 1
		switch op % 12 {
		case 0:
			ev.Kind, ev.Origin, ev.Argv = event.Traced, event.Origin(op%4), []string{text(), text()}
		case 1:
			ev.Kind, ev.Argv = event.Executed, []string{text()}
		case 2:
			ev.Kind, ev.Syscall, ev.EntryText = event.CallEntry, "wait4", text()
			ev.Raw[0] = uint64(int64(child))
		case 3, 4:
			_, ev = wait4(0, 0, p, -1, uint64(op>>4&3), child, exitStatus(int(op>>2&3)))
			ev.Time = now
			if op%12 == 4 {
				ev.Status = stopStatus(19)
			}
		case 5:
			_, ev = waitid(0, 0, p, child, uint64(op>>4&1)*wnowait|wexited, 0, childInfo(child, int32(op>>5&3), 0))
			ev.Time = now
		case 6:
			_, ev = wait4(0, 0, p, -1, 0, -10, nil)
			ev.Time = now
		case 7:
			ev.Kind, ev.ExitCode = event.ProcessExited, int(op>>4)
		case 8:
			ev.Kind, ev.Signal, ev.Core = event.ProcessKilled, "SIGKILL", op&0x10 != 0
		case 9:
			ev.Kind, ev.Signal, ev.SigInfoText = event.SignalDelivered, "SIGCHLD", text()
			if op&0x10 != 0 {
				ev.Kind = event.GroupStopped
			}
		case 10:
			ev.Kind = event.Untraced
			if op&0x10 != 0 {
				ev.Kind, ev.Former = event.Superseded, child
			}
		case 11:
			ev.Kind, ev.Alert = event.AlertFired, &event.Alert{Kind: text(), Pid: child, Message: text()}
		}
		out = append(out, ev)
	}
	return out
}

// FuzzTimeline: any sequence of records makes a timeline the viewers can
// load (CheckTimeline), whole or cut after any event.
func FuzzTimeline(f *testing.F) {
	for _, sc := range scenarios {
		var b bytes.Buffer
		for _, r := range sc.records {
			b.WriteByte(byte(r.Kind))
			b.WriteByte(byte(r.Proc.Tid))
		}
		f.Add(b.Bytes())
	}
	f.Add([]byte("\x00\x08\x00\x00\x02\x10\x01\x00\x07\x10\x01\x00\x03\x10\x01\x00\x0b\x08\x01\x00"))
	f.Add([]byte("\x00\x01\x02ab\xff\x00\x02\x01\x07\x03\x01\x02\x03\x01\x02\x05\x03\x01\x02\x0a\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		w := New(&out)
		for _, r := range records(data) {
			w.Record(r)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := CheckTimeline(out.Bytes()); err != nil {
			t.Fatalf("%v\n%s", err, out.Bytes())
		}
		if len(w.procs)+len(w.threads)+len(w.zombies)+len(w.zombiesOf) != 0 {
			t.Fatalf("Close left state behind: %d %d %d %d", len(w.procs), len(w.threads), len(w.zombies), len(w.zombiesOf))
		}
	})
}

// FuzzAppendString: the hand-written string encoder writes what
// encoding/json writes (SetEscapeHTML(false)).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "caf\xe9", "\"\\\n\t\x00\x1f\x7f", "\u2028\u2029", "é€😀", "\xed\xa0\x80", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := appendString(nil, s)
		if string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendString(%q) = %s, encoding/json: %s", s, got, want.String())
		}
	})
}

func TestAppendMicros(t *testing.T) {
	for ns, want := range map[int64]string{0: "0.000", 1: "0.001", 999: "0.999", 1000: "1.000", 1234567: "1234.567", -5: "0.000"} {
		if got := string(appendMicros(nil, ns)); got != want {
			t.Errorf("appendMicros(%d) = %s, want %s", ns, got, want)
		}
	}
}
