package ptrace

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSendOrder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	tests := []struct {
		name string
		in   []forwardRequest
		want []unix.Signal
	}{
		{"one", []forwardRequest{{unix.SIGTERM, at(0)}}, []unix.Signal{unix.SIGTERM}},
		{"together: lowest first, as the kernel delivers pending signals",
			[]forwardRequest{{unix.SIGTERM, at(0)}, {unix.SIGINT, at(0.01)}},
			[]unix.Signal{unix.SIGINT, unix.SIGTERM}},
		{"apart: in the order they came",
			[]forwardRequest{{unix.SIGTERM, at(0)}, {unix.SIGINT, at(30)}},
			[]unix.Signal{unix.SIGTERM, unix.SIGINT}},
		{"listed out of time order",
			[]forwardRequest{{unix.SIGINT, at(30)}, {unix.SIGHUP, at(0)}},
			[]unix.Signal{unix.SIGHUP, unix.SIGINT}},
		{"a chain of near ones is one group",
			[]forwardRequest{{unix.SIGQUIT, at(0)}, {unix.SIGTERM, at(1)}, {unix.SIGINT, at(2.5)}, {unix.SIGHUP, at(10)}},
			[]unix.Signal{unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGHUP}},
		{"the same signal twice stays twice",
			[]forwardRequest{{unix.SIGINT, at(0)}, {unix.SIGINT, at(0.5)}},
			[]unix.Signal{unix.SIGINT, unix.SIGINT}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sendOrder(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d requests, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i].sig != tt.want[i] {
					t.Errorf("[%d] = %v, want %v (all: %v)", i, got[i].sig, tt.want[i], got)
				}
			}
		})
	}
}
