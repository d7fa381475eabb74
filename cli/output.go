package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/outfile"
	"github.com/waittrace/waittrace/output"
	"golang.org/x/sys/unix"
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

// colorSetting decides --color for the trace going to out: auto colors a
// terminal only, and never a file or when NO_COLOR is set.
func colorSetting(mode string, out *os.File, toFile bool) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if toFile || os.Getenv("NO_COLOR") != "" || out == nil {
		return false
	}
	return isatty.IsTerminal(out.Fd())
}

// traceOutput is where the trace goes.
type traceOutput struct {
	file   *os.File // nil with -ff
	toFile bool     // -o given (the trace is not on stderr)
	close  func() error
}

// openOutput opens -o: FILE (never following another user's symlink in a
// shared directory, never blocking on a FIFO once tracing has begun: a
// FIFO is waited for here, before anything is traced, until a reader comes
// or a signal ends the wait), "|cmd" or "!cmd" (a pipe to sh -c cmd, as
// in strace), or nothing for -ff (the files are opened per process). It
// returns stderr without -o.
func (inv *invocation) openOutput(s *settings) (traceOutput, error) {
	none := func() error { return nil }
	if !s.outputGiven {
		return traceOutput{file: os.Stderr, close: none}, nil
	}
	name := s.output
	if strings.HasPrefix(name, "|") || strings.HasPrefix(name, "!") {
		r, w, err := os.Pipe()
		if err != nil {
			return traceOutput{}, fail(ExitFailure, "-o %s: %v", name, err)
		}
		cmd := exec.Command("/bin/sh", "-c", name[1:])
		cmd.Stdin, cmd.Stdout, cmd.Stderr = r, os.Stdout, os.Stderr
		// Ctrl-C goes to the tracer; the reader must live on to read the
		// rest.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			r.Close()
			w.Close()
			return traceOutput{}, fail(ExitFailure, "-o %s: %v", name, err)
		}
		r.Close()
		return traceOutput{file: w, toFile: true, close: func() error {
			w.Close()
			return cmd.Wait()
		}}, nil
	}
	if s.perThread {
		return traceOutput{toFile: true, close: none}, nil
	}
	mode := outfile.ModeTruncate
	if s.appendMode {
		mode = outfile.ModeAppend
	}
	var stops []os.Signal
	for _, sig := range []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP} {
		if !slices.Contains(inv.ignored, sig) {
			stops = append(stops, sig)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), stops...)
	defer stop()
	f, err := outfile.Open(ctx, name, mode)
	if err != nil {
		return traceOutput{}, fail(ExitFailure, "cannot open -o file: %v", err)
	}
	return traceOutput{file: f, toFile: true, close: f.Close}, nil
}

// newWriter builds the writer of the trace in the format asked for; its
// records must name their processes (ProcessInfo) when it prints them.
func newWriter(s *settings, out traceOutput, cfg output.TextConfig) (w event.Sink, processInfo bool) {
	switch s.format {
	case "json":
		return output.NewJSON(cfg.Out, s.status), true
	case "table":
		return output.NewTable(cfg.Out, s.status), true
	}
	opt := output.TextOptions{TextConfig: cfg, Status: s.status, ResumedFull: s.resumedFull,
		DecodePids: s.decodePids, SyscallNumber: s.syscallNumber, InstructionPointer: s.instructionPtr,
		QuietExit: s.quiet.exit, QuietSuperseded: s.quiet.threadExecve, Signals: s.signals, StackTraces: s.stack}
	opt.Time.Format = s.absolute.Format
	opt.Time.Precision = s.absolute.Precision
	if s.relative >= 0 {
		opt.Relative, opt.RelativePrecision = true, precisionOf(s.relative)
	}
	if s.durations >= 0 {
		opt.Durations, opt.DurationPrecision = true, precisionOf(s.durations)
	}
	if s.perThread {
		return output.NewPerThread(s.output, s.appendMode, opt), false
	}
	return output.NewTextWriter(opt), false
}

// precisionOf is the output.Precision of a number of digits.
func precisionOf(digits int) output.Precision {
	switch digits {
	case 0:
		return output.Seconds
	case 3:
		return output.Milliseconds
	case 9:
		return output.Nanoseconds
	}
	return output.Microseconds
}
