package stack

import (
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/decode"
)

// Frame is one frame of a user-space stack. Object and Symbol are raw
// bytes from the tracee's filesystem: escape them before printing (String
// does).
type Frame struct {
	// Address is the frame's absolute PC: the stop's PC for the first
	// frame, a return address for the others.
	Address uint64 `json:"address"`
	// Object is the path of the mapped file as /proc/PID/maps names it
	// (with " (deleted)" if it was removed, "[vdso]" for the vDSO), or ""
	// if Address is in no executable mapping of a named file: then the walk
	// stopped there, as strace's does.
	Object string `json:"object"`
	// Offset is Address's offset in Object as strace prints it in
	// [0x...]: the distance from the mapping's start plus the mapping's
	// file offset.
	Offset uint64 `json:"offset"`
	// Symbol is the demangled name of the function at Address, "" if
	// unknown.
	Symbol string `json:"symbol"`
	// SymOffset is Address minus the start of Symbol.
	SymOffset uint64 `json:"symbolOffset"`
}

// String returns the frame as strace -k prints it, with Object and
// Symbol escaped as strace escapes strings:
//
//	" > /lib/x86_64-linux-gnu/libc.so.6(wait4+0x13) [0xd3bd3]"
//	" > /usr/bin/dash() [0xbcc0]"
//	" > unexpected_backtracing_error [0x7f0c2a1b4000]"
func (f Frame) String() string {
	var b strings.Builder
	b.WriteString(" > ")
	if f.Object == "" {
		b.WriteString("unexpected_backtracing_error [0x")
		b.WriteString(strconv.FormatUint(f.Address, 16))
		b.WriteString("]")
		return b.String()
	}
	b.WriteString(decode.Quote(f.Object))
	b.WriteString("(")
	if f.Symbol != "" {
		b.WriteString(decode.Quote(f.Symbol))
		b.WriteString("+0x")
		b.WriteString(strconv.FormatUint(f.SymOffset, 16))
	}
	b.WriteString(") [0x")
	b.WriteString(strconv.FormatUint(f.Offset, 16))
	b.WriteString("]")
	return b.String()
}
