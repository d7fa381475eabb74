// Package syscalls holds the constant tables waittrace needs to recognise
// the wait-family system calls: their numbers for each supported ABI, a
// description of their arguments, and (to name SIGSYS's si_syscall) the
// names strace gives every syscall number. It does no I/O.
package syscalls

import "fmt"

// Personality is the system-call ABI a tracee used for one call.
type Personality uint8

const (
	AMD64 Personality = iota // x86_64
	I386                     // i386 (int 0x80 / 32-bit process on an x86_64 kernel)
	ARM64                    // aarch64
)

// Personalities returns every supported personality, in a stable order.
func Personalities() []Personality { return []Personality{AMD64, I386, ARM64} }

// String returns the name strace uses for the architecture.
func (p Personality) String() string {
	switch p {
	case AMD64:
		return "x86_64"
	case I386:
		return "i386"
	case ARM64:
		return "aarch64"
	}
	return fmt.Sprintf("Personality(%d)", uint8(p))
}

// WordSize is the size in bytes of a long and of a pointer for p.
func (p Personality) WordSize() int {
	if p == I386 {
		return 4
	}
	return 8
}

// Call is a wait-family call, independent of personality.
type Call uint8

const (
	Wait4 Call = iota + 1
	Waitid
	Waitpid
)

var callNames = [...]string{Wait4: "wait4", Waitid: "waitid", Waitpid: "waitpid"}

// String returns the system call's name.
func (c Call) String() string {
	if int(c) < len(callNames) && callNames[c] != "" {
		return callNames[c]
	}
	return fmt.Sprintf("Call(%d)", uint8(c))
}

// ParseCall maps a system call name to a Call.
func ParseCall(name string) (Call, bool) {
	for _, c := range Calls() {
		if c.String() == name {
			return c, true
		}
	}
	return 0, false
}

// Calls returns all wait-family calls, in a stable order.
func Calls() []Call { return []Call{Wait4, Waitid, Waitpid} }

// numbering is one personality's syscall numbers for the wait family.
type numbering map[Call]uint64

func table(p Personality) numbering {
	switch p {
	case AMD64:
		return x86_64Numbers
	case I386:
		return i386Numbers
	case ARM64:
		return arm64Numbers
	}
	return nil
}

// Lookup maps a syscall number to a wait-family call; ok is false if nr is
// not a wait-family call for p.
func Lookup(p Personality, nr uint64) (Call, bool) {
	for c, n := range table(p) {
		if n == nr {
			return c, true
		}
	}
	return 0, false
}

// Number is the reverse of Lookup; ok is false if p lacks the call
// (waitpid only exists on i386).
func Number(p Personality, c Call) (uint64, bool) {
	n, ok := table(p)[c]
	return n, ok
}

// Name returns the name strace gives syscall nr of personality p (e.g.
// "wait4"), or false if it has none.
func Name(p Personality, nr uint64) (string, bool) {
	var names []string
	switch p {
	case AMD64:
		names = x86_64Names[:]
	case I386:
		names = i386Names[:]
	case ARM64:
		names = arm64Names[:]
	}
	if nr >= uint64(len(names)) || names[nr] == "" {
		return "", false
	}
	return names[nr], true
}
