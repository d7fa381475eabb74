package decode

import (
	"strings"
	"testing"
)

// Expected strings were taken from strace 6.1.
func TestWaitOptionsString(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "0"},
		{1, "WNOHANG"},
		{2, "WSTOPPED"},
		{4, "WEXITED"},
		{5, "WNOHANG|WEXITED"},
		{6, "WEXITED|WSTOPPED"},
		{8, "WCONTINUED"},
		{0x1000000, "WNOWAIT"},
		{0x10, "0x10 /* W??? */"},
		{0x80000000, "__WCLONE"},
		{0x80000010, "__WCLONE|0x10"},
		{0x7fffffff, "WNOHANG|WEXITED|WSTOPPED|WCONTINUED|WNOWAIT|__WALL|__WNOTHREAD|0x1efffff0"},
		{0x1ffffffff, "WNOHANG|WEXITED|WSTOPPED|WCONTINUED|WNOWAIT|__WCLONE|__WALL|__WNOTHREAD|0x1efffff0"},
		{0xffffffff00000000, "0"}, // options is an int: the upper half is ignored
	}
	for _, tt := range tests {
		if got := WaitOptions(tt.in).String(); got != tt.want {
			t.Errorf("WaitOptions(%#x) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Expected strings were taken from strace 6.1.
func TestIDTypeString(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "P_ALL"},
		{1, "P_PID"},
		{2, "P_PGID"},
		{3, "P_PIDFD"},
		{4, "0x4 /* P_??? */"},
		{99, "0x63 /* P_??? */"},
		{0xffffffff, "0xffffffff /* P_??? */"},
		{0x100000001, "P_PID"},
	}
	for _, tt := range tests {
		if got := IDType(tt.in).String(); got != tt.want {
			t.Errorf("IDType(%#x) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzWaitOptions(f *testing.F) {
	for _, o := range []uint64{0, 1, 5, 0x10, 0x80000010, 0xffffffffffffffff} {
		f.Add(o)
	}
	f.Fuzz(func(t *testing.T, o uint64) {
		out := WaitOptions(o).String()
		if out == "" || strings.Contains(out, "||") {
			t.Fatalf("WaitOptions(%#x) = %q", o, out)
		}
	})
}

func FuzzIDType(f *testing.F) {
	for _, v := range []uint64{0, 3, 4, 0xffffffff, 0x100000001} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v uint64) {
		if IDType(v).String() == "" {
			t.Fatalf("IDType(%#x) is empty", v)
		}
	})
}
