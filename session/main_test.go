package session

import (
	"os"
	"testing"

	"github.com/waittrace/waittrace/ptrace"
)

// TestMain lets the test binary serve as waittrace's helper: the engine
// re-executes /proc/self/exe, which is this binary, to launch commands and
// as its waker.
func TestMain(m *testing.M) {
	if ptrace.IsHelper() {
		ptrace.RunHelper()
	}
	os.Exit(m.Run())
}
