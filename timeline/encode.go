package timeline

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// The encoder appends JSON to a byte slice by hand: every record of a
// trace passes through here, and the events have a fixed shape, so
// reflection (encoding/json) would cost more than the rest of the sink.
// The strings it writes are what encoding/json writes with
// SetEscapeHTML(false): each byte of invalid UTF-8 becomes U+FFFD, and
// U+2028 and U+2029 are escaped (the fuzz test compares the two).

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// Valid JSON, but not valid JavaScript source before ES2019: the
		// viewers are JavaScript, and encoding/json escapes them too.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendMicros appends ns nanoseconds as microseconds with three decimals,
// the unit of "ts" and "dur". The text is exact: an event bound to another
// by its timestamp (a flow) gets the same digits, and a viewer that rounds
// to nanoseconds gets the same integer back.
func appendMicros(b []byte, ns int64) []byte {
	if ns < 0 {
		ns = 0
	}
	b = strconv.AppendInt(b, ns/1000, 10)
	f := ns % 1000
	return append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
}

// obj builds one JSON object in a byte slice: the keys are constants of
// this package, so they need no escaping.
type obj struct {
	b     []byte
	first bool
}

func (o *obj) open(b []byte) {
	o.b = append(b, '{')
	o.first = true
}

func (o *obj) key(k string) {
	if !o.first {
		o.b = append(o.b, ',')
	}
	o.first = false
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *obj) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

func (o *obj) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *obj) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *obj) micros(k string, ns int64) {
	o.key(k)
	o.b = appendMicros(o.b, ns)
}

// strs writes a list of strings, and, if any of them is not valid UTF-8,
// their exact bytes in base64 under rawKey (as output.JSON does for argv).
func (o *obj) strs(k, rawKey string, v []string) {
	o.key(k)
	o.b = append(o.b, '[')
	valid := true
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendString(o.b, s)
		valid = valid && utf8.ValidString(s)
	}
	o.b = append(o.b, ']')
	if valid {
		return
	}
	o.key(rawKey)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = append(o.b, '"')
		o.b = base64.StdEncoding.AppendEncode(o.b, []byte(s))
		o.b = append(o.b, '"')
	}
	o.b = append(o.b, ']')
}

// text writes a string from the tracee (a name), and its exact bytes in
// base64 under rawKey if it is not valid UTF-8.
func (o *obj) text(k, rawKey, v string) {
	o.str(k, v)
	if utf8.ValidString(v) {
		return
	}
	o.key(rawKey)
	o.b = append(o.b, '"')
	o.b = base64.StdEncoding.AppendEncode(o.b, []byte(v))
	o.b = append(o.b, '"')
}

// sub starts a nested object under k; close it with end.
func (o *obj) sub(k string) {
	o.key(k)
	o.b = append(o.b, '{')
	o.first = true
}

func (o *obj) end() []byte {
	o.b = append(o.b, '}')
	o.first = false
	return o.b
}
