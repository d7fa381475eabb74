// Package cli is waittrace's command line: the flags in strace's
// spellings, their parsing into a session's options and sinks, the help,
// the man page and completions, and the exit statuses.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// Exit statuses of waittrace's own failures; otherwise it exits as the
// traced command did.
const (
	ExitFailure       = 1   // tracing failed
	ExitUsage         = 2   // invalid flags or arguments
	ExitNoProcess     = 3   // -p: no such process
	ExitPermission    = 4   // -p: not allowed to trace it
	ExitSetID         = 5   // waittrace is setuid or setgid: refused
	ExitNotExecutable = 126 // the command exists but cannot be run
	ExitNotFound      = 127 // the command was not found
)

// exitError carries a message and an exit status up to main.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func fail(code int, format string, a ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}

// Main runs waittrace with args (args[0] is the program name) and returns
// the exit status; it may not return at all when the command died by a
// signal, which waittrace then dies by too.
func Main(args []string, stderr io.Writer) int {
	closedStdio = ptrace.ClosedStdio()
	return run(args, stderr)
}

// closedStdio: the standard descriptors that were closed when waittrace
// started, closed again for the command.
var closedStdio [3]bool

func run(args []string, stderr io.Writer) int {
	status := 0
	app := newApp(stderr, &status)
	app.Flags = append(app.Flags, reapsFlags()...)
	addOutputFlags(app)
	if err := app.Run(args); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			fmt.Fprintf(stderr, "waittrace: %s\n", ee.msg)
			return ee.code
		}
		fmt.Fprintf(stderr, "waittrace: %v\n", err)
		return ExitUsage
	}
	return status
}

func newApp(stderr io.Writer, status *int) *cli.App {
	return &cli.App{
		Name:      "waittrace",
		Usage:     "trace wait4, waitpid and waitid, as strace prints them",
		UsageText: "waittrace [flags] COMMAND [ARGS...]\n   waittrace [flags] -p PID [-p PID...]",
		Description: "Traces the wait-family system calls of COMMAND or of running processes and\n" +
			"prints each call, its decoded status, siginfo and rusage, and the signals and\n" +
			"exits of the traced processes, line for line as strace -e trace=wait4,waitid,waitpid.\n\n" +
			"Examples:\n" +
			"   waittrace -f make              every wait of make and its children\n" +
			"   waittrace -p 1234 -o trace.txt  attach to a running supervisor\n" +
			"   waittrace -v -e trace=waitid sh -c 'sleep 1 & wait'",
		HideHelpCommand: true,
		// A bad flag is a one-line usage error on stderr, as the others
		// are, not "Incorrect Usage" and the whole help on stdout.
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return fail(ExitUsage, "%v (see waittrace --help)", err)
		},
		// -e trace=wait4,waitid is one expression, not three.
		DisableSliceFlagSeparator: true,
		ErrWriter:                 stderr,
		Writer:                    os.Stdout,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "f", Usage: "follow forks, vforks and clones (children and threads)"},
			&cli.StringSliceFlag{Name: "p", Usage: "attach to process `PID` (repeatable, or comma-separated)"},
			&cli.StringFlag{Name: "o", Usage: "write the trace to `FILE` instead of stderr"},
			&cli.StringSliceFlag{Name: "e", Usage: "`trace=LIST`: which of wait4,waitid,waitpid to trace (default all; !LIST negates)"},
			&cli.BoolFlag{Name: "v", Usage: "print structures in full (struct rusage)"},
			&cli.BoolFlag{Name: "q", Usage: "suppress messages about attaching and detaching"},
			&cli.BoolFlag{Name: "seccomp-bpf", Value: true, Usage: "with -f, stop the launched command and its descendants only at the traced calls, with a seccomp filter " +
				"(they are then traced to their end, even on Ctrl-C, and killed if waittrace is); " +
				"--seccomp-bpf=false stops at every call. Without -f, and with -p, every call stops"},
			&cli.BoolFlag{Name: "kill-on-exit", Usage: "kill the launched command and its followed descendants if waittrace dies (implied by the seccomp filter)"},
			&cli.StringFlag{Name: "I", Usage: "`INTERRUPTIBLE`: when a fatal signal to waittrace ends the trace: 1 anywhere, 2 waiting (default), " +
				"3 never (default for a launched command traced with -o FILE), 4 never_tstp (^Z ignored too)"},
			&cli.BoolFlag{Name: "seccomp-floor", Hidden: true, Usage: "benchmarks only: run COMMAND untraced under the same filter, returning ALLOW"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "color the trace: `auto` (on a terminal without NO_COLOR), always, never"},
		},
		Action: func(c *cli.Context) error {
			code, err := trace(c, stderr)
			*status = code
			return err
		},
	}
}

// parsePids accepts "-p 1 -p 2" and "-p 1,2,3" (and spaces, as strace).
func parsePids(vals []string) ([]int, error) {
	var pids []int
	for _, v := range vals {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
			pid, err := strconv.Atoi(f)
			if err != nil || pid <= 0 {
				return nil, fail(ExitUsage, "invalid process id: %q", f)
			}
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// parseTrace reads -e expressions: "trace=LIST", or a bare LIST as strace allows.
func parseTrace(exprs []string) ([]syscalls.Call, error) {
	selected := syscalls.Calls()
	for _, e := range exprs {
		key, list, ok := strings.Cut(e, "=")
		if !ok {
			key, list = "trace", e
		}
		if key != "trace" && key != "t" {
			return nil, fail(ExitUsage, "-e %s: waittrace supports -e trace=, status= and signal=", key)
		}
		negate := strings.HasPrefix(list, "!")
		list = strings.TrimPrefix(list, "!")
		in := map[syscalls.Call]bool{}
		for _, name := range strings.Split(list, ",") {
			name = strings.TrimSpace(name)
			if name == "none" || (name == "" && strings.Trim(list, ", ") != "") {
				continue // as strace: trace=none, and "trace=wait4," skips the empty item
			}
			if name == "all" {
				for _, c := range syscalls.Calls() {
					in[c] = true
				}
				continue
			}
			c, ok := syscalls.ParseCall(name)
			if !ok {
				return nil, fail(ExitUsage, "-e trace=%s: waittrace traces only wait4, waitid and waitpid", name)
			}
			in[c] = true
		}
		selected = selected[:0:0]
		for _, c := range syscalls.Calls() {
			if in[c] != negate {
				selected = append(selected, c)
			}
		}
	}
	return selected, nil
}

func useColor(mode string, out *os.File, toFile bool) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if toFile || os.Getenv("NO_COLOR") != "" {
			return false, nil
		}
		return isatty.IsTerminal(out.Fd()), nil
	}
	return false, fail(ExitUsage, "--color=%s: use auto, always or never", mode)
}

// resolve finds the command as execvp would, with a message fit for a user.
func resolve(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrDot) {
		return path, nil // strace runs ./cmd found via PATH=. too
	}
	if st, serr := os.Stat(name); strings.Contains(name, "/") && serr == nil {
		if st.IsDir() {
			return "", fail(ExitNotExecutable, "%s: is a directory", name)
		}
		return "", fail(ExitNotExecutable, "%s: permission denied", name)
	}
	if strings.Contains(name, "/") {
		return "", fail(ExitNotFound, "%s: no such file or directory", name)
	}
	return "", fail(ExitNotFound, "%s: command not found", name)
}
