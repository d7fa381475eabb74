package cli

import (
	"errors"
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/reaps"
	"github.com/waittrace/waittrace/session"
)

// trace runs the trace the flags of c ask for and returns waittrace's exit
// status.
func trace(c *cli.Context, stderr io.Writer) (int, error) {
	pids, err := parsePids(c.StringSlice("p"))
	if err != nil {
		return 0, err
	}
	calls, err := parseTrace(traceExprs(c.StringSlice("e")))
	if err != nil {
		return 0, err
	}
	argv := c.Args().Slice()
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	if len(argv) == 0 && len(pids) == 0 {
		return 0, fail(ExitUsage, "must have COMMAND to run or -p PID (see waittrace --help)")
	}
	follow := c.Bool("f") || c.Bool("ff")
	opts := session.Options{
		Pids: pids, Follow: follow, Calls: calls,
		// The filter is the default with -f only; asked for without -f,
		// the session says why it is not used.
		Seccomp:    c.Bool("seccomp-bpf") && (follow || c.IsSet("seccomp-bpf")),
		KillOnExit: c.Bool("kill-on-exit"), Verbose: c.Bool("v"), Messages: stderr,
	}
	if len(argv) > 0 {
		path, err := resolve(argv[0])
		if err != nil {
			return 0, err
		}
		opts.Command = &session.Command{Path: path, Argv: argv, ClosedStdio: closedStdio}
		if opts.Command.Credential, err = credential(c.String("u")); err != nil {
			return 0, err
		}
	}
	spec, err := parseOutputSpec(c)
	if err != nil {
		return 0, err
	}
	opts.Signals, opts.DecodePids, opts.DecodeFds = spec.signals, spec.pids, spec.fds
	reapsOpt, err := parseReaps(c)
	if err != nil {
		return 0, err
	}

	out, toFile, closeOut, err := openOutput(c)
	if err != nil {
		return 0, err
	}
	defer closeOut()
	colored, err := useColor(c.String("color"), out, toFile)
	if err != nil {
		return 0, err
	}
	var messages io.Writer = stderr
	// As strace: no attach messages with -q, nor for a command launched
	// with its trace going to a file.
	if c.Bool("q") || (toFile && len(pids) == 0) {
		messages = nil
	}
	opts.Announce = messages != nil
	if opts.Interruptible, err = interruptible(c, opts.Command != nil && toFile && len(pids) == 0); err != nil {
		return 0, err
	}
	if c.Bool("seccomp-floor") {
		if opts.Command == nil {
			return 0, fail(ExitUsage, "--seccomp-floor needs a COMMAND")
		}
		err := ptrace.ExecWithFloorFilter(opts.Command.Path, opts.Command.Argv, session.New(opts).SeccompCalls())
		return 0, fail(ExitFailure, "--seccomp-floor: %v", err)
	}

	initial := len(pids) + min(len(argv), 1)
	writer, procInfo := newWriter(c, spec, output.TextConfig{
		Out: out, Messages: messages, ToFile: toFile, Follow: opts.Follow, Color: colored, Initial: initial,
	})
	// The report and alerts need each process's parent and command line;
	// plain text does not, and skips the /proc reads.
	opts.ProcessInfo = procInfo || reapsOpt != nil
	if summaryOnly(c) {
		writer = output.AnalysisOnly(writer)
	}
	s := session.New(opts)
	s.Add(writer)
	var tracker *reaps.Tracker
	if reapsOpt != nil {
		reapsOpt.Emit, reapsOpt.Follow = s.Emit, opts.Follow
		tracker = reaps.New(*reapsOpt)
		s.Add(tracker)
	}
	res, err := s.Run()
	if err != nil {
		return 0, fail(ExitFailure, "%v", err)
	}
	if len(pids) > 0 && len(res.AttachErrors) == len(pids) && !res.Launched {
		return attachExit(res.AttachErrors), nil
	}
	// A trace that could not be written changes nothing for a launched
	// command: waittrace still ends as it did (the failure was reported).
	if res.OutputFailed && !res.Launched {
		return ExitFailure, nil
	}
	code, die := res.CommandExit()
	if die != 0 {
		session.DieBy(die)
	}
	if code == 0 && reapsOpt != nil && alertExit(c) != 0 && tracker.Fired() > 0 {
		return alertExit(c), nil
	}
	return code, nil
}

// interruptible reads -I: a number or strace's name for it. Without -I,
// strace's default: never when a launched command's trace goes to a file
// (the command gets the terminal's signals itself), else while waiting.
func interruptible(c *cli.Context, launchedToFile bool) (session.Interruptible, error) {
	v := c.String("I")
	if v == "" {
		if launchedToFile {
			return session.Never, nil
		}
		return session.WhileWaiting, nil
	}
	for i, names := range [][]string{{"1", "anywhere"}, {"2", "waiting"}, {"3", "never"}, {"4", "never_tstp"}} {
		if slices.Contains(names, v) {
			return session.Interruptible(i + 1), nil
		}
	}
	return 0, fail(ExitUsage, "-I %s: use 1 (anywhere), 2 (waiting), 3 (never) or 4 (never_tstp)", v)
}

// attachExit picks the exit status when no -p process could be attached.
func attachExit(errs []error) int {
	for _, e := range errs {
		if errors.Is(e, ptrace.ErrPermission) {
			return ExitPermission
		}
	}
	return ExitNoProcess
}
