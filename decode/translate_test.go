package decode

import (
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// nsNames is a tracee in a pid namespace of its own: its pid 2 is 4242
// in waittrace's, its group 2 is 4242 too, pid 1 is 4241; fd 3 is a
// pidfd of 4242, fd 4 a pidfd of a reaped process, fd 5 a file.
type nsNames struct{ show bool }

func (n nsNames) Comm(pid int) (string, bool) {
	switch pid {
	case 4242:
		return "kid", true
	case 4241:
		return "init", true
	}
	return "", false
}

func (nsNames) FdPath(fd int) (string, bool) {
	switch fd {
	case 3, 4:
		return "anon_inode:[pidfd]", true
	case 5:
		return "/tmp/f", true
	}
	return "", false
}

func (nsNames) Translate(id int, pgid bool) (int, bool) {
	switch {
	case id == 2:
		return 4242, true
	case id == 1 && !pgid:
		return 4241, true
	}
	return 0, false
}

func (n nsNames) ShowTranslation() bool { return n.show }

func (nsNames) PidfdPid(fd int) (int, bool) {
	switch fd {
	case 3:
		return 4242, true
	case 4:
		return -1, true
	}
	return 0, false
}

// The texts are strace 6.1's, from -Y --pidns-translation and -yy runs
// over a program in its own pid namespace (unshare -pf).
func TestTranslatedPids(t *testing.T) {
	show, hide := nsNames{show: true}, nsNames{}
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"pid", pidText(show, 2), "2<kid> /* 4242 in strace's PID NS */"},
		{"pid -Y only", pidText(hide, 2), "2<kid>"},
		{"gone", pidText(show, 7), "7"},
		{"group", pidText(show, -2), "-2 /* 4242 in strace's PID NS */"},
		{"any", pidText(show, -1), "-1"},
		{"zero", pidText(show, 0), "0"},
		{"pgid never named", pgidText(show, 2), "2 /* 4242 in strace's PID NS */"},
		{"pgid unknown", pgidText(show, 1), "1"},
		{"pidfd", fdText(show, 3), "3<pid:4242<kid>>"},
		{"pidfd of the reaped", fdText(show, 4), "4<anon_inode:[pidfd]>"},
		{"not a pidfd", fdText(show, 5), "5</tmp/f>"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestCallReturnNamesPids(t *testing.T) {
	cfg := Config{Names: nsNames{show: true}}
	for _, tc := range []struct {
		c    syscalls.Call
		rval int64
		raw  bool
		want string
	}{
		{syscalls.Wait4, 2, false, "2<kid> /* 4242 in strace's PID NS */"},
		{syscalls.Waitpid, 2, false, "2<kid> /* 4242 in strace's PID NS */"},
		{syscalls.Wait4, 7, false, "7"}, // reaped: gone
		{syscalls.Wait4, 0, false, "0"},
		{syscalls.Wait4, -10, false, "-1 ECHILD (No child processes)"},
		{syscalls.Wait4, 2, true, "0x2"},
		{syscalls.Waitid, 0, false, "0"},
	} {
		c := cfg
		c.Raw = tc.raw
		if got, _ := CallReturn(tc.c, tc.rval, c); got != tc.want {
			t.Errorf("CallReturn(%v, %d, raw %v) = %q, want %q", tc.c, tc.rval, tc.raw, got, tc.want)
		}
	}
}

func TestWaitidIDs(t *testing.T) {
	n := nsNames{show: true}
	for _, tc := range []struct {
		idtype uint64
		want   string
	}{
		{pPID, "2<kid> /* 4242 in strace's PID NS */"},
		{pPGID, "2 /* 4242 in strace's PID NS */"},
		{0, "2"}, // P_ALL: the id means nothing
	} {
		if got := formatScalar(syscalls.KindWaitID, 2, tc.idtype, n, Abbrev); got != tc.want {
			t.Errorf("idtype %d: %q, want %q", tc.idtype, got, tc.want)
		}
	}
}
