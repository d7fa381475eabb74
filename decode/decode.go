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
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/syscalls"
)

// Memory reads a tracee's memory; it returns an error unless all of p was read.
type Memory interface {
	ReadMemory(addr uint64, p []byte) error
}

// Config holds the output options that change how calls are decoded.
type Config struct {
	Verbose bool // -v: print structures (rusage) in full
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
	var b strings.Builder
	for i, a := range c.Args() {
		if a.AtExit {
			break
		}
		b.WriteString(formatScalar(a.Kind, argValue(p, args[i]), argValue(p, args[0]), cfg.Names))
		b.WriteString(", ")
	}
	return b.String()
}

// Exit returns the rest of the argument list, without the closing ")":
// e.g. "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL".
//
// rval is the raw return value. For I386 it should already be sign-extended
// from 32 bits; Exit sign-extends it again, which is harmless, so a value
// straight from a 32-bit register is also accepted. mem may be nil, in which
// case every pointer is printed as an address.
func Exit(c syscalls.Call, p syscalls.Personality, args [6]uint64, rval int64, mem Memory, cfg Config) string {
	if p == syscalls.I386 {
		rval = int64(int32(rval))
	}
	_, isErr := Return(rval)
	var parts []string
	for i, a := range c.Args() {
		if !a.AtExit {
			continue
		}
		v := argValue(p, args[i])
		if !a.Kind.Pointer() {
			parts = append(parts, formatScalar(a.Kind, v, argValue(p, args[0]), cfg.Names))
			continue
		}
		parts = append(parts, formatPointer(a, p, v, a.When.Decoded(rval, isErr), mem, cfg))
	}
	return strings.Join(parts, ", ")
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
func formatScalar(k syscalls.ArgKind, v, arg0 uint64, names Names) string {
	switch k {
	case syscalls.KindPid:
		return pidText(names, int(int32(v)))
	case syscalls.KindWaitID:
		// strace 6.1 annotates P_PID's pid and P_PIDFD's fd, not P_PGID.
		switch uint32(arg0) {
		case pPID:
			return pidText(names, int(int32(v)))
		case pPIDFD:
			return fdText(names, int(int32(v)))
		}
		return strconv.Itoa(int(int32(v)))
	case syscalls.KindIDType:
		return IDType(v).String()
	case syscalls.KindWaitOptions:
		return WaitOptions(v).String()
	default:
		// Pids, pgids, pidfds and plain ints are all C ints: strace
		// prints the low 32 bits as a signed decimal.
		return strconv.Itoa(int(int32(v)))
	}
}

// formatPointer prints a pointer argument: NULL, the address when the value
// is not to be decoded or cannot be read, or the decoded object.
func formatPointer(a syscalls.Arg, p syscalls.Personality, addr uint64, decode bool, mem Memory, cfg Config) string {
	if addr == 0 {
		return "NULL"
	}
	if !decode || mem == nil {
		return Addr(addr)
	}
	var size int
	switch a.Kind {
	case syscalls.KindWaitStatus:
		size = 4
	case syscalls.KindSiginfo:
		size = SiginfoSize(p)
	case syscalls.KindRusage:
		size = RusageSize(p)
	default:
		return Addr(addr)
	}
	buf := make([]byte, size)
	if err := mem.ReadMemory(addr, buf); err != nil {
		return Addr(addr)
	}
	switch a.Kind {
	case syscalls.KindWaitStatus:
		return WaitStatus(binary.LittleEndian.Uint32(buf)).String()
	case syscalls.KindSiginfo:
		si, err := ParseSiginfo(buf, p)
		if err != nil {
			return Addr(addr)
		}
		return si.Format(cfg.Names)
	default:
		ru, err := ParseRusage(buf, p)
		if err != nil {
			return Addr(addr)
		}
		return ru.Format(cfg.Verbose)
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
