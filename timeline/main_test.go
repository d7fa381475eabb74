package timeline_test

import (
	"os"
	"testing"

	"github.com/waittrace/waittrace/ptrace"
)

// TestMain lets the test binary serve as the engine's launch helper: the
// end-to-end test traces a real program through package session, whose
// engine re-executes /proc/self/exe, which is this binary. (Package
// timeline itself does not import ptrace; only its tests do.)
func TestMain(m *testing.M) {
	if ptrace.IsHelper() {
		ptrace.RunHelper()
	}
	os.Exit(m.Run())
}
