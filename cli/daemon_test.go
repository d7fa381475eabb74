//go:build linux

package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// -D needs a command, as in strace: it is the command that waittrace's
// process becomes. Refused before anything is attached.
func TestDaemonNeedsCommand(t *testing.T) {
	for _, args := range [][]string{{"-D", "-p", "1"}, {"--daemonize=session", "-p", "1"}} {
		var stderr bytes.Buffer
		if code := Main(append([]string{"waittrace"}, args...), io.Discard, &stderr); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
		if !strings.Contains(stderr.String(), "PROG [ARGS] must be specified with -D/--daemonize") {
			t.Errorf("%v: %q", args, stderr.String())
		}
	}
}
