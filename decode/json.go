package decode

import (
	"encoding/json"
	"strings"

	"github.com/waittrace/waittrace/syscalls"
)

// This file gives structured (JSON-friendly) views of the decoded values,
// for waittrace's --json and table output. The text forms stay in the
// other files.

// WaitStatusValue is a wait status taken apart, with the raw int.
type WaitStatusValue struct {
	Raw            uint32 `json:"raw"`
	Exited         bool   `json:"exited"`
	ExitStatus     int    `json:"exitStatus"`
	Signaled       bool   `json:"signaled"`
	TermSignal     int    `json:"termSignal"`
	TermSignalName string `json:"termSignalName,omitempty"`
	CoreDumped     bool   `json:"coreDumped"`
	Stopped        bool   `json:"stopped"`
	StopSignal     int    `json:"stopSignal"`
	StopSignalName string `json:"stopSignalName,omitempty"`
	Continued      bool   `json:"continued"`
	PtraceEvent    int    `json:"ptraceEvent"`
	Text           string `json:"text"`
}

// Fields returns w taken apart. Only the fields of the status's own form are
// set: ExitStatus for an exit, TermSignal for a death, StopSignal for a stop.
func (w WaitStatus) Fields() WaitStatusValue {
	v := WaitStatusValue{Raw: uint32(w), Continued: w.Continued(), Text: w.String()}
	switch {
	case w.Stopped():
		v.Stopped = true
		v.StopSignal = w.StopSignal()
		v.StopSignalName = Signal(v.StopSignal & 0x7f)
		v.PtraceEvent = w.PtraceEvent()
	case w.Signaled():
		v.Signaled, v.TermSignal, v.CoreDumped = true, w.TermSignal(), w.CoreDumped()
		v.TermSignalName = Signal(v.TermSignal)
	case w.Exited():
		v.Exited, v.ExitStatus = true, w.ExitStatus()
	}
	return v
}

// Names returns the options as a list of flag names, in strace's order; bits
// without a name come last as one "0x..." entry. Zero gives an empty list.
func (o WaitOptions) Names() []string {
	s := o.String()
	if s == "0" {
		return []string{}
	}
	s, _, _ = strings.Cut(s, " /* ")
	return strings.Split(s, "|")
}

// SiginfoValue is a siginfo_t with named signal and code. Fields that do
// not apply to the signal and code are zero.
type SiginfoValue struct {
	Signo    int32  `json:"signo"`
	Signal   string `json:"signal,omitempty"`
	Code     int32  `json:"code"`
	CodeName string `json:"codeName,omitempty"`
	Errno    int32  `json:"errno"`
	Pid      int32  `json:"pid"`
	Uid      uint32 `json:"uid"`
	Status   int32  `json:"status"`
	Utime    int64  `json:"utime"`
	Stime    int64  `json:"stime"`
	Value    uint64 `json:"value"`
	Addr     uint64 `json:"addr"`
	Syscall  int32  `json:"syscall"`
	Arch     uint32 `json:"arch"`
	Text     string `json:"text"`
}

// Fields returns the siginfo's fields; Text is strace's form of it.
func (s Siginfo) Fields() SiginfoValue {
	v := SiginfoValue{Signo: s.Signo, Code: s.Code, Errno: s.Errno, Text: s.String()}
	if s.Signo == 0 {
		return v
	}
	v.Signal = Signal(int(s.Signo))
	v.CodeName, _ = siCode(s.Code, s.Signo)
	switch {
	case s.Code <= 0 || s.Signo == sigCHLD:
		v.Pid, v.Uid, v.Value = s.Pid, s.Uid, s.Value
		if s.Signo == sigCHLD && s.Code > 0 {
			v.Status, v.Utime, v.Stime, v.Value = s.Status, s.Utime, s.Stime, 0
		}
	case s.Signo == sigSYS:
		v.Addr, v.Syscall, v.Arch = s.CallAddr, s.Syscall, s.Arch
	case s.Signo == sigILL || s.Signo == sigFPE || s.Signo == sigTRAP || s.Signo == sigBUS || s.Signo == sigSEGV:
		v.Addr = s.Addr
	default:
		v.Pid, v.Uid, v.Value = s.Pid, s.Uid, s.Value
	}
	return v
}

// TimevalValue is a struct timeval.
type TimevalValue struct {
	Sec  int64  `json:"sec"`
	Usec uint64 `json:"usec"`
}

// RusageValue is a struct rusage with every field.
type RusageValue struct {
	Utime    TimevalValue `json:"utime"`
	Stime    TimevalValue `json:"stime"`
	Maxrss   uint64       `json:"maxrss"`
	Ixrss    uint64       `json:"ixrss"`
	Idrss    uint64       `json:"idrss"`
	Isrss    uint64       `json:"isrss"`
	Minflt   uint64       `json:"minflt"`
	Majflt   uint64       `json:"majflt"`
	Nswap    uint64       `json:"nswap"`
	Inblock  uint64       `json:"inblock"`
	Oublock  uint64       `json:"oublock"`
	Msgsnd   uint64       `json:"msgsnd"`
	Msgrcv   uint64       `json:"msgrcv"`
	Nsignals uint64       `json:"nsignals"`
	Nvcsw    uint64       `json:"nvcsw"`
	Nivcsw   uint64       `json:"nivcsw"`
}

// Fields returns every field of r (counters unsigned, as strace prints them).
func (r Rusage) Fields() RusageValue {
	tv := func(t Timeval) TimevalValue { return TimevalValue{Sec: t.Sec, Usec: uint64(t.Usec)} }
	return RusageValue{
		Utime: tv(r.Utime), Stime: tv(r.Stime),
		Maxrss: uint64(r.Maxrss), Ixrss: uint64(r.Ixrss), Idrss: uint64(r.Idrss), Isrss: uint64(r.Isrss),
		Minflt: uint64(r.Minflt), Majflt: uint64(r.Majflt), Nswap: uint64(r.Nswap), Inblock: uint64(r.Inblock),
		Oublock: uint64(r.Oublock), Msgsnd: uint64(r.Msgsnd), Msgrcv: uint64(r.Msgrcv),
		Nsignals: uint64(r.Nsignals), Nvcsw: uint64(r.Nvcsw), Nivcsw: uint64(r.Nivcsw),
	}
}

// ArgValue is one argument of a call, as a value and as text. Value is an
// int64 (pids, ids, ints), a string (the idtype), WaitOptions, a
// WaitStatus, Siginfo or Rusage (each marshals to JSON as its Fields, the
// options as a list of names), or nil (NULL, or memory not decoded or not
// readable). Raw is the argument's register value (the address, for
// pointers); Text is what strace prints for it.
type ArgValue struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Value   any    `json:"value"`
	Raw     uint64 `json:"raw"`
	Pointer bool   `json:"-"`
	Text    string `json:"-"`
}

// Values decodes the arguments of c as structures: Call's Args. At entry
// (exit false) only the arguments strace prints at entry are returned.
func Values(c syscalls.Call, p syscalls.Personality, args [6]uint64, rval int64, exit bool, mem Memory) []ArgValue {
	return Call(c, p, args, rval, exit, mem, Config{}).Args
}

// MarshalJSON writes the status taken apart (Fields).
func (w WaitStatus) MarshalJSON() ([]byte, error) { return json.Marshal(w.Fields()) }

// MarshalJSON writes the options as a list of names (Names).
func (o WaitOptions) MarshalJSON() ([]byte, error) { return json.Marshal(o.Names()) }

// MarshalJSON writes the siginfo's fields (Fields).
func (s Siginfo) MarshalJSON() ([]byte, error) { return json.Marshal(s.Fields()) }

// MarshalJSON writes every field of the rusage (Fields).
func (r Rusage) MarshalJSON() ([]byte, error) { return json.Marshal(r.Fields()) }
