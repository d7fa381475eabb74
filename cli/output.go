package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/decode"
)

// parseSignalSet reads -e signal=SET: names with or without "SIG",
// numbers, "all", "none", and a leading "!" to negate. It returns nil for
// all signals.
func parseSignalSet(set string) (map[int]bool, error) {
	negate := strings.HasPrefix(set, "!")
	set = strings.TrimPrefix(set, "!")
	in := map[int]bool{}
	all := false
	for _, name := range strings.Split(set, ",") {
		name = strings.TrimSpace(name)
		switch strings.ToLower(name) {
		case "all":
			all = true
			continue
		case "none":
			continue
		}
		sig, ok := signalNumber(name)
		if !ok {
			return nil, fmt.Errorf("invalid signal %q", name)
		}
		in[sig] = true
	}
	sel := map[int]bool{}
	for sig := 1; sig <= 64; sig++ {
		if (all || in[sig]) != negate {
			sel[sig] = true
		}
	}
	if len(sel) == 64 {
		return nil, nil
	}
	return sel, nil
}

func signalNumber(name string) (int, bool) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, n >= 1 && n <= 64
	}
	up := strings.ToUpper(name)
	if !strings.HasPrefix(up, "SIG") {
		up = "SIG" + up
	}
	for sig := 1; sig <= 64; sig++ {
		if decode.Signal(sig) == up {
			return sig, true
		}
	}
	return 0, false
}
