package reaps

import (
	"testing"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/syscalls"
)

func TestWaitOf(t *testing.T) {
	status := func(ws decode.WaitStatus) *decode.WaitStatus { return &ws }
	info := func(pid, code int32) *decode.Siginfo { return &decode.Siginfo{Signo: 17, Pid: pid, Code: code} }
	tests := []struct {
		name string
		ev   event.Event
		want *Wait
	}{
		{"not an exit", event.Event{Kind: event.CallEntry, Syscall: "wait4"}, nil},
		{"exit collected", event.Event{Kind: event.CallExit, Syscall: "wait4", Raw: [6]uint64{0xffffffff, 0x1000, 0}, Return: 42, Status: status(0x300)},
			&Wait{Call: "wait4", Any: true, Rval: 42, Child: 42, State: Collected}},
		{"stop reported", event.Event{Kind: event.CallExit, Syscall: "wait4", Raw: [6]uint64{42, 0x1000, WUNTRACED}, Return: 42, Status: status(0x137f)},
			&Wait{Call: "wait4", Target: 42, Options: WUNTRACED, Rval: 42, Child: 42, State: Changed}},
		{"status unreadable", event.Event{Kind: event.CallExit, Syscall: "wait4", Raw: [6]uint64{42, 0x1000, 0}, Return: 42},
			&Wait{Call: "wait4", Target: 42, Rval: 42, Child: 42, State: Unknown}},
		{"no status pointer, no stop options", event.Event{Kind: event.CallExit, Syscall: "waitpid", Personality: syscalls.I386, Raw: [6]uint64{0, 0, 0}, Return: 7},
			&Wait{Call: "waitpid", Personality: 1, Rval: 7, Child: 7, State: Collected}},
		{"WNOHANG, none ready", event.Event{Kind: event.CallExit, Syscall: "wait4", Raw: [6]uint64{0xffffffff, 0x1000, WNOHANG}, Return: 0},
			&Wait{Call: "wait4", Any: true, Options: WNOHANG}},
		{"ECHILD", event.Event{Kind: event.CallExit, Syscall: "wait4", Raw: [6]uint64{0xffffffff}, Return: -1, IsErr: true, Errno: 10},
			&Wait{Call: "wait4", Any: true, Rval: -10, Errno: 10}},
		{"waitid P_PID collected", event.Event{Kind: event.CallExit, Syscall: "waitid", Raw: [6]uint64{idPPid, 9, 0x2000, 4}, CallSiginfo: info(9, cldExited)},
			&Wait{Call: "waitid", Target: 9, Options: 4, Child: 9, State: Collected}},
		{"waitid WNOWAIT peeks", event.Event{Kind: event.CallExit, Syscall: "waitid", Raw: [6]uint64{idPAll, 0, 0x2000, 4 | WNOWAIT}, CallSiginfo: info(9, cldExited)},
			&Wait{Call: "waitid", Any: true, Options: 4 | WNOWAIT, Child: 9, State: Peeked}},
		{"waitid stop", event.Event{Kind: event.CallExit, Syscall: "waitid", Raw: [6]uint64{idPAll, 0, 0x2000, 2}, CallSiginfo: info(9, 5)},
			&Wait{Call: "waitid", Any: true, Options: 2, Child: 9, State: Changed}},
		{"waitid WNOHANG none", event.Event{Kind: event.CallExit, Syscall: "waitid", Raw: [6]uint64{idPAll, 0, 0x2000, 5}, CallSiginfo: &decode.Siginfo{}},
			&Wait{Call: "waitid", Any: true, Options: 5}},
	}
	for _, tc := range tests {
		got := waitOf(&tc.ev)
		switch {
		case got == nil && tc.want == nil:
		case got == nil || tc.want == nil || *got != *tc.want:
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
