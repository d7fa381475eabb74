package output

import (
	"fmt"
	"time"
)

// TimeFormat is strace's -t, -tt and -ttt prefix.
type TimeFormat uint8

// Time formats.
const (
	NoTime      TimeFormat = iota
	WallClock              // -t: 14:03:37
	WallClockUs            // -tt: 14:03:37.687817
	EpochUs                // -ttt: 1795442618.008145
)

// textExt is the state of Text's time prefix and call suffix.
type textExt struct {
	format   TimeFormat
	relative bool      // -r: time since the previous line's prefix
	now      time.Time // time of the event being printed
	last     time.Time // time of the previous prefix (-r)
	started  bool
	// suffix is printed after a call's return value (-T's " <0.000123>").
	suffix string
}

// stamp prints the time prefix after the pid prefix, as strace does; it
// counts towards the " = " column.
func (t *Text) stamp() {
	e := &t.ext
	switch {
	case e.relative:
		var d time.Duration
		if e.started {
			d = e.now.Sub(e.last)
		}
		e.last, e.started = e.now, true
		t.printf("%s ", formatRelative(d))
	case e.format != NoTime:
		t.printf("%s ", FormatTime(e.format, e.now))
	}
}

// FormatTime prints tm as strace's -t, -tt or -ttt prefix (without the space).
func FormatTime(f TimeFormat, tm time.Time) string {
	switch f {
	case WallClock:
		return tm.Format("15:04:05")
	case WallClockUs:
		return tm.Format("15:04:05.000000")
	case EpochUs:
		return fmt.Sprintf("%d.%06d", tm.Unix(), tm.Nanosecond()/1000)
	}
	return ""
}

// formatRelative prints -r's "%6ld.%06ld" delta.
func formatRelative(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	us := d.Microseconds()
	return fmt.Sprintf("%6d.%06d", us/1e6, us%1e6)
}

// FormatDuration prints -T's "<0.000123>".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	us := d.Microseconds()
	return fmt.Sprintf("<%d.%06d>", us/1e6, us%1e6)
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
