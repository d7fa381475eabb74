package timeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CheckTimeline checks what the viewers need of a timeline beyond valid
// JSON (it is exported for the end-to-end test in package timeline_test):
//
//   - every event has the fields of its phase, and "ts"/"dur" are
//     microseconds with at most three decimals;
//   - the slices of each thread nest, as Perfetto's importer needs:
//     sorted by start (longer first), none ends inside another;
//   - every flow has one start and one end, the start written first and
//     not later in time, each bound to a slice with the same ts, pid, tid
//     and cat (the end may instead sit at its call's return);
//   - cut after any event, with "]" added, the file is still valid JSON.
func CheckTimeline(raw []byte) error {
	if !json.Valid(raw) {
		return fmt.Errorf("not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var events []map[string]any
	if err := dec.Decode(&events); err != nil {
		return fmt.Errorf("not an array of objects: %v", err)
	}
	type span struct{ start, dur int64 }
	type track struct{ pid, tid int64 }
	slices := map[track][]span{}
	type key struct {
		ts       int64
		pid, tid int64
	}
	starts := map[key]bool{}
	ends := map[key]bool{}
	type flow struct {
		s, f     map[string]any
		si, fi   int
		ns, nf   int
		sts, fts int64
	}
	flows := map[int64]*flow{}

	for i, ev := range events {
		name, _ := ev["name"].(string)
		ph, _ := ev["ph"].(string)
		pid, err1 := intField(ev, "pid")
		tid, err2 := intField(ev, "tid")
		if name == "" || err1 != nil || err2 != nil {
			return fmt.Errorf("event %d %v: no name, pid or tid", i, ev)
		}
		if ph == "M" {
			args, _ := ev["args"].(map[string]any)
			if (name != "process_name" && name != "thread_name") || args == nil || args["name"] == nil || ev["ts"] != nil {
				return fmt.Errorf("event %d: bad metadata %v", i, ev)
			}
			continue
		}
		if ev["cat"] != category {
			return fmt.Errorf("event %d: cat %v", i, ev["cat"])
		}
		ts, err := micros(ev["ts"])
		if err != nil {
			return fmt.Errorf("event %d: ts: %v", i, err)
		}
		switch ph {
		case "X":
			dur, err := micros(ev["dur"])
			if err != nil {
				return fmt.Errorf("event %d: dur: %v", i, err)
			}
			tr := track{pid, tid}
			slices[tr] = append(slices[tr], span{ts, dur})
			starts[key{ts, pid, tid}] = true
			ends[key{ts + dur, pid, tid}] = true
		case "I":
			if ev["s"] != "t" {
				return fmt.Errorf("event %d: instant without thread scope", i)
			}
		case "s", "f":
			id, err := intField(ev, "id")
			if err != nil || name != "reap" {
				return fmt.Errorf("event %d: flow %v", i, ev)
			}
			fl := flows[id]
			if fl == nil {
				fl = &flow{}
				flows[id] = fl
			}
			if ph == "s" {
				fl.s, fl.si, fl.sts = ev, i, ts
				fl.ns++
			} else {
				if ev["bp"] != "e" {
					return fmt.Errorf("event %d: flow end not bound to its enclosing slice", i)
				}
				fl.f, fl.fi, fl.fts = ev, i, ts
				fl.nf++
			}
		default:
			return fmt.Errorf("event %d: phase %q", i, ph)
		}
	}

	for tr, ss := range slices {
		sort.SliceStable(ss, func(i, j int) bool {
			return ss[i].start < ss[j].start || (ss[i].start == ss[j].start && ss[i].dur > ss[j].dur)
		})
		var stack []span
		for _, s := range ss {
			for len(stack) > 0 {
				top := stack[len(stack)-1]
				end := top.start + top.dur
				if end < s.start || (end == s.start && !(top.dur == 0 && s.dur == 0)) {
					stack = stack[:len(stack)-1]
					continue
				}
				break
			}
			if len(stack) > 0 {
				if top := stack[len(stack)-1]; s.start+s.dur > top.start+top.dur {
					return fmt.Errorf("thread %d/%d: slice at %d+%d ends after its parent at %d+%d", tr.pid, tr.tid, s.start, s.dur, top.start, top.dur)
				}
			}
			stack = append(stack, s)
		}
	}

	for id, fl := range flows {
		if fl.ns != 1 || fl.nf != 1 {
			return fmt.Errorf("flow %d: %d starts and %d ends", id, fl.ns, fl.nf)
		}
		if fl.si > fl.fi || fl.sts > fl.fts {
			return fmt.Errorf("flow %d: the start (event %d, ts %d) is not before the end (event %d, ts %d)", id, fl.si, fl.sts, fl.fi, fl.fts)
		}
		spid, _ := intField(fl.s, "pid")
		stid, _ := intField(fl.s, "tid")
		if !starts[key{fl.sts, spid, stid}] {
			return fmt.Errorf("flow %d: no slice starts where it starts (%v)", id, fl.s)
		}
		fpid, _ := intField(fl.f, "pid")
		ftid, _ := intField(fl.f, "tid")
		if !starts[key{fl.fts, fpid, ftid}] && !ends[key{fl.fts, fpid, ftid}] {
			return fmt.Errorf("flow %d: no slice starts or ends where it ends (%v)", id, fl.f)
		}
	}

	// Cut after any event, the file needs only its "]": it is "[", then
	// one event per line, each but the last followed by ",", then "]", so
	// that every line between is an object of its own.
	lines := strings.Split(string(raw), "\n")
	if len(lines) < 3 || lines[0] != "[" || lines[len(lines)-2] != "]" || lines[len(lines)-1] != "" {
		return fmt.Errorf("the file is not \"[\", one event per line, \"]\"")
	}
	body := lines[1 : len(lines)-2]
	if len(body) == 1 && body[0] == "" {
		body = nil
	}
	for i, l := range body {
		l, comma := strings.CutSuffix(l, ",")
		if comma == (i == len(body)-1) || !strings.HasPrefix(l, "{") || !json.Valid([]byte(l)) {
			return fmt.Errorf("line %d is not one event and its comma: %q", i+2, lines[i+1])
		}
	}
	return nil
}

func intField(ev map[string]any, k string) (int64, error) {
	n, ok := ev[k].(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s: %v is not a number", k, ev[k])
	}
	return n.Int64()
}

// micros reads "ts" or "dur" as integer nanoseconds, exactly.
func micros(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%v is not a number", v)
	}
	whole, frac, _ := strings.Cut(n.String(), ".")
	if len(frac) > 3 {
		return 0, fmt.Errorf("%s has more than three decimals", n)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 {
		return 0, fmt.Errorf("%s: not a non-negative number", n)
	}
	f := 0
	if frac != "" {
		frac += strings.Repeat("0", 3-len(frac))
		if f, err = strconv.Atoi(frac); err != nil {
			return 0, err
		}
	}
	return w*1000 + int64(f), nil
}
