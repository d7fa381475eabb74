package decode

import (
	"encoding/json"
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// countingMemory counts the reads of tracee memory.
type countingMemory struct {
	fakeMemory
	reads map[uint64]int
}

func (m *countingMemory) ReadMemory(addr uint64, p []byte) error {
	m.reads[addr]++
	return m.fakeMemory.ReadMemory(addr, p)
}

// TestCallReadsOnce: one decode gives the text, the values and the typed
// results, reading each pointer once.
func TestCallReadsOnce(t *testing.T) {
	mem := &countingMemory{fakeMemory: fakeMemory{
		0x1000: words(4, 0x300),
		0x2000: longs(144, 1, 2, 3, 4),
		0x3000: words(128, 17, 0, 1, 0, 100, 0, 22, 0, 5),
	}, reads: map[uint64]int{}}
	d := Call(syscalls.Wait4, syscalls.AMD64, [6]uint64{0xffffffff, 0x1000, 1, 0x2000}, 100, true, mem, Config{})
	if want := "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], WNOHANG, {ru_utime={tv_sec=1, tv_usec=2}, ru_stime={tv_sec=3, tv_usec=4}, ...}"; d.ExitText != want {
		t.Errorf("ExitText = %q, want %q", d.ExitText, want)
	}
	if d.EntryText != "-1, " {
		t.Errorf("EntryText = %q", d.EntryText)
	}
	if d.Status == nil || *d.Status != 0x300 || d.Rusage == nil || d.Rusage.Utime.Sec != 1 || d.Siginfo != nil {
		t.Errorf("typed results: status %v rusage %v siginfo %v", d.Status, d.Rusage, d.Siginfo)
	}
	for addr, n := range mem.reads {
		if n != 1 {
			t.Errorf("%#x read %d times, want once", addr, n)
		}
	}
	b, err := json.Marshal(d.Args)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"name":"pid","type":"pid","value":-1,"raw":4294967295},` +
		`{"name":"status","type":"wait_status","value":{"raw":768,"exited":true,"exitStatus":3,"signaled":false,"termSignal":0,"coreDumped":false,"stopped":false,"stopSignal":0,"continued":false,"ptraceEvent":0,"text":"[{WIFEXITED(s) \u0026\u0026 WEXITSTATUS(s) == 3}]"},"raw":4096},` +
		`{"name":"options","type":"wait_options","value":["WNOHANG"],"raw":1},` +
		`{"name":"rusage","type":"rusage","value":{"utime":{"sec":1,"usec":2},"stime":{"sec":3,"usec":4},"maxrss":0,"ixrss":0,"idrss":0,"isrss":0,"minflt":0,"majflt":0,"nswap":0,"inblock":0,"oublock":0,"msgsnd":0,"msgrcv":0,"nsignals":0,"nvcsw":0,"nivcsw":0},"raw":8192}]`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}

	mem.reads = map[uint64]int{}
	d = Call(syscalls.Waitid, syscalls.AMD64, [6]uint64{0, 0, 0x3000, 4, 0}, 0, true, mem, Config{})
	if d.Siginfo == nil || d.Siginfo.Pid != 100 || mem.reads[0x3000] != 1 {
		t.Errorf("waitid: siginfo %+v, %d reads", d.Siginfo, mem.reads[0x3000])
	}
	// At entry nothing is read and only the entry arguments are known.
	mem.reads = map[uint64]int{}
	d = Call(syscalls.Waitid, syscalls.AMD64, [6]uint64{1, 42, 0x3000, 4, 0}, 0, false, mem, Config{})
	if len(mem.reads) != 0 || len(d.Args) != 2 || d.EntryText != "P_PID, 42, " || d.ExitText != "" {
		t.Errorf("entry: reads %v, args %+v, %q %q", mem.reads, d.Args, d.EntryText, d.ExitText)
	}
}
