package decode

import "testing"

// Expected strings were taken from strace 6.1 (si_status of CLD_KILLED).
func TestSignal(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{-2, "-2"}, {-1, "-1"}, {0, "0"}, {1, "SIGHUP"}, {6, "SIGABRT"},
		{9, "SIGKILL"}, {16, "SIGSTKFLT"}, {17, "SIGCHLD"}, {19, "SIGSTOP"},
		{29, "SIGIO"}, {30, "SIGPWR"}, {31, "SIGSYS"}, {32, "SIGRTMIN"},
		{33, "SIGRT_1"}, {52, "SIGRT_20"}, {64, "SIGRT_32"}, {65, "65"},
		{126, "126"}, {2147483647, "2147483647"},
	}
	for _, tt := range tests {
		if got := Signal(tt.in); got != tt.want {
			t.Errorf("Signal(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
