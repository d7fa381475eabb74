// Package cli is waittrace's command line: strace's options in strace's
// spellings (parsed as strace's getopt parses them), their meaning as a
// session's options and sinks, the help, the man page and completions, and
// the exit statuses.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/session"
)

// Exit statuses of waittrace's own failures; otherwise it exits as the
// traced command did.
const (
	ExitFailure       = 1   // tracing failed
	ExitUsage         = 2   // invalid options or arguments
	ExitNoProcess     = 3   // -p: no such process
	ExitPermission    = 4   // -p: not allowed to trace it
	ExitSetID         = 5   // waittrace is set-id or has file capabilities: refused
	ExitNotExecutable = 126 // the command exists but cannot be run
	ExitNotFound      = 127 // the command was not found
)

// exitError carries a message and an exit status up to Main.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func fail(code int, format string, a ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}

// buildVersion is set at link time by make build (git describe).
var buildVersion string

// Main runs waittrace with args (args[0] is the program name) and returns
// the exit status; it does not return when the command died of a signal,
// which waittrace then dies of too.
func Main(args []string, stdout, stderr io.Writer) int {
	inv := &invocation{stdout: stdout, stderr: stderr, closedStdio: ptrace.ClosedStdio(), ignored: session.IgnoredAtStart()}
	return inv.main(args)
}

// main runs the command line and turns an error into its message and
// exit status.
func (inv *invocation) main(args []string) int {
	stderr := inv.stderr
	code, err := inv.run(args)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			fmt.Fprintf(stderr, "waittrace: %s\n", ee.msg)
			return ee.code
		}
		fmt.Fprintf(stderr, "waittrace: %v\n", err)
		return ExitUsage
	}
	return code
}

// invocation is one run of the command line.
type invocation struct {
	stdout, stderr io.Writer
	// closedStdio: the standard descriptors that were closed when
	// waittrace started, to be closed for the command too; ignored: the
	// signals ignored then, left so for it.
	closedStdio [3]bool
	ignored     []os.Signal
	// matches are the options as parsed, in command-line order (for -e
	// expressions, whose order matters across their spellings).
	matches []GetoptMatch
	// args is the command line as given (-D hands it to its tracer).
	args []string
	// daemon, in the tracer of -D, is the command it traces.
	daemon *ptrace.DaemonCommand
}

func (inv *invocation) run(args []string) (int, error) {
	if len(args) == 0 {
		args = []string{"waittrace"}
	}
	inv.args = args
	table := getoptTable()
	parsed, err := GetoptParse(table, args[1:])
	if err != nil {
		return 0, fail(ExitUsage, "%v (see waittrace --help)", err)
	}
	inv.matches = parsed.Options
	tokens, err := GetoptNormalize(table, args[1:])
	if err != nil {
		return 0, fail(ExitUsage, "%v (see waittrace --help)", err)
	}
	for _, m := range inv.matches {
		if o := optionNamed(m.Name); o != nil && o.notFor != "" {
			return 0, fail(ExitUsage, "%s: %s", m.Spelling, o.notFor)
		}
	}
	// Answered before urfave, which would print its own help for a flag
	// named help.
	for _, m := range inv.matches {
		if m.Name == "help" {
			_, err := io.WriteString(inv.stdout, helpText(version()))
			return 0, err
		}
	}
	status := 0
	app := &cli.App{
		Name:            "waittrace",
		HideHelp:        true,
		HideHelpCommand: true,
		HideVersion:     true,
		// The options are checked by getopt first: what reaches urfave is
		// canonical, and an error here is a bug of the table.
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return fail(ExitUsage, "%v (see waittrace --help)", err)
		},
		DisableSliceFlagSeparator: true,
		Writer:                    inv.stdout,
		ErrWriter:                 inv.stderr,
		Flags:                     flags(),
		Action: func(c *cli.Context) error {
			code, err := inv.action(c)
			status = code
			return err
		},
	}
	if err := app.Run(append([]string{args[0]}, tokens...)); err != nil {
		return 0, err
	}
	return status, nil
}

// action does what the options ask: help, version, the generators, or a
// trace.
func (inv *invocation) action(c *cli.Context) (int, error) {
	switch {
	case c.Count("help") > 0:
		_, err := io.WriteString(inv.stdout, helpText(version()))
		return 0, err
	case c.Count("version") > 0:
		_, err := fmt.Fprintf(inv.stdout, "waittrace %s\nThe wait calls of strace %s's command line.\n", version(), StraceOptionsVersion)
		return 0, err
	case c.Count("generate-man") > 0:
		_, err := io.WriteString(inv.stdout, manPage(version()))
		return 0, err
	case c.String("generate-completion") != "":
		s, err := completion(c.String("generate-completion"))
		if err != nil {
			return 0, fail(ExitUsage, "%v", err)
		}
		_, err = io.WriteString(inv.stdout, s)
		return 0, err
	}
	s, err := inv.settings(c)
	if err != nil {
		return 0, err
	}
	return inv.trace(s)
}

// version is the version make build stamps from git describe; else the
// module's version from the build info (a tag for go install ...@v1.2.3),
// else the VCS revision, else "devel".
func version() string {
	if buildVersion != "" {
		return strings.TrimPrefix(buildVersion, "v")
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return strings.TrimPrefix(v, "v")
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		return "devel-" + rev[:min(12, len(rev))] + dirty
	}
	return "devel"
}
