package tamper

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/waittrace/waittrace/decode"
)

// Parse reads the expressions in order, as strace 6.1 does: each one's
// rule replaces what earlier ones said about the calls it selects. An
// expression strace would refuse is refused, with strace's words and the
// reason, in one line; so is one that selects calls but no wait call,
// which waittrace cannot tamper with.
func Parse(exprs []Expr) (*Plan, error) {
	return parse(exprs, hostOf(runtime.GOARCH))
}

func parse(exprs []Expr, h *host) (*Plan, error) {
	p := &Plan{rules: map[target]*Rule{}}
	for _, e := range exprs {
		r, sel, warnings, err := h.parseExpr(e)
		if err != nil {
			return nil, errors.New(oneLine(err.Error()))
		}
		for _, w := range warnings {
			p.warnings = append(p.warnings, oneLine(w))
		}
		for _, t := range sel.targets {
			p.rules[t] = r
		}
	}
	return p, nil
}

// kind is the option's name in messages.
func (e Expr) kind() string {
	if e.Fault {
		return "fault"
	}
	return "inject"
}

// parseExpr is strace's qualify_inject_common: the tokens, then the set,
// then the default action.
func (h *host) parseExpr(e Expr) (*Rule, selection, []string, error) {
	r := &Rule{First: 1, Last: whenInf, Step: 1}
	var warnings []string
	invalid := func(reason string) error {
		return fmt.Errorf("invalid %s argument '%s': %s", e.kind(), e.Text, reason)
	}
	var name string
	// strace's parse_inject_expression: an expression that is empty or
	// starts with ':' has an empty set, and its tokens are not read.
	if e.Text != "" && e.Text[0] != ':' {
		parts := strings.Split(e.Text, ":")
		name = parts[0]
		for _, tok := range parts[1:] {
			if tok == "" {
				continue // strtok skips empty tokens
			}
			w, reason := h.parseToken(tok, r, e.Fault)
			if reason != "" {
				return nil, selection{}, nil, invalid(reason)
			}
			warnings = append(warnings, w...)
		}
	}
	sel, err := h.selectCalls(name)
	if err != nil {
		return nil, selection{}, nil, fmt.Errorf("%s=%s: %w", e.kind(), e.Text, err)
	}
	if r.Error == 0 && !r.HasRetval && r.Signal == 0 && !r.HasDelayEnter && !r.HasDelayExit {
		if !e.Fault {
			return nil, selection{}, nil, invalid("it needs error=, retval=, signal=, delay_enter= or delay_exit=")
		}
		r.Error = enosys
	}
	if sel.others && len(sel.targets) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s=%s: waittrace tampers only with the wait calls it selects, not with the other calls", e.kind(), e.Text))
	}
	return r, sel, warnings, nil
}

const enosys = 38

// parseToken reads one KEY=VALUE token into r (strace's
// parse_inject_token). It returns warnings, or why the token is refused.
func (h *host) parseToken(tok string, r *Rule, faultOnly bool) (warnings []string, reason string) {
	key, val, _ := strings.Cut(tok, "=")
	if !strings.Contains(tok, "=") {
		key = tok
	}
	switch key {
	case "when":
		if !parseWhen(val, r) {
			return nil, "when=" + val + ": use FIRST, FIRST+, FIRST+STEP, FIRST..LAST or FIRST..LAST+STEP, with 1 <= FIRST <= LAST < 65535 and 1 <= STEP <= 65535"
		}
		return nil, ""
	case "syscall":
		if r.Syscall != "" {
			return nil, "syscall= given twice"
		}
		nr, ok := h.pureCall(val)
		if !ok {
			return nil, "syscall=" + val + ": the call run instead must be one without side effects: " + strings.Join(h.pure, ", ")
		}
		r.Syscall, r.nr = val, nr
		return nil, ""
	case "error":
		if r.Error != 0 || r.HasRetval {
			return nil, "error= or retval= given twice"
		}
		n, _ := stringToUint(val, maxErrno, "")
		if n < 0 {
			n = int64(errnoByName(val))
		}
		if n < 1 {
			return nil, "error=" + val + ": use an errno name (EINTR, ECHILD) or a number from 1 to 4095"
		}
		r.Error = int(n)
		return nil, ""
	}
	inject := map[string]bool{"retval": true, "signal": true, "delay_enter": true, "delay_exit": true,
		"poke_enter": true, "poke_exit": true}
	if faultOnly && inject[key] && strings.Contains(tok, "=") {
		return nil, key + "= is for inject=, not fault= (fault= takes error=, syscall= and when=)"
	}
	switch key {
	case "retval":
		if r.Error != 0 || r.HasRetval {
			return nil, "error= or retval= given twice"
		}
		v, end, overflow := strtoull(val)
		if end == 0 || end != len(val) || overflow {
			return nil, "retval=" + val + ": use a number (decimal, 0octal or 0xhex) that fits in 64 bits"
		}
		r.Retval, r.HasRetval = v, true
		return inadvertent(v), ""
	case "signal":
		if r.Signal != 0 {
			return nil, "signal= given twice"
		}
		n := signalNumber(val)
		if n < 1 || n > maxSignal {
			return nil, "signal=" + val + ": use a signal name (SIGUSR1, USR1) or a number from 1 to 64"
		}
		r.Signal = n
		return nil, ""
	case "delay_enter", "delay_exit":
		enter := key == "delay_enter"
		if (enter && r.HasDelayEnter) || (!enter && r.HasDelayExit) {
			return nil, key + "= given twice"
		}
		d, ok := parseDelay(val)
		if !ok {
			return nil, key + "=" + val + ": use microseconds, or a number with s, ms, us or ns (100ms, 1.5s)"
		}
		if enter {
			r.DelayEnter, r.HasDelayEnter = d, true
		} else {
			r.DelayExit, r.HasDelayExit = d, true
		}
		return nil, ""
	case "poke_enter", "poke_exit":
		return nil, key + "= (writing the tracee's memory) is not supported by waittrace"
	}
	return nil, "unknown " + tok + " (use error=, retval=, signal=, syscall=, delay_enter=, delay_exit= or when=)"
}

// parseWhen reads when=EXPR as strace does:
//
//	F == F..INF+0, F+ == F..INF+1, F+S == F..INF+S,
//	F..L == F..L+1, F..L+S
func parseWhen(val string, r *Rule) bool {
	first, rest := stringToUint(val, 0xffff, "+.")
	if first < 1 {
		return false
	}
	last := int64(whenInf)
	if rest != "" && rest[0] == '.' {
		if len(rest) < 2 || rest[1] != '.' {
			return false
		}
		l, lrest := stringToUint(rest[2:], 0xffff, "+")
		if l < first || l == whenInf {
			return false
		}
		last, rest = l, lrest
	}
	step := int64(1)
	switch {
	case rest != "" && rest[1:] != "": // "+S"
		step, _ = stringToUint(rest[1:], 0xffff, "")
		if step < 1 {
			return false
		}
	case rest != "": // "+": step 1
	case last == whenInf:
		step = 0 // F alone: the F-th call only
	}
	r.First, r.Last, r.Step = uint16(first), uint16(last), uint16(step)
	return true
}

// errnoByName is strace's find_errno_by_name: the errno whose name strace
// 6.1 prints, in any case; -1 if none.
func errnoByName(name string) int {
	for e := 1; e <= maxErrno; e++ {
		if n, _ := decode.Errno(e); n != "" && strings.EqualFold(n, name) {
			return e
		}
	}
	return -1
}

// maxSignal is the largest signal number (NSIG_BYTES * 8 on x86 and
// arm64).
const maxSignal = 64

// signalNumber is strace's sigstr_to_uint: a decimal number up to 255, or
// a name with or without "SIG", in any case; -1 if neither.
func signalNumber(s string) int {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		n, _ := stringToUint(s, 255, "")
		return int(n)
	}
	if len(s) >= 3 && strings.EqualFold(s[:3], "SIG") {
		s = s[3:]
	}
	for sig := 1; sig <= 255; sig++ {
		name := decode.Signal(sig)
		if !strings.HasPrefix(name, "SIG") {
			continue // numbers only: strace has no name for it
		}
		if strings.EqualFold(name[3:], s) {
			return sig
		}
	}
	return -1
}

// inadvertent returns strace's warnings for a retval= that the tracee (or
// a 32-bit one) would take for an error, or that a 32-bit tracee gets cut.
func inadvertent(v uint64) []string {
	var w []string
	errLike := false
	switch {
	case int64(v) < 0 && int64(v) >= -maxErrno:
		errLike = true
		w = append(w, fmt.Sprintf("Inadvertent injection of error %d is possible for retval=%d", -int64(v), v))
	case int32(v) < 0 && int32(v) >= -maxErrno:
		errLike = true
		w = append(w, fmt.Sprintf("Inadvertent injection of error %d is possible in compat personality for retval=%d", -int32(v), v))
	}
	if !errLike && uint64(uint32(v)) != v {
		w = append(w, fmt.Sprintf("Injected return value %d will be clipped to %d in compat personality", v, uint32(v)))
	}
	return w
}

// parseDelay is strace's parse_ts: a decimal integer or float, then s, ms,
// us or ns (microseconds without one). Delays too long for a Duration are
// capped (about 292 years).
func parseDelay(s string) (time.Duration, bool) {
	floatLen := strspn(s, "eE.-+0123456789")
	intLen := strspn(s, "+0123456789")
	var f float64
	var i int64
	var rest string
	isFloat := floatLen > intLen
	if isFloat {
		v, end, rangeErr := strtod(s)
		if end == 0 || rangeErr || v < 0 {
			return 0, false
		}
		f, rest = v, s[end:]
	} else {
		i, rest = stringToUint(s, math.MaxInt64, "smun")
		if i < 0 {
			return 0, false
		}
	}
	// strace's str2timescale_sfx: the unit in any case; none is µs.
	var scale int64
	switch strings.ToLower(rest) {
	case "":
		scale = 1000
	case "s":
		scale = 1e9
	case "ms":
		scale = 1e6
	case "us":
		scale = 1e3
	case "ns":
		scale = 1
	default:
		return 0, false
	}
	per := 1e9 / scale // units in a second
	var sec, nsec int64
	if isFloat {
		if math.IsNaN(f) {
			return 0, true // strace takes "-nan" too; as no delay
		}
		secs := math.Trunc(f / float64(per))
		if secs > float64(math.MaxInt64/int64(time.Second)) {
			return math.MaxInt64, true
		}
		sec = int64(secs)
		nsec = int64(uint64((f-secs*float64(per))*float64(scale)) % 1e9)
	} else {
		sec, nsec = i/per, (i%per)*scale
	}
	if sec > (math.MaxInt64-nsec)/int64(time.Second) {
		return math.MaxInt64, true
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec), true
}

func strspn(s, accept string) int {
	i := 0
	for i < len(s) && strings.IndexByte(accept, s[i]) >= 0 {
		i++
	}
	return i
}

// oneLine escapes the control characters of a message that quotes the
// user's expression, so that it stays one line.
func oneLine(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
