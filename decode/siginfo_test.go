package decode

import (
	"strings"
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// siginfoCase is a siginfo_t given as its leading 32-bit words.
type siginfoCase struct {
	words []uint32
	want  string
}

// 64-bit layout (x86_64, aarch64): si_signo, si_errno, si_code, padding,
// then the union at offset 16 (word 4). Expected strings were taken from
// strace 6.1 decoding waitid's infop.
var siginfo64Cases = []siginfoCase{
	{nil, "{}"},
	{[]uint32{0, 5, 1, 0, 100, 1000, 200}, "{}"},
	{[]uint32{17, 0, 1, 0, 100, 0, 22, 0, 5, 0, 6, 0},
		"{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=100, si_uid=0, si_status=22, si_utime=5 /* 0.05 s */, si_stime=6 /* 0.06 s */}"},
	{[]uint32{17, 0, 2, 0, 100, 0, 15, 0, 5, 0, 6, 0},
		"{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=100, si_uid=0, si_status=SIGTERM, si_utime=5 /* 0.05 s */, si_stime=6 /* 0.06 s */}"},
	{[]uint32{17, 0, 3, 0, 100, 1000, 11, 0},
		"{si_signo=SIGCHLD, si_code=CLD_DUMPED, si_pid=100, si_uid=1000, si_status=SIGSEGV, si_utime=0, si_stime=0}"},
	{[]uint32{17, 0, 4, 0, 100, 1000, 0x85, 0},
		"{si_signo=SIGCHLD, si_code=CLD_TRAPPED, si_pid=100, si_uid=1000, si_status=133, si_utime=0, si_stime=0}"},
	{[]uint32{17, 0, 5, 0, 100, 1000, neg(1), 0},
		"{si_signo=SIGCHLD, si_code=CLD_STOPPED, si_pid=100, si_uid=1000, si_status=-1, si_utime=0, si_stime=0}"},
	{[]uint32{17, 0, 6, 0, 100, 1000, 200, 0},
		"{si_signo=SIGCHLD, si_code=CLD_CONTINUED, si_pid=100, si_uid=1000, si_status=200, si_utime=0, si_stime=0}"},
	{[]uint32{17, 0, 7, 0, 100, 1000, 200, 0},
		"{si_signo=SIGCHLD, si_code=0x7, si_pid=100, si_uid=1000, si_status=200, si_utime=0, si_stime=0}"},
	{[]uint32{17, 0, 2, 0, 1, 2, 64, 0},
		"{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=1, si_uid=2, si_status=SIGRT_32, si_utime=0, si_stime=0}"},
	{[]uint32{17, 0, 1, 0, 100, 1000, 200, 0, 0xffffffff, 0xffffffff, 5, 1},
		"{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=100, si_uid=1000, si_status=200, si_utime=18446744073709551615 /* 184467440737095516.15 s */, si_stime=4294967301 /* 42949673.01 s */}"},
	{[]uint32{17, 0, 1, 0, neg(5), neg(2), neg(3)},
		"{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=-5, si_uid=4294967294, si_status=-3, si_utime=0, si_stime=0}"},
	{[]uint32{17, 22, 0, 0, 100, 1000, 200, 0},
		"{si_signo=SIGCHLD, si_code=SI_USER, si_errno=EINVAL, si_pid=100, si_uid=1000}"},
	{[]uint32{17, 0, 0, 0, neg(5), neg(1)},
		"{si_signo=SIGCHLD, si_code=SI_USER, si_pid=-5, si_uid=-1}"},
	{[]uint32{17, 0, neg(1), 0, 100, 1000, 200, 0},
		"{si_signo=SIGCHLD, si_code=SI_QUEUE, si_pid=100, si_uid=1000, si_int=200, si_ptr=0xc8}"},
	{[]uint32{17, 5000, neg(100), 0, 1, 2, 3, 4},
		"{si_signo=SIGCHLD, si_code=0xffffff9c, si_errno=5000, si_pid=1, si_uid=2, si_int=3, si_ptr=0x400000003}"},
	{[]uint32{17, 4095, neg(2), 0, 0x11, 0x22, 0x33, 0x44},
		"{si_signo=SIGCHLD, si_code=SI_TIMER, si_errno=4095, si_timerid=0x11, si_overrun=34, si_int=51, si_ptr=0x4400000033}"},
	{[]uint32{17, 0, neg(2)},
		"{si_signo=SIGCHLD, si_code=SI_TIMER, si_timerid=0, si_overrun=0, si_int=0, si_ptr=NULL}"},
	{[]uint32{17, neg(1), neg(5), 0, 0x11, 0x22, 0x33, 0x44},
		"{si_signo=SIGCHLD, si_code=SI_SIGIO, si_errno=4294967295, si_band=146028888081, si_fd=51}"},
	{[]uint32{17, 512, neg(3), 0, 1, 2},
		"{si_signo=SIGCHLD, si_code=SI_MESGQ, si_errno=ERESTARTSYS, si_pid=1, si_uid=2}"},
	{[]uint32{17, 0, neg(4), 0, 1, 2, 3},
		"{si_signo=SIGCHLD, si_code=SI_ASYNCIO, si_pid=1, si_uid=2, si_int=3, si_ptr=0x3}"},
	{[]uint32{17, 0, neg(7), 0, 1, 2}, "{si_signo=SIGCHLD, si_code=SI_DETHREAD, si_pid=1, si_uid=2}"},
	{[]uint32{17, 0, neg(60), 0, 1, 2}, "{si_signo=SIGCHLD, si_code=SI_ASYNCNL, si_pid=1, si_uid=2}"},
	{[]uint32{17, 0, neg(8)}, "{si_signo=SIGCHLD, si_code=0xfffffff8, si_pid=0, si_uid=0}"},
	{[]uint32{17, 0, 0x80000000}, "{si_signo=SIGCHLD, si_code=0x80000000, si_pid=0, si_uid=0}"},
	{[]uint32{17, 0, 0x81}, "{si_signo=SIGCHLD, si_code=0x81, si_pid=0, si_uid=0, si_status=0, si_utime=0, si_stime=0}"},
	{[]uint32{15, 0, neg(6), 0, 0x1000, 0x7fff, 200},
		"{si_signo=SIGTERM, si_code=SI_TKILL, si_pid=4096, si_uid=32767}"},
	{[]uint32{65, 0, neg(6), 0, 1, 1}, "{si_signo=65, si_code=SI_TKILL, si_pid=1, si_uid=1}"},
	{[]uint32{10, 0, 0x80, 0, 0x1000, 0x7fff, 200},
		"{si_signo=SIGUSR1, si_code=SI_KERNEL, si_pid=4096, si_uid=32767, si_int=200, si_ptr=0xc8}"},
	{[]uint32{16, 0, 0x80}, "{si_signo=SIGSTKFLT, si_code=SI_KERNEL}"},
	{[]uint32{19, 0, 0x80, 0, 1}, "{si_signo=SIGSTOP, si_code=SI_KERNEL, si_pid=1, si_uid=0}"},
	{[]uint32{19, 0, 0x80, 0, 0, 0, 1}, "{si_signo=SIGSTOP, si_code=SI_KERNEL, si_int=1, si_ptr=0x1}"},
	{[]uint32{99, 0, 5, 0, 0x1000, 0x7fff, 200},
		"{si_signo=99, si_code=0x5, si_pid=4096, si_uid=32767, si_int=200, si_ptr=0xc8}"},
	{[]uint32{99, 0, 5}, "{si_signo=99, si_code=0x5}"},
	{[]uint32{0x40000000, 0, 1}, "{si_signo=1073741824, si_code=0x1}"},
	{[]uint32{neg(1), 0, 1}, "{si_signo=-1, si_code=0x1}"},
	{[]uint32{27, 0, 1, 0, 0x11, 0x22}, "{si_signo=SIGPROF, si_code=0x1, si_pid=17, si_uid=34}"},
	{[]uint32{11, 0, 1, 0, 0x1000, 0x7fff}, "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x7fff00001000}"},
	{[]uint32{11, 0, 99, 0, 0x1000, 0x7fff}, "{si_signo=SIGSEGV, si_code=0x63, si_addr=0x7fff00001000}"},
	{[]uint32{11, 0, 0x80, 0, 0x1000, 0x7fff}, "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=0x7fff00001000}"},
	{[]uint32{11, 0, 3, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66},
		"{si_signo=SIGSEGV, si_code=SEGV_BNDERR, si_addr=0x2200000011, si_lower=0x6600000055, si_upper=NULL}"},
	{[]uint32{11, 0, 4, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66},
		"{si_signo=SIGSEGV, si_code=SEGV_PKUERR, si_addr=0x2200000011, si_pkey=85}"},
	{[]uint32{11, 0, 9}, "{si_signo=SIGSEGV, si_code=SEGV_MTESERR, si_addr=NULL}"},
	{[]uint32{11, 0, 10, 0, 0x11, 0x22}, "{si_signo=SIGSEGV, si_code=0xa, si_addr=0x2200000011}"},
	{[]uint32{7, 0, 4, 0, 0x11, 0x22, 0x1234, 0x44},
		"{si_signo=SIGBUS, si_code=BUS_MCEERR_AR, si_addr=0x2200000011, si_addr_lsb=0x1234}"},
	{[]uint32{7, 0, 5, 0, 0x11, 0x22, 0xffff},
		"{si_signo=SIGBUS, si_code=BUS_MCEERR_AO, si_addr=0x2200000011, si_addr_lsb=0xffff}"},
	{[]uint32{7, 0, 3, 0, 0x11, 0x22, 0x1234}, "{si_signo=SIGBUS, si_code=BUS_OBJERR, si_addr=0x2200000011}"},
	{[]uint32{7, 0, 6}, "{si_signo=SIGBUS, si_code=0x6, si_addr=NULL}"},
	{[]uint32{5, 0, 6, 0, 0x11, 0x22, 0x33, 0x44, 1, 3}, "{si_signo=SIGTRAP, si_code=TRAP_PERF, si_addr=0x2200000011}"},
	{[]uint32{5, 0, 2}, "{si_signo=SIGTRAP, si_code=TRAP_TRACE, si_addr=NULL}"},
	{[]uint32{5, 0, 7}, "{si_signo=SIGTRAP, si_code=0x7, si_addr=NULL}"},
	{[]uint32{5, 0, 0x80, 0, 1}, "{si_signo=SIGTRAP, si_code=SI_KERNEL, si_addr=0x1}"},
	{[]uint32{4, 0, 1, 0, 0x11, 0x22}, "{si_signo=SIGILL, si_code=ILL_ILLOPC, si_addr=0x2200000011}"},
	{[]uint32{4, 0, 9, 0, 0x11, 0x22}, "{si_signo=SIGILL, si_code=ILL_BADIADDR, si_addr=0x2200000011}"},
	{[]uint32{4, 0, 10}, "{si_signo=SIGILL, si_code=0xa, si_addr=NULL}"},
	{[]uint32{8, 0, 9}, "{si_signo=SIGFPE, si_code=0x9, si_addr=NULL}"},
	{[]uint32{8, 0, 14}, "{si_signo=SIGFPE, si_code=FPE_FLTUNK, si_addr=NULL}"},
	{[]uint32{8, 0, 15, 0, 0x11, 0x22}, "{si_signo=SIGFPE, si_code=FPE_CONDTRAP, si_addr=0x2200000011}"},
	{[]uint32{29, 0, 1, 0, 0x11, 0x22, 0x33, 0x44}, "{si_signo=SIGIO, si_code=POLL_IN, si_band=146028888081, si_fd=51}"},
	{[]uint32{29, 0, 4, 0, 0x11, 0x22, 0x33, 0x44}, "{si_signo=SIGIO, si_code=POLL_ERR, si_band=146028888081, si_fd=51}"},
	{[]uint32{29, 0, 6}, "{si_signo=SIGIO, si_code=POLL_HUP, si_band=0, si_fd=0}"},
	{[]uint32{29, 0, 7}, "{si_signo=SIGIO, si_code=0x7}"},
	{[]uint32{29, 0, 0, 0, 0x11, 0x22, 0x33, 0x44}, "{si_signo=SIGIO, si_code=SI_USER, si_pid=17, si_uid=34}"},
	{[]uint32{31, 0, 1, 0, 0x11, 0x22, 61, 0xc000003e},
		"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x2200000011, si_syscall=__NR_wait4, si_arch=AUDIT_ARCH_X86_64}"},
	{[]uint32{31, 0, 1, 0, 0x11, 0x22, 7, 0x40000003},
		"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x2200000011, si_syscall=7 /* waitpid */, si_arch=AUDIT_ARCH_I386}"},
	{[]uint32{31, 0, 2, 0, 0x11, 0x22, 9999, 0x1234},
		"{si_signo=SIGSYS, si_code=SYS_USER_DISPATCH, si_call_addr=0x2200000011, si_syscall=9999, si_arch=0x1234 /* AUDIT_ARCH_??? */}"},
	{[]uint32{31, 0, 1, 0, 0x11, 0x22, neg(1), 0xc000003e},
		"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x2200000011, si_syscall=4294967295, si_arch=AUDIT_ARCH_X86_64}"},
	{[]uint32{31, 0, 1, 0, 0x11, 0x22, 0, 0xc00000b7},
		"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x2200000011, si_syscall=0, si_arch=AUDIT_ARCH_AARCH64}"},
	{[]uint32{31, 0, 3}, "{si_signo=SIGSYS, si_code=0x3, si_call_addr=NULL, si_syscall=0, si_arch=0 /* AUDIT_ARCH_??? */}"},
}

// i386 layout: the union starts at offset 12 (word 3) and longs and
// pointers are 4 bytes. Expected strings were taken from strace 6.1
// tracing a 32-bit program.
var siginfo32Cases = []siginfoCase{
	{[]uint32{17, 0, 1, 100, 1000, 22, 5, 6},
		"{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=100, si_uid=1000, si_status=22, si_utime=5 /* 0.05 s */, si_stime=6 /* 0.06 s */}"},
	{[]uint32{17, 0, 2, 100, 1000, 15, 0xffffffff, 0x80000000},
		"{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=100, si_uid=1000, si_status=SIGTERM, si_utime=18446744073709551615 /* 184467440737095516.15 s */, si_stime=18446744071562067968 /* 184467440715620679.68 s */}"},
	{[]uint32{11, 0, 1, 0xdeadbeef, 5, 6}, "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0xdeadbeef}"},
	{[]uint32{17, 0, neg(1), 100, 1000, 0x12345678, 5},
		"{si_signo=SIGCHLD, si_code=SI_QUEUE, si_pid=100, si_uid=1000, si_int=305419896, si_ptr=0x12345678}"},
	{[]uint32{17, 0, neg(2), 0x11, 0x22, 0x33, 5},
		"{si_signo=SIGCHLD, si_code=SI_TIMER, si_timerid=0x11, si_overrun=34, si_int=51, si_ptr=0x33}"},
	{[]uint32{29, 0, 1, 0xffffffff, 0x22, 0x33, 5}, "{si_signo=SIGIO, si_code=POLL_IN, si_band=-1, si_fd=34}"},
	{[]uint32{7, 0, 4, 0x11, 0x1234, 0x33, 5},
		"{si_signo=SIGBUS, si_code=BUS_MCEERR_AR, si_addr=0x11, si_addr_lsb=0x1234}"},
	{[]uint32{11, 0, 3, 0x11, 0x1234, 0x33, 5},
		"{si_signo=SIGSEGV, si_code=SEGV_BNDERR, si_addr=0x11, si_lower=0x33, si_upper=0x5}"},
	{[]uint32{11, 0, 4, 0x11, 0x1234, 0x33, 5}, "{si_signo=SIGSEGV, si_code=SEGV_PKUERR, si_addr=0x11, si_pkey=51}"},
	{[]uint32{31, 0, 1, 0x11, 7, 0x40000003, 5},
		"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x11, si_syscall=__NR_waitpid, si_arch=AUDIT_ARCH_I386}"},
	{[]uint32{31, 0, 1, 0x11, 61, 0xc000003e, 5},
		"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x11, si_syscall=61 /* wait4 */, si_arch=AUDIT_ARCH_X86_64}"},
}

func TestSiginfoString(t *testing.T) {
	run := func(p syscalls.Personality, cases []siginfoCase) {
		for _, tt := range cases {
			si, err := ParseSiginfo(words(128, tt.words...), p)
			if err != nil {
				t.Fatalf("ParseSiginfo(%s, %#x): %v", p, tt.words, err)
			}
			if got := si.String(); got != tt.want {
				t.Errorf("%s siginfo %#x:\n got  %s\n want %s", p, tt.words, got, tt.want)
			}
		}
	}
	run(syscalls.AMD64, siginfo64Cases)
	run(syscalls.I386, siginfo32Cases)
}

// TestSiginfoARM64 checks that aarch64 shares the 64-bit layout but names
// si_syscall from its own table.
func TestSiginfoARM64(t *testing.T) {
	si, err := ParseSiginfo(words(128, 31, 0, 1, 0, 0x11, 0x22, 260, 0xc00000b7), syscalls.ARM64)
	if err != nil {
		t.Fatal(err)
	}
	want := "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x2200000011, si_syscall=__NR_wait4, si_arch=AUDIT_ARCH_AARCH64}"
	if got := si.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	si, err = ParseSiginfo(words(128, 17, 0, 1, 0, 100, 0, 22, 0, 5, 0, 6, 0), syscalls.ARM64)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := si.String(), siginfo64Cases[2].want; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseSiginfoShort(t *testing.T) {
	_, err := ParseSiginfo(make([]byte, 127), syscalls.AMD64)
	if err == nil || !strings.Contains(err.Error(), "siginfo") {
		t.Errorf("ParseSiginfo(127 bytes) error = %v, want a siginfo error", err)
	}
}

func FuzzSiginfo(f *testing.F) {
	for _, tt := range siginfo64Cases {
		f.Add(words(128, tt.words...), false)
	}
	for _, tt := range siginfo32Cases {
		f.Add(words(128, tt.words...), true)
	}
	f.Add([]byte{1, 2, 3}, false)
	f.Fuzz(func(t *testing.T, b []byte, i386 bool) {
		p := syscalls.AMD64
		if i386 {
			p = syscalls.I386
		}
		si, err := ParseSiginfo(b, p)
		if err != nil {
			if len(b) >= SiginfoSize(p) {
				t.Fatalf("ParseSiginfo(%d bytes): %v", len(b), err)
			}
			return
		}
		out := si.String()
		if !strings.HasPrefix(out, "{") || !strings.HasSuffix(out, "}") {
			t.Fatalf("Siginfo.String() = %q: not braced", out)
		}
	})
}

// Taken from strace 6.1: si_syscall is named from the full syscall tables.
func TestSiginfoSyscallNames(t *testing.T) {
	tests := []siginfoCase{
		{[]uint32{31, 0, 6, 0, 0xff, 0xfffffff7, 0x11c, 0xc000003e},
			"{si_signo=SIGSYS, si_code=0x6, si_call_addr=0xfffffff7000000ff, si_syscall=__NR_eventfd, si_arch=AUDIT_ARCH_X86_64}"},
		{[]uint32{31, 0, 1, 0, 0, 0xfa, 7, 0xc000003e},
			"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0xfa00000000, si_syscall=__NR_poll, si_arch=AUDIT_ARCH_X86_64}"},
		{[]uint32{31, 22, 5, 0, 0, 0x6d, 0x7f, 0x40000003},
			"{si_signo=SIGSYS, si_code=0x5, si_errno=EINVAL, si_call_addr=0x6d00000000, si_syscall=127 /* create_module */, si_arch=AUDIT_ARCH_I386}"},
		{[]uint32{31, 0, 1, 0, 0x11, 0x22, 1000, 0xc000003e},
			"{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x2200000011, si_syscall=1000, si_arch=AUDIT_ARCH_X86_64}"},
	}
	for _, tt := range tests {
		si, err := ParseSiginfo(words(128, tt.words...), syscalls.AMD64)
		if err != nil {
			t.Fatal(err)
		}
		if got := si.String(); got != tt.want {
			t.Errorf("siginfo %#x:\n got  %s\n want %s", tt.words, got, tt.want)
		}
	}
}
