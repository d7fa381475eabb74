package decode

import "strconv"

// Style is how constants are printed (strace's -X, --const-print-style):
// by name (Abbrev, the default), as numbers (Raw), or both (Verbose).
// It applies to the idtype, the options, and siginfo's si_signo, si_code
// and si_status; a wait status keeps its macros and signal names in every
// style, as in strace.
type Style uint8

// Styles.
const (
	Abbrev Style = iota
	Raw
	Verbose
)

// xlat prints constant v whose abbreviated form is abbrev: number is v as
// strace prints the number (hex or decimal), known says abbrev names v.
func (st Style) xlat(number, abbrev string, known bool) string {
	switch {
	case st == Raw:
		return number
	case st == Verbose && known:
		return number + " /* " + abbrev + " */"
	}
	return abbrev
}

// signalConst prints a signal number in style st: SIGCHLD, 17, or
// 17 /* SIGCHLD */.
func (st Style) signalConst(sig int) string {
	name := Signal(sig)
	return st.xlat(strconv.Itoa(sig), name, name != strconv.Itoa(sig))
}
