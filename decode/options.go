package decode

import "strings"

// WaitOptions is the options argument of wait4, waitpid and waitid.
type WaitOptions uint64

// flagName is one entry of a flag table.
type flagName struct {
	bit  uint32
	name string
}

// waitOptionNames is in strace 6.1's print order (src/xlat/wait4_options.in),
// which is not value order. Bit 2 is printed WSTOPPED for every call
// (WUNTRACED is the same bit).
var waitOptionNames = []flagName{
	{0x1, "WNOHANG"},
	{0x4, "WEXITED"},
	{0x2, "WSTOPPED"},
	{0x8, "WCONTINUED"},
	{0x1000000, "WNOWAIT"},
	{0x80000000, "__WCLONE"},
	{0x40000000, "__WALL"},
	{0x20000000, "__WNOTHREAD"},
}

// String prints the options as strace does: "WNOHANG|WEXITED", "0",
// "__WCLONE|0x10", or "0x10 /* W??? */" when no bit is known. Options are a
// C int, so only the low 32 bits count.
func (o WaitOptions) String() string { return o.Format(Abbrev) }

// Format prints the options in style st: "WNOHANG|WEXITED", "0x5", or
// "0x5 /* WNOHANG|WEXITED */"; 0 is "0" in every style.
func (o WaitOptions) Format(st Style) string {
	v := uint32(o)
	if v == 0 {
		return "0"
	}
	return st.xlat(hex(uint64(v)), printFlags(v, waitOptionNames, "W???"), true)
}

func printFlags(v uint32, table []flagName, unknown string) string {
	if v == 0 {
		return "0"
	}
	var names []string
	for _, f := range table {
		if v&f.bit != 0 {
			names = append(names, f.name)
			v &^= f.bit
		}
	}
	if v != 0 {
		if len(names) == 0 {
			return hex(uint64(v)) + " /* " + unknown + " */"
		}
		names = append(names, hex(uint64(v)))
	}
	return strings.Join(names, "|")
}

// IDType is waitid's idtype argument.
type IDType uint64

var idTypeNames = [...]string{"P_ALL", "P_PID", "P_PGID", "P_PIDFD"}

// String prints "P_ALL", "P_PID", "P_PGID", "P_PIDFD", or for other values
// strace's "0x7 /* P_??? */". idtype_t is a C enum: only 32 bits count.
func (t IDType) String() string { return t.Format(Abbrev) }

// Format prints the idtype in style st: "P_PID", "0x1", "0x1 /* P_PID */".
func (t IDType) Format(st Style) string {
	v := uint32(t)
	if uint64(v) < uint64(len(idTypeNames)) {
		return st.xlat(hex(uint64(v)), idTypeNames[v], true)
	}
	if st == Raw {
		return hex(uint64(v))
	}
	return hex(uint64(v)) + " /* P_??? */"
}
