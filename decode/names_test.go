package decode

import "testing"

// Expected strings taken from strace 6.1's -Y output of renamed processes.
func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sleep", "sleep"},
		{"kid\x1b[1m\"x", `kid\33[1m\"x`},
		{"a\x1b1", `a\0331`}, // an octal digit follows: three digits
		{"t\tn\nr\rb\\", `t\tn\nr\rb\\`},
		{"\xff\x00", `\377\0`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
