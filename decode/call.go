package decode

import (
	"encoding/binary"
	"strings"

	"github.com/waittrace/waittrace/syscalls"
)

// Decoded is one call decoded once: the text strace prints for it and the
// same arguments as values. Each pointer argument is read from the tracee
// at most once, and both forms come from those bytes.
type Decoded struct {
	// EntryText is what strace prints at entry, without the name and "(":
	// "-1, " for wait4, "P_PID, 4419, " for waitid.
	EntryText string
	// ExitText is the rest of the argument list, without ")", at exit:
	// "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL".
	ExitText string
	// Args are the arguments known so far (at entry, those printed at
	// entry), in argument order.
	Args []ArgValue
	// Status, Siginfo and Rusage are what the kernel stored through the
	// call's pointers, when they were decoded and readable; nil otherwise.
	Status  *WaitStatus
	Siginfo *Siginfo
	Rusage  *Rusage
}

// Call decodes call c of personality p: at entry (exit false) the arguments
// strace prints then, at exit all of them, reading the kernel's results
// from mem under strace's rules (see syscalls.DecodeWhen). rval is the raw
// return value; for I386 it is sign-extended from 32 bits here. mem may be
// nil: pointers are then printed as addresses.
func Call(c syscalls.Call, p syscalls.Personality, args [6]uint64, rval int64, exit bool, mem Memory, cfg Config) Decoded {
	if p == syscalls.I386 {
		rval = int64(int32(rval))
	}
	_, isErr := Return(rval)
	table := c.Args()
	d := Decoded{Args: make([]ArgValue, 0, len(table))}
	var entry strings.Builder
	var exitParts []string
	arg0 := argValue(p, args[0])
	for i, a := range table {
		if a.AtExit && !exit {
			break
		}
		v := argValue(p, args[i])
		av := ArgValue{Name: a.Name, Type: a.Kind.String(), Raw: v, Pointer: a.Kind.Pointer()}
		switch {
		case a.Kind.Pointer():
			av.Text = d.pointer(a, p, v, a.When.Decoded(rval, isErr) && !cfg.Raw && !cfg.NoStructs, mem, cfg, &av)
			if cfg.Raw {
				av.Text = hex(v)
			}
		case cfg.Raw:
			av.Value = scalarValue(a.Kind, v)
			av.Text = hex(v)
		default:
			av.Value = scalarValue(a.Kind, v)
			av.Text = formatScalar(a.Kind, v, arg0, cfg.Names, cfg.Style)
		}
		if a.AtExit {
			exitParts = append(exitParts, av.Text)
		} else {
			entry.WriteString(av.Text)
			entry.WriteString(", ")
		}
		d.Args = append(d.Args, av)
	}
	d.EntryText = entry.String()
	d.ExitText = strings.Join(exitParts, ", ")
	return d
}

// scalarValue is a scalar argument as a value: a number, the idtype's
// name, or the options (which marshal as a list of names).
func scalarValue(k syscalls.ArgKind, v uint64) any {
	switch k {
	case syscalls.KindIDType:
		return IDType(v).String()
	case syscalls.KindWaitOptions:
		return WaitOptions(uint32(v))
	}
	return int64(int32(v))
}

// pointer reads and decodes one pointer argument, sets its value in av and
// in d, and returns its text: NULL, the address when it is not decoded or
// cannot be read, or the decoded object.
func (d *Decoded) pointer(a syscalls.Arg, p syscalls.Personality, addr uint64, decode bool, mem Memory, cfg Config, av *ArgValue) string {
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
		ws := WaitStatus(binary.LittleEndian.Uint32(buf))
		d.Status, av.Value = &ws, ws
		return ws.String()
	case syscalls.KindSiginfo:
		si, err := ParseSiginfo(buf, p)
		if err != nil {
			return Addr(addr)
		}
		d.Siginfo, av.Value = &si, si
		return si.FormatStyle(cfg.Names, cfg.Style)
	default:
		ru, err := ParseRusage(buf, p)
		if err != nil {
			return Addr(addr)
		}
		d.Rusage, av.Value = &ru, ru
		return ru.Format(cfg.Verbose)
	}
}
