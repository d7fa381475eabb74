package syscalls

import "slices"

// ArgKind says how an argument is decoded.
type ArgKind uint8

const (
	KindInt         ArgKind = iota + 1 // int, printed in decimal
	KindPid                            // pid_t (negative values select groups)
	KindIDType                         // waitid's idtype_t: P_ALL, P_PID, ...
	KindWaitID                         // waitid's id: a pid, pgid or pidfd according to idtype
	KindWaitStatus                     // int *: a wait status written by the kernel
	KindWaitOptions                    // wait option flags: WNOHANG|...
	KindSiginfo                        // siginfo_t *: written by the kernel
	KindRusage                         // struct rusage *: written by the kernel
)

var kindNames = [...]string{
	KindInt: "int", KindPid: "pid", KindIDType: "idtype", KindWaitID: "id",
	KindWaitStatus: "wait_status", KindWaitOptions: "wait_options",
	KindSiginfo: "siginfo", KindRusage: "rusage",
}

func (k ArgKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Pointer reports whether arguments of this kind point to tracee memory.
func (k ArgKind) Pointer() bool {
	return k == KindWaitStatus || k == KindSiginfo || k == KindRusage
}

// DecodeWhen says, for a pointer argument filled in by the kernel, which
// return values make the pointed-to data worth decoding. Otherwise strace
// prints the bare address.
type DecodeWhen uint8

const (
	// OnSuccess: decode unless the call failed.
	OnSuccess DecodeWhen = iota
	// OnNonZero: decode unless the call failed or returned 0 (wait4 with
	// WNOHANG and no child ready leaves *status untouched).
	OnNonZero
	// OnPositive: decode only when the call returned a positive value
	// (wait4's rusage).
	OnPositive
)

// Decoded reports whether a pointer argument is decoded for return value rval
// (isErr says rval is an error return).
func (w DecodeWhen) Decoded(rval int64, isErr bool) bool {
	if isErr {
		return false
	}
	switch w {
	case OnNonZero:
		return rval != 0
	case OnPositive:
		return rval > 0
	}
	return true
}

// Arg describes one argument of a call.
type Arg struct {
	Name string
	Kind ArgKind
	// AtExit: strace prints the argument when the call returns rather than
	// when it is entered, because it (or everything after it) is only known
	// then. Once one argument is printed at exit, all later ones are too.
	AtExit bool
	// When applies to pointer kinds only.
	When DecodeWhen
}

// The argument lists follow strace 6.1 (src/wait.c): the arguments before
// the first output pointer are printed on entry, the rest on exit.
var (
	wait4Args = []Arg{
		{Name: "pid", Kind: KindPid},
		{Name: "status", Kind: KindWaitStatus, AtExit: true, When: OnNonZero},
		{Name: "options", Kind: KindWaitOptions, AtExit: true},
		{Name: "rusage", Kind: KindRusage, AtExit: true, When: OnPositive},
	}
	waitpidArgs = []Arg{
		{Name: "pid", Kind: KindPid},
		{Name: "status", Kind: KindWaitStatus, AtExit: true, When: OnNonZero},
		{Name: "options", Kind: KindWaitOptions, AtExit: true},
	}
	waitidArgs = []Arg{
		{Name: "which", Kind: KindIDType},
		{Name: "id", Kind: KindWaitID},
		{Name: "infop", Kind: KindSiginfo, AtExit: true, When: OnSuccess},
		{Name: "options", Kind: KindWaitOptions, AtExit: true},
		{Name: "rusage", Kind: KindRusage, AtExit: true, When: OnSuccess},
	}
)

// Args returns the argument table of c, in argument order. It is a copy:
// the tables themselves stay constant.
func (c Call) Args() []Arg {
	switch c {
	case Wait4:
		return slices.Clone(wait4Args)
	case Waitpid:
		return slices.Clone(waitpidArgs)
	case Waitid:
		return slices.Clone(waitidArgs)
	}
	return nil
}
