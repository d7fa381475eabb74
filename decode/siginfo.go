package decode

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/syscalls"
)

// siginfoSize is sizeof(siginfo_t) on every supported ABI.
const siginfoSize = 128

// SiginfoSize returns sizeof(siginfo_t) for p.
func SiginfoSize(p syscalls.Personality) int { return siginfoSize }

// Siginfo is a decoded siginfo_t. siginfo_t is mostly a union whose live
// member depends on si_signo and si_code, so ParseSiginfo fills every
// field from its offset in the layout and String picks the ones strace
// prints; fields that share storage therefore alias each other.
type Siginfo struct {
	// Personality is the layout the siginfo came from; it also decides how
	// SIGSYS's si_syscall is named.
	Personality syscalls.Personality

	Signo, Errno, Code int32

	Pid int32  // kill, rt, sigchld
	Uid uint32 // kill, rt, sigchld

	Status       int32 // sigchld
	Utime, Stime int64 // sigchld: clock_t, sign-extended from 32 bits on i386

	Value uint64 // rt, timer: sigval_t; si_int is its low 32 bits

	TimerID int32 // timer
	Overrun int32 // timer

	Addr    uint64 // sigill, sigfpe, sigsegv, sigbus, sigtrap
	AddrLSB uint16 // sigbus BUS_MCEERR_*
	Lower   uint64 // sigsegv SEGV_BNDERR
	Upper   uint64 // sigsegv SEGV_BNDERR
	Pkey    uint32 // sigsegv SEGV_PKUERR

	Band int64 // sigpoll: long
	FD   int32 // sigpoll

	CallAddr uint64 // sigsys
	Syscall  int32  // sigsys
	Arch     uint32 // sigsys: AUDIT_ARCH_*
}

// si_code values shared by all signals (include/uapi/asm-generic/siginfo.h).
const (
	siUser    = 0
	siKernel  = 0x80
	siQueue   = -1
	siTimer   = -2
	siMesgq   = -3
	siAsyncio = -4
	siSigio   = -5
	siTkill   = -6
	siDethrd  = -7
	siAsyncnl = -60
)

// reader decodes little-endian fields of one layout.
type reader struct {
	b    []byte
	word int
}

func (r reader) u32(off int) uint32 { return binary.LittleEndian.Uint32(r.b[off:]) }
func (r reader) i32(off int) int32  { return int32(r.u32(off)) }
func (r reader) u16(off int) uint16 { return binary.LittleEndian.Uint16(r.b[off:]) }

// ulong reads an unsigned long or pointer, zero-extended.
func (r reader) ulong(off int) uint64 {
	if r.word == 4 {
		return uint64(r.u32(off))
	}
	return binary.LittleEndian.Uint64(r.b[off:])
}

// long reads a signed long, sign-extended.
func (r reader) long(off int) int64 {
	if r.word == 4 {
		return int64(r.i32(off))
	}
	return int64(binary.LittleEndian.Uint64(r.b[off:]))
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// ParseSiginfo decodes a siginfo_t in the layout of p: the 64-bit layout for
// AMD64 and ARM64 (the union at offset 16), the 32-bit one for I386 (at 12).
func ParseSiginfo(b []byte, p syscalls.Personality) (Siginfo, error) {
	if len(b) < siginfoSize {
		return Siginfo{}, fmt.Errorf("parse %s siginfo: got %d bytes, need %d", p, len(b), siginfoSize)
	}
	w := p.WordSize()
	r := reader{b: b, word: w}
	s := Siginfo{
		Personality: p,
		Signo:       r.i32(0),
		Errno:       r.i32(4),
		Code:        r.i32(8),
	}
	u := alignUp(12, w) // the union follows three ints, aligned for pointers
	s.Pid, s.Uid = r.i32(u), r.u32(u+4)
	s.TimerID, s.Overrun = r.i32(u), r.i32(u+4)
	s.Value = r.ulong(u + 8)
	s.Status = r.i32(u + 8)
	clock := u + alignUp(12, w)
	s.Utime, s.Stime = r.long(clock), r.long(clock+w)
	s.Addr = r.ulong(u)
	s.AddrLSB = r.u16(u + w)
	bnd := u + alignUp(w+2, w)
	s.Lower, s.Upper = r.ulong(bnd), r.ulong(bnd+w)
	s.Pkey = r.u32(bnd)
	s.Band, s.FD = r.long(u), r.i32(u+w)
	s.CallAddr, s.Syscall, s.Arch = r.ulong(u), r.i32(u+w), r.u32(u+w+4)
	return s, nil
}

// String prints the siginfo as strace 6.1 does, e.g. "{si_signo=SIGCHLD,
// si_code=CLD_EXITED, si_pid=4601, si_uid=0, si_status=22, si_utime=0,
// si_stime=0}". A zero si_signo (waitid found no child under WNOHANG)
// prints "{}".
func (s Siginfo) String() string { return s.Format(nil) }

// Format is String with the sender's pid annotated by names (-Y).
func (s Siginfo) Format(names Names) string { return s.FormatStyle(names, Abbrev) }

// FormatStyle is Format with its constants (si_signo, si_code, a signal in
// si_status) printed in style st.
func (s Siginfo) FormatStyle(names Names, st Style) string {
	if s.Signo == 0 {
		return "{}"
	}
	f := fields{}
	f.add("si_signo", st.signalConst(int(s.Signo)))
	code, known := siCode(s.Code, s.Signo)
	f.add("si_code", st.xlat(hex(uint64(uint32(s.Code))), code, known))
	if s.Errno != 0 {
		name, _ := Errno(int(s.Errno))
		if name == "" {
			name = strconv.FormatUint(uint64(uint32(s.Errno)), 10)
		}
		f.add("si_errno", name)
	}
	if s.Code <= 0 { // sent by a process (SI_FROMUSER)
		switch s.Code {
		case siUser, siTkill:
			s.source(&f, names)
		case siTimer:
			f.add("si_timerid", hex(uint64(uint32(s.TimerID))))
			f.add("si_overrun", strconv.Itoa(int(s.Overrun)))
			s.sigval(&f)
		case siSigio:
			s.poll(&f)
		default:
			s.source(&f, names)
			if s.Value != 0 {
				s.sigval(&f)
			}
		}
		return f.String()
	}
	switch s.Signo {
	case sigCHLD:
		s.source(&f, names)
		if s.Code == cldExited {
			f.add("si_status", strconv.Itoa(int(s.Status)))
		} else {
			f.add("si_status", st.signalConst(int(s.Status)))
		}
		f.add("si_utime", clockT(s.Utime))
		f.add("si_stime", clockT(s.Stime))
	case sigILL, sigFPE, sigTRAP:
		f.add("si_addr", Addr(s.Addr))
	case sigBUS:
		f.add("si_addr", Addr(s.Addr))
		if s.Code == busMCEErrAR || s.Code == busMCEErrAO {
			f.add("si_addr_lsb", hex(uint64(s.AddrLSB)))
		}
	case sigSEGV:
		f.add("si_addr", Addr(s.Addr))
		switch s.Code {
		case segvBndErr:
			f.add("si_lower", Addr(s.Lower))
			f.add("si_upper", Addr(s.Upper))
		case segvPkuErr:
			f.add("si_pkey", strconv.FormatUint(uint64(s.Pkey), 10))
		}
	case sigIO:
		// strace 6.1 prints the band and fd for every POLL_* code.
		if s.Code >= pollIn && s.Code <= pollHup {
			s.poll(&f)
		}
	case sigSYS:
		f.add("si_call_addr", Addr(s.CallAddr))
		f.add("si_syscall", s.syscallName())
		f.add("si_arch", auditArch(s.Arch))
	default:
		if s.Pid != 0 || s.Uid != 0 {
			s.source(&f, names)
		}
		if s.Value != 0 {
			s.sigval(&f)
		}
	}
	return f.String()
}

// source prints the sender: si_pid and si_uid.
func (s Siginfo) source(f *fields, names Names) {
	f.add("si_pid", pidText(names, int(s.Pid)))
	f.add("si_uid", uid(s.Uid))
}

func (s Siginfo) sigval(f *fields) {
	f.add("si_int", strconv.Itoa(int(int32(uint32(s.Value)))))
	f.add("si_ptr", Addr(s.Value))
}

func (s Siginfo) poll(f *fields) {
	f.add("si_band", strconv.FormatInt(s.Band, 10))
	f.add("si_fd", strconv.Itoa(int(s.FD)))
}

// uid prints a uid_t; strace shows (uid_t)-1 as -1.
func uid(u uint32) string {
	if u == ^uint32(0) {
		return "-1"
	}
	return strconv.FormatUint(uint64(u), 10)
}

// clockTicks is USER_HZ, the unit of si_utime and si_stime.
const clockTicks = 100

// clockT prints a clock_t in ticks with strace's seconds comment, e.g.
// "5 /* 0.05 s */"; strace prints it unsigned.
func clockT(v int64) string {
	u := uint64(v)
	if u == 0 {
		return "0"
	}
	return fmt.Sprintf("%d /* %d.%02d s */", u, u/clockTicks, u%clockTicks)
}

// fields accumulates "name=value" pairs of a structure.
type fields struct{ parts []string }

func (f *fields) add(name, value string) { f.parts = append(f.parts, name+"="+value) }

func (f fields) String() string { return "{" + strings.Join(f.parts, ", ") + "}" }

// Signal-specific si_code values.
const (
	cldExited   = 1
	busMCEErrAR = 4
	busMCEErrAO = 5
	segvBndErr  = 3
	segvPkuErr  = 4
	pollIn      = 1
	pollHup     = 6
)

var genericCodes = map[int32]string{
	siUser: "SI_USER", siKernel: "SI_KERNEL", siQueue: "SI_QUEUE",
	siTimer: "SI_TIMER", siMesgq: "SI_MESGQ", siAsyncio: "SI_ASYNCIO",
	siSigio: "SI_SIGIO", siTkill: "SI_TKILL", siDethrd: "SI_DETHREAD",
	siAsyncnl: "SI_ASYNCNL",
}

// signalCodes lists the signal-specific si_code names strace 6.1 knows,
// indexed by code (0 is unused: it is SI_USER).
var signalCodes = map[int32][]string{
	sigILL: {1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP",
		5: "ILL_PRVOPC", 6: "ILL_PRVREG", 7: "ILL_COPROC", 8: "ILL_BADSTK",
		9: "ILL_BADIADDR"},
	sigFPE: {1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV", 4: "FPE_FLTOVF",
		5: "FPE_FLTUND", 6: "FPE_FLTRES", 7: "FPE_FLTINV", 8: "FPE_FLTSUB",
		14: "FPE_FLTUNK", 15: "FPE_CONDTRAP"},
	sigSEGV: {1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR",
		5: "SEGV_ACCADI", 6: "SEGV_ADIDERR", 7: "SEGV_ADIPERR", 8: "SEGV_MTEAERR",
		9: "SEGV_MTESERR"},
	sigBUS: {1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR", 4: "BUS_MCEERR_AR",
		5: "BUS_MCEERR_AO"},
	sigTRAP: {1: "TRAP_BRKPT", 2: "TRAP_TRACE", 3: "TRAP_BRANCH", 4: "TRAP_HWBKPT",
		5: "TRAP_UNK", 6: "TRAP_PERF"},
	sigCHLD: {1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED",
		5: "CLD_STOPPED", 6: "CLD_CONTINUED"},
	sigIO: {1: "POLL_IN", 2: "POLL_OUT", 3: "POLL_MSG", 4: "POLL_ERR",
		5: "POLL_PRI", 6: "POLL_HUP"},
	sigSYS: {1: "SYS_SECCOMP", 2: "SYS_USER_DISPATCH"},
}

// siCode names a si_code: generic codes first, then the signal's own ones,
// else "0x..." of the unsigned value.
func siCode(code, signo int32) (string, bool) {
	if name, ok := genericCodes[code]; ok {
		return name, true
	}
	if names := signalCodes[signo]; code > 0 && int(code) < len(names) && names[code] != "" {
		return names[code], true
	}
	return hex(uint64(uint32(code))), false
}

const (
	auditArchAArch64 = 0xc00000b7
	auditArchI386    = 0x40000003
	auditArchX86_64  = 0xc000003e
)

// auditArchNames maps AUDIT_ARCH_* values (EM_* | 64-bit | little-endian
// flags, include/uapi/linux/audit.h) to names.
var auditArchNames = map[uint32]string{
	auditArchAArch64: "AUDIT_ARCH_AARCH64",
	0xc0009026:       "AUDIT_ARCH_ALPHA",
	0x4000005d:       "AUDIT_ARCH_ARCOMPACT",
	0x0000005d:       "AUDIT_ARCH_ARCOMPACTBE",
	0x400000c3:       "AUDIT_ARCH_ARCV2",
	0x000000c3:       "AUDIT_ARCH_ARCV2BE",
	0x40000028:       "AUDIT_ARCH_ARM",
	0x00000028:       "AUDIT_ARCH_ARMEB",
	0x4000008c:       "AUDIT_ARCH_C6X",
	0x0000008c:       "AUDIT_ARCH_C6XBE",
	0x4000004c:       "AUDIT_ARCH_CRIS",
	0x400000fc:       "AUDIT_ARCH_CSKY",
	0x00005441:       "AUDIT_ARCH_FRV",
	0x0000002e:       "AUDIT_ARCH_H8300",
	0x000000a4:       "AUDIT_ARCH_HEXAGON",
	auditArchI386:    "AUDIT_ARCH_I386",
	0xc0000032:       "AUDIT_ARCH_IA64",
	0x40000102:       "AUDIT_ARCH_LOONGARCH32",
	0xc0000102:       "AUDIT_ARCH_LOONGARCH64",
	0x00000058:       "AUDIT_ARCH_M32R",
	0x00000004:       "AUDIT_ARCH_M68K",
	0x000000bd:       "AUDIT_ARCH_MICROBLAZE",
	0x00000008:       "AUDIT_ARCH_MIPS",
	0x80000008:       "AUDIT_ARCH_MIPS64",
	0xa0000008:       "AUDIT_ARCH_MIPS64N32",
	0x40000008:       "AUDIT_ARCH_MIPSEL",
	0xc0000008:       "AUDIT_ARCH_MIPSEL64",
	0xe0000008:       "AUDIT_ARCH_MIPSEL64N32",
	0x400000a7:       "AUDIT_ARCH_NDS32",
	0x000000a7:       "AUDIT_ARCH_NDS32BE",
	0x40000071:       "AUDIT_ARCH_NIOS2",
	0x0000005c:       "AUDIT_ARCH_OPENRISC",
	0x0000000f:       "AUDIT_ARCH_PARISC",
	0x8000000f:       "AUDIT_ARCH_PARISC64",
	0x00000014:       "AUDIT_ARCH_PPC",
	0x80000015:       "AUDIT_ARCH_PPC64",
	0xc0000015:       "AUDIT_ARCH_PPC64LE",
	0x400000f3:       "AUDIT_ARCH_RISCV32",
	0xc00000f3:       "AUDIT_ARCH_RISCV64",
	0x00000016:       "AUDIT_ARCH_S390",
	0x80000016:       "AUDIT_ARCH_S390X",
	0x0000002a:       "AUDIT_ARCH_SH",
	0x8000002a:       "AUDIT_ARCH_SH64",
	0x4000002a:       "AUDIT_ARCH_SHEL",
	0xc000002a:       "AUDIT_ARCH_SHEL64",
	0x00000002:       "AUDIT_ARCH_SPARC",
	0x8000002b:       "AUDIT_ARCH_SPARC64",
	0xc00000bf:       "AUDIT_ARCH_TILEGX",
	0x400000bf:       "AUDIT_ARCH_TILEGX32",
	0x400000bc:       "AUDIT_ARCH_TILEPRO",
	0x4000006e:       "AUDIT_ARCH_UNICORE",
	0x40000057:       "AUDIT_ARCH_V850",
	auditArchX86_64:  "AUDIT_ARCH_X86_64",
	0x0000005e:       "AUDIT_ARCH_XTENSA",
}

func auditArch(a uint32) string {
	if name, ok := auditArchNames[a]; ok {
		return name
	}
	return hex(uint64(a)) + " /* AUDIT_ARCH_??? */"
}

// syscallName prints si_syscall as strace does: "__NR_wait4" when the
// audit arch is the tracee's own, "61 /* wait4 */" when it is another ABI
// a tracer of that architecture knows, else the unsigned number. (x32
// calls, AUDIT_ARCH_X86_64 with bit 30 set, are not named.)
func (s Siginfo) syscallName() string {
	nr := uint64(uint32(s.Syscall))
	num := strconv.FormatUint(nr, 10)
	var pers syscalls.Personality
	switch {
	case s.Arch == auditArchX86_64 && s.Personality != syscalls.ARM64:
		pers = syscalls.AMD64
	case s.Arch == auditArchI386 && s.Personality != syscalls.ARM64:
		pers = syscalls.I386
	case s.Arch == auditArchAArch64 && s.Personality == syscalls.ARM64:
		pers = syscalls.ARM64
	default:
		return num
	}
	name, ok := syscalls.Name(pers, nr)
	if !ok {
		return num
	}
	if pers == s.Personality {
		return "__NR_" + name
	}
	return num + " /* " + name + " */"
}
