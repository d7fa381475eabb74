package tamper

import (
	"math"
	"strconv"
	"strings"
)

// The number parsers below reproduce the C library calls strace 6.1 reads
// its inject= values with (strtoll, strtoull, strtod), so that waittrace
// accepts and rejects the same spellings: leading blanks, signs, octal and
// hexadecimal where C takes them, and which trailing characters are left.

// isCSpace is C's isspace in the "C" locale.
func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func skipSpace(s string, i int) int {
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	return i
}

// strtoll is C's strtoll(s, &end, 10): the value, the index where parsing
// stopped (0 when no digits: C sets end to s), and whether it overflowed
// (ERANGE, the value then clamped).
func strtoll(s string) (v int64, end int, overflow bool) {
	i := skipSpace(s, 0)
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var mag uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if mag > (math.MaxUint64-d)/10 {
			overflow = true
			continue
		}
		mag = mag*10 + d
	}
	if i == start {
		return 0, 0, false
	}
	switch {
	case !neg && (overflow || mag > math.MaxInt64):
		return math.MaxInt64, i, true
	case neg && (overflow || mag > 1<<63):
		return math.MinInt64, i, true
	case neg:
		return int64(-mag), i, false
	}
	return int64(mag), i, false
}

// stringToUint is strace's string_to_uint_ex: a decimal number from 0 to
// max, followed by nothing or by one of the bytes in endings; -1 if not.
// rest is what follows the number.
func stringToUint(s string, max uint64, endings string) (v int64, rest string) {
	if s == "" {
		return -1, s
	}
	v, end, overflow := strtoll(s)
	if end == 0 || v < 0 || uint64(v) > max || (v == math.MaxInt64 && overflow) {
		return -1, s
	}
	if end < len(s) && !strings.ContainsRune(endings, rune(s[end])) {
		return -1, s
	}
	return v, s[end:]
}

// strtoull is C's strtoull(s, &end, 0): decimal, octal after "0",
// hexadecimal after "0x"; a minus sign negates modulo 2^64. end is 0 when
// there are no digits; overflow is ERANGE (the value is then MaxUint64).
func strtoull(s string) (v uint64, end int, overflow bool) {
	i := skipSpace(s, 0)
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := uint64(10)
	switch {
	case i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && hexDigit(s[i+2]) >= 0:
		base, i = 16, i+2
	case i < len(s) && s[i] == '0':
		base = 8
	}
	start := i
	for ; i < len(s); i++ {
		d := hexDigit(s[i])
		if d < 0 || uint64(d) >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/base {
			overflow = true
			continue
		}
		v = v*base + uint64(d)
	}
	if i == start {
		return 0, 0, false
	}
	if overflow {
		return math.MaxUint64, i, true
	}
	if neg {
		v = -v
	}
	return v, i, false
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// strtod is C's strtod(s, &end) as glibc does it: decimal and hexadecimal
// floats, inf and nan; rangeErr is ERANGE (overflow, or a nonzero value
// too small for a normal double). end is 0 when nothing was converted.
func strtod(s string) (f float64, end int, rangeErr bool) {
	i := skipSpace(s, 0)
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	body := i
	lower := strings.ToLower(s[i:])
	switch {
	case strings.HasPrefix(lower, "infinity"):
		i += len("infinity")
	case strings.HasPrefix(lower, "inf"):
		i += len("inf")
	case strings.HasPrefix(lower, "nan"):
		i += len("nan")
		if j := strings.IndexByte(s[i:], ')'); i < len(s) && s[i] == '(' && j > 0 && isNanChars(s[i+1:i+j]) {
			i += j + 1
		}
		f = math.NaN()
		if s[start] == '-' {
			f = math.Copysign(f, -1)
		}
		return f, i, false
	case strings.HasPrefix(lower, "0x") && len(lower) > 2 && (hexDigit(lower[2]) >= 0 || (lower[2] == '.' && len(lower) > 3 && hexDigit(lower[3]) >= 0)):
		i = scanHexFloat(s, i+2)
	default:
		j := scanDecimalFloat(s, i)
		if j == i {
			return 0, 0, false
		}
		i = j
	}
	text := s[start:i]
	if strings.HasPrefix(strings.ToLower(s[body:i]), "0x") && !strings.ContainsAny(s[body:i], "pP") {
		text += "p0" // Go wants the exponent of a hexadecimal float
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, i, true
		}
		return 0, 0, false
	}
	if f != 0 && math.Abs(f) < 0x1p-1022 {
		return f, i, true
	}
	if f == 0 && nonzeroMantissa(s[body:i]) {
		return f, i, true
	}
	return f, i, false
}

func isNanChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// scanDecimalFloat returns the end of digits[.digits][e[sign]digits] at i
// (i itself if there is no digit).
func scanDecimalFloat(s string, i int) int {
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
			digits++
		}
		if digits > 0 {
			i = j
		}
	}
	if digits == 0 {
		return i // nothing read: i has not moved
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for ; k < len(s) && s[k] >= '0' && s[k] <= '9'; k++ {
		}
		if k > j {
			i = k
		}
	}
	return i
}

// scanHexFloat returns the end of hexdigits[.hexdigits][p[sign]digits]
// starting after "0x" at i.
func scanHexFloat(s string, i int) int {
	for ; i < len(s) && hexDigit(s[i]) >= 0; i++ {
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && hexDigit(s[i]) >= 0; i++ {
		}
	}
	if i < len(s) && (s[i] == 'p' || s[i] == 'P') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for ; k < len(s) && s[k] >= '0' && s[k] <= '9'; k++ {
		}
		if k > j {
			i = k
		}
	}
	return i
}

// nonzeroMantissa reports whether a float's text has a nonzero digit
// before its exponent: such a number that converts to 0 underflowed.
func nonzeroMantissa(t string) bool {
	t = strings.ToLower(t)
	hex := strings.HasPrefix(t, "0x")
	if hex {
		t = t[2:]
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if (!hex && c == 'e') || (hex && c == 'p') {
			break
		}
		if c != '0' && c != '.' {
			return true
		}
	}
	return false
}
