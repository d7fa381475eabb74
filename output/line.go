package output

// Line prints a line of waittrace's own between trace lines (the alerts of
// --alert): an unfinished call is first closed with " <unfinished ...>",
// to be resumed later, as when another process prints. s has no newline;
// it is printed in the error color when the trace is colored.
func (t *Text) Line(s string) {
	if t.open != 0 {
		t.buf.WriteString(" <unfinished ...>\n")
		t.open = 0
	}
	if t.cfg.Color {
		s = t.errc.Sprint(s)
	}
	t.buf.WriteString(s)
	t.buf.WriteByte('\n')
	t.flush()
}

// Raw writes s, whole lines of waittrace's own (the reaps report), after
// closing an unfinished line with " <unfinished ...>".
func (t *Text) Raw(s string) {
	if s == "" {
		return
	}
	if t.open != 0 {
		t.buf.WriteString(" <unfinished ...>\n")
		t.open = 0
	}
	t.buf.WriteString(s)
	t.flush()
}
