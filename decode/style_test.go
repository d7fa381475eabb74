package decode

import (
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// TestStyles: -X raw and verbose, and -e raw=, as strace 6.1 printed these
// calls (the expected strings are from real runs, with the fake memory's
// addresses).
func TestStyles(t *testing.T) {
	const info, status = 0x1000, 0x2000
	mem := fakeMemory{
		info:   words(128, 17, 0, 1, 0, 21905, 0, 3),  // CLD_EXITED, status 3
		status: words(4, 0x300),                       // exited 3
		0x3000: words(128, 17, 0, 2, 0, 30358, 0, 15), // CLD_KILLED by SIGTERM
	}
	waitid := [6]uint64{1, 21905, info, 0x1000004, 0}
	tests := []struct {
		name string
		c    syscalls.Call
		args [6]uint64
		rval int64
		cfg  Config
		want string
	}{
		{"raw style", syscalls.Waitid, waitid, 0, Config{Style: Raw},
			"waitid(0x1, 21905, {si_signo=17, si_code=0x1, si_pid=21905, si_uid=0, si_status=3, si_utime=0, si_stime=0}, 0x1000004, NULL) = 0"},
		{"verbose style", syscalls.Waitid, waitid, 0, Config{Style: Verbose},
			"waitid(0x1 /* P_PID */, 21905, {si_signo=17 /* SIGCHLD */, si_code=0x1 /* CLD_EXITED */, si_pid=21905, si_uid=0, si_status=3, si_utime=0, si_stime=0}, 0x1000004 /* WEXITED|WNOWAIT */, NULL) = 0"},
		{"verbose killed", syscalls.Waitid, [6]uint64{0, 0, 0x3000, 4, 0}, 0, Config{Style: Verbose},
			"waitid(0 /* P_ALL */, 0, {si_signo=17 /* SIGCHLD */, si_code=0x2 /* CLD_KILLED */, si_pid=30358, si_uid=0, si_status=15 /* SIGTERM */, si_utime=0, si_stime=0}, 0x4 /* WEXITED */, NULL) = 0"},
		{"raw killed", syscalls.Waitid, [6]uint64{0, 0, 0x3000, 4, 0}, 0, Config{Style: Raw},
			"waitid(0, 0, {si_signo=17, si_code=0x2, si_pid=30358, si_uid=0, si_status=15, si_utime=0, si_stime=0}, 0x4, NULL) = 0"},
		{"verbose zero options, status kept", syscalls.Wait4, [6]uint64{21905, status, 0, 0}, 21905, Config{Style: Verbose},
			"wait4(21905, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 21905"},
		{"raw call", syscalls.Waitid, waitid, 0, Config{Raw: true},
			"waitid(0x1, 0x5591, 0x1000, 0x1000004, 0) = 0"},
		{"raw call return", syscalls.Wait4, [6]uint64{0x75b8, status, 0, 0}, 0x75b8, Config{Raw: true},
			"wait4(0x75b8, 0x2000, 0, 0) = 0x75b8"},
		{"raw call error", syscalls.Wait4, [6]uint64{0xffffffff, status, 1, 0}, -10, Config{Raw: true},
			"wait4(0xffffffff, 0x2000, 0x1, 0) = -1 ECHILD (No child processes)"},
		{"no structures", syscalls.Wait4, [6]uint64{21905, status, 0, 0}, 21905, Config{NoStructs: true},
			"wait4(21905, 0x2000, 0, NULL) = 21905"},
	}
	for _, tc := range tests {
		d := Call(tc.c, syscalls.AMD64, tc.args, tc.rval, true, mem, tc.cfg)
		ret, _ := ReturnWith(tc.rval, tc.cfg)
		if got := tc.c.String() + "(" + d.EntryText + d.ExitText + ") = " + ret; got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
