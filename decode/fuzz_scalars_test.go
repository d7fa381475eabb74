package decode

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzDecodeScalars: the names of signals and errnos and the rendering of
// return values never panic and never contain anything a terminal would act
// on, whatever number a tracee's call returned or a siginfo held.
func FuzzDecodeScalars(f *testing.F) {
	for _, v := range []int64{0, 1, 9, 31, 32, 34, 64, 65, -1, -4, -512, -513, -514, -516, -4095, -4096, 1 << 40, -1 << 63} {
		f.Add(v)
	}
	printable := func(s string) bool {
		return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) })
	}
	f.Fuzz(func(t *testing.T, v int64) {
		if s := Signal(int(v)); !printable(s) {
			t.Fatalf("Signal(%d) = %q", v, s)
		}
		name, msg := Errno(int(v))
		if strings.ContainsFunc(name+msg, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Fatalf("Errno(%d) = %q, %q", v, name, msg)
		}
		text, isErr := Return(v)
		if !printable(strings.ReplaceAll(text, " ", "_")) {
			t.Fatalf("Return(%d) = %q", v, text)
		}
		if v >= 0 && isErr {
			t.Fatalf("Return(%d) is an error", v)
		}
	})
}
