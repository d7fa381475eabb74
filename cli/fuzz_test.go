package cli

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// FuzzParsePids: the -p parser never panics, fails only with a one-line
// usage error naming the bad item, and returns positive pids that, joined
// with commas, parse to themselves. The input is split at NUL bytes into
// several -p values. (The decoders' fuzz tests are in decode/, -e's in
// cli_test.go.)
func FuzzParsePids(f *testing.F) {
	for _, s := range []string{"1", "1,2,3", "1 2", "1\x002", "", ",", "0", "-1", "+5", "1,,2",
		"99999999999999999999", "0x10", "\xff", " 7 ", "1\n2", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pids, err := parsePids(strings.Split(s, "\x00"))
		if err != nil {
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != ExitUsage || strings.Contains(ee.msg, "\n") || !strings.HasPrefix(ee.msg, "invalid process id: ") {
				t.Fatalf("parsePids(%q): error %v, want a one-line usage error", s, err)
			}
			return
		}
		strs := make([]string, len(pids))
		for i, p := range pids {
			if p <= 0 {
				t.Fatalf("parsePids(%q) = %v: pid %d is not positive", s, pids, p)
			}
			strs[i] = strconv.Itoa(p)
		}
		again, err := parsePids([]string{strings.Join(strs, ",")})
		if err != nil || len(again) != len(pids) {
			t.Fatalf("parsePids(%q) = %v, which does not parse back (%v, %v)", s, pids, again, err)
		}
	})
}
