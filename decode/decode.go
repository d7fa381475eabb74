// Package decode turns the raw arguments, return value and tracee memory of
// a wait-family system call into the text strace 6.1 prints for it.
//
// strace prints a call in two halves: the arguments known at syscall entry
// (Entry) and, once the call returns, the rest (Exit) followed by the return
// value (Return). Which argument belongs to which half, and when a pointer's
// target is decoded rather than printed as an address, comes from the
// argument tables in package syscalls.
//
// Everything here is pure: tracee memory is only read through Memory.
package decode

import (
	"fmt"
	"math"
	"strconv"

	"github.com/waittrace/waittrace/syscalls"
)

// Memory reads a tracee's memory; it returns an error unless all of p was read.
type Memory interface {
	ReadMemory(addr uint64, p []byte) error
}

// Config holds the output options that change how calls are decoded.
type Config struct {
	Verbose bool // -v, -e abbrev=: print structures (rusage) in full
	// NoStructs prints the structures a call fills as their addresses
	// (the calls left out of -e verbose=).
	NoStructs bool
	// Raw prints every argument, and the return value, as a number in
	// hexadecimal (-e raw=).
	Raw bool
	// Style prints constants by name, as numbers, or both (-X).
	Style Style
	// Names, if set, annotates pids and pidfds (-Y, -y).
	Names Names
}

// Entry returns the argument text strace prints at syscall entry, without
// the name and "(": e.g. "-1, " for wait4, "P_PID, 4419, " for waitid.
func Entry(c syscalls.Call, p syscalls.Personality, args [6]uint64) string {
	return EntryWith(c, p, args, Config{})
}

// EntryWith is Entry with cfg's annotations (-Y, -y) of pids and pidfds.
func EntryWith(c syscalls.Call, p syscalls.Personality, args [6]uint64, cfg Config) string {
	return Call(c, p, args, 0, false, nil, cfg).EntryText
}

// Exit returns the rest of the argument list, without the closing ")":
// e.g. "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL". It is Call's
// ExitText.
//
// rval is the raw return value. For I386 it should already be sign-extended
// from 32 bits; Exit sign-extends it again, which is harmless, so a value
// straight from a 32-bit register is also accepted. mem may be nil, in which
// case every pointer is printed as an address.
func Exit(c syscalls.Call, p syscalls.Personality, args [6]uint64, rval int64, mem Memory, cfg Config) string {
	return Call(c, p, args, rval, true, mem, cfg).ExitText
}

// argValue truncates an argument register to the tracee's word size: a
// 32-bit tracee's registers may hold garbage in their upper halves.
func argValue(p syscalls.Personality, v uint64) uint64 {
	if p.WordSize() == 4 {
		return uint64(uint32(v))
	}
	return v
}

// formatScalar prints a scalar argument; arg0 is the call's first argument
// (waitid's idtype, which says what its id is), names annotates (-Y, -y).
func formatScalar(k syscalls.ArgKind, v, arg0 uint64, names Names, st Style) string {
	switch k {
	case syscalls.KindPid:
		return pidText(names, int(int32(v)))
	case syscalls.KindWaitID:
		// strace 6.1 names P_PID's pid and P_PIDFD's fd, and translates
		// P_PGID's group, which it never names.
		switch uint32(arg0) {
		case pPID:
			return pidText(names, int(int32(v)))
		case pPGID:
			return pgidText(names, int(int32(v)))
		case pPIDFD:
			return fdText(names, int(int32(v)))
		}
		return strconv.Itoa(int(int32(v)))
	case syscalls.KindIDType:
		return IDType(v).Format(st)
	case syscalls.KindWaitOptions:
		return WaitOptions(v).Format(st)
	default:
		// Pids, pgids, pidfds and plain ints are all C ints: strace
		// prints the low 32 bits as a signed decimal.
		return strconv.Itoa(int(int32(v)))
	}
}

// Addr prints a tracee address as strace does: "NULL" or "0x7ffd...".
func Addr(a uint64) string {
	if a == 0 {
		return "NULL"
	}
	return fmt.Sprintf("%#x", a)
}

// hex prints v as C's "%#x" does: "0" for zero, "0x..." otherwise.
func hex(v uint64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// maxErrno is the largest value the kernel returns negated as an error.
const maxErrno = 4095

// ReturnWith is Return, in hexadecimal for -e raw= calls (errors keep
// their names).
func ReturnWith(rval int64, cfg Config) (text string, isErr bool) {
	text, isErr = Return(rval)
	if cfg.Raw && !isErr {
		text = hex(uint64(rval))
	}
	return text, isErr
}

// CallReturn is ReturnWith for call c: the pid that wait4 and waitpid
// return is named and translated as their pid argument is (strace's
// RVAL_TGID): "= 4373<sleep>" while the process exists.
func CallReturn(c syscalls.Call, rval int64, cfg Config) (text string, isErr bool) {
	text, isErr = ReturnWith(rval, cfg)
	if !isErr && !cfg.Raw && rval > 0 && rval <= math.MaxInt32 && (c == syscalls.Wait4 || c == syscalls.Waitpid) {
		text = pidText(cfg.Names, int(rval))
	}
	return text, isErr
}

// Return formats what strace prints after ") = ": "4376", "0",
// "-1 ECHILD (No child processes)" or, for the restart codes the kernel
// hands a tracer but never a tracee, "? ERESTARTSYS (To be restarted if
// SA_RESTART is set)". isErr reports an error return: only -4095..-1 are
// errors, other negative values are plain values.
func Return(rval int64) (text string, isErr bool) {
	if rval >= 0 || rval < -maxErrno {
		return strconv.FormatInt(rval, 10), false
	}
	e := int(-rval)
	name, msg := Errno(e)
	switch {
	case isRestart(e):
		return fmt.Sprintf("? %s (%s)", name, msg), true
	case name == "":
		return fmt.Sprintf("-1 (errno %d)", e), true
	default:
		return fmt.Sprintf("-1 %s (%s)", name, msg), true
	}
}
