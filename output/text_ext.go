package output

import (
	"fmt"
	"time"
)

// StampFormat is what a line's time prefix shows (strace's -t, -ttt,
// --absolute-timestamps=format:).
type StampFormat uint8

// Stamp formats.
const (
	NoStamp   StampFormat = iota
	TimeOfDay             // -t: 14:03:37
	UnixTime              // -ttt: 1795442618.008145
)

// Precision is how many fractional digits a time shows (strace's
// precision:s|ms|us|ns). The zero value is microseconds, strace's default
// for -tt, -r and -T.
type Precision uint8

// Precisions.
const (
	Microseconds Precision = iota
	Seconds
	Milliseconds
	Nanoseconds
)

// digits is the number of fractional digits of p.
func (p Precision) digits() int {
	return [...]int{6, 0, 3, 9}[p]
}

// Stamp is a line's time prefix: -t is {TimeOfDay, Seconds}, -tt
// {TimeOfDay, Microseconds}, -ttt {UnixTime, Microseconds}.
type Stamp struct {
	Format    StampFormat
	Precision Precision
}

// textExt is the state of Text's time prefix and call suffix.
type textExt struct {
	stamp     Stamp
	relative  bool // -r: time since the previous line's prefix
	relDigits Precision
	now       time.Time // time of the event being printed
	last      time.Time // time of the previous prefix (-r)
	started   bool
	// prefix is printed after the time (-n's "[  61] ", -i's "[0x...] ").
	prefix string
	// suffix is printed after a call's return value (-T's " <0.000123>").
	suffix string
}

// stamp prints the time prefix after the pid prefix, as strace does; it
// counts towards the " = " column. With both -t and -r, strace prints
// the time and then the delta in parentheses:
// "14:03:37 (+     0.000050) ".
func (t *Text) stamp() {
	e := &t.ext
	if e.stamp.Format != NoStamp {
		t.printf("%s ", FormatTime(e.stamp, e.now))
	}
	if e.relative {
		var d time.Duration
		if e.started {
			d = e.now.Sub(e.last)
		}
		e.last, e.started = e.now, true
		if e.stamp.Format != NoStamp {
			t.printf("(+%s) ", FormatRelative(d, e.relDigits))
		} else {
			t.printf("%s ", FormatRelative(d, e.relDigits))
		}
	}
	if e.prefix != "" {
		t.printf("%s", e.prefix)
	}
}

// FormatTime prints tm as strace's -t, -tt, -ttt or --absolute-timestamps
// prefix (without the space).
func FormatTime(s Stamp, tm time.Time) string {
	n := s.Precision.digits()
	switch s.Format {
	case TimeOfDay:
		if n == 0 {
			return tm.Format("15:04:05")
		}
		return tm.Format("15:04:05.") + fraction(tm.Nanosecond(), n)
	case UnixTime:
		if n == 0 {
			return fmt.Sprintf("%d", tm.Unix())
		}
		return fmt.Sprintf("%d.%s", tm.Unix(), fraction(tm.Nanosecond(), n))
	}
	return ""
}

// fraction prints ns's first n digits (of 9), truncated as strace does.
func fraction(ns, n int) string {
	return fmt.Sprintf("%09d", ns)[:n]
}

// FormatRelative prints -r's delta: "%6ld.%06ld" at microseconds.
func FormatRelative(d time.Duration, p Precision) string {
	if d < 0 {
		d = 0
	}
	n := p.digits()
	if n == 0 {
		return fmt.Sprintf("%6d", d/time.Second)
	}
	return fmt.Sprintf("%6d.%s", d/time.Second, fraction(int(d%time.Second), n))
}

// FormatDuration prints -T's "<0.000123>" at precision p.
func FormatDuration(d time.Duration, p Precision) string {
	if d < 0 {
		d = 0
	}
	n := p.digits()
	if n == 0 {
		return fmt.Sprintf("<%d>", d/time.Second)
	}
	return fmt.Sprintf("<%d.%s>", d/time.Second, fraction(int(d%time.Second), n))
}

// exitBare completes a call whose buffered entry half was cut by another
// process's line while -z/-Z/-e status= held it back: strace 6.1 then
// writes the entry with " <unfinished ...>" and the rest of the call on the
// next line, without a prefix and without "<... resumed>".
func (t *Text) exitBare(tid int, args, ret string, isErr bool) {
	if t.open == tid {
		t.buf.WriteString(" <unfinished ...>\n")
		t.open = 0
	}
	t.col = 0
	t.finish(tid, args, ret, isErr)
}
