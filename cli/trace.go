package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/outfile"
	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/reaps"
	"github.com/waittrace/waittrace/session"
	"github.com/waittrace/waittrace/stack"
	"github.com/waittrace/waittrace/timeline"
)

// trace runs the trace s describes and returns waittrace's exit status.
func (inv *invocation) trace(s *settings) (int, error) {
	opts := session.Options{
		Pids: s.pids, Follow: s.follow, Calls: s.calls,
		Seccomp: s.seccomp, KillOnExit: s.killOnExit, Verbose: s.verbose,
		Signals: s.signals, DecodePids: s.decodePids, DecodeFds: s.decodeFds > 0,
		Abbrev: s.abbrevCalls, Structs: s.verboseCalls, Raw: s.rawCalls, Style: constStyle(s.constStyle),
		IP: s.instructionPtr, Messages: inv.stderr, Ignored: inv.ignored,
		DetachOnExec: s.detachOnExec, SeccompAsked: s.seccompAsked, Debug: s.debug,
		PidNamespaces: s.pidns, DecodePidfds: s.decodeFds >= 2,
	}
	plan, err := inv.tamperPlan(s)
	if err != nil {
		return 0, err
	}
	opts.Tamper = plan
	if len(s.argv) > 0 {
		path, err := resolve(s.argv[0])
		if err != nil {
			return 0, err
		}
		opts.Command = &session.Command{Path: path, Argv: s.argv, ClosedStdio: inv.closedStdio}
		if len(s.env) > 0 {
			opts.Command.Env = environment(s.env)
		}
		if opts.Command.Credential, err = credential(s.user); err != nil {
			return 0, err
		}
	}
	if s.daemonize > 0 {
		if opts.Command == nil {
			return 0, fail(ExitUsage, "PROG [ARGS] must be specified with -D/--daemonize")
		}
		if inv.daemon == nil {
			return inv.daemonize(s, opts.Command)
		}
		opts.Command.Daemon = inv.daemon
	}
	if s.seccompOnly {
		if opts.Command == nil {
			return 0, fail(ExitUsage, "--seccomp-floor needs a COMMAND")
		}
		err := ptrace.ExecWithFloorFilter(opts.Command.Path, opts.Command.Argv, session.New(opts).SeccompCalls())
		return 0, fail(ExitFailure, "--seccomp-floor: %v", err)
	}

	out, err := inv.openOutput(s)
	if err != nil {
		return 0, err
	}
	defer out.close()
	// As strace: no attach messages with -q (which a command launched
	// with its trace going to -o implies, see settings).
	announce := !s.quiet.attach
	opts.Announce = announce
	opts.Interruptible = s.interruptible
	if opts.Interruptible == 0 && s.daemonize > 0 {
		// strace -D's default: the tracer is no part of the command's job,
		// and ignores the terminal's signals, ^Z too.
		opts.Interruptible = session.NeverTSTP
	}
	if opts.Interruptible == 0 {
		// strace's default: never interrupted when a launched command's
		// trace goes to a file (the command gets the terminal's signals
		// itself), else while waiting.
		opts.Interruptible = session.WhileWaiting
		if opts.Command != nil && out.toFile && len(s.pids) == 0 {
			opts.Interruptible = session.Never
		}
	}

	cfg := output.TextConfig{Out: out.file, ToFile: out.toFile, Follow: s.follow, Column: max(s.column, 1),
		Color: colorSetting(s.color, out.file, out.toFile), Initial: len(s.pids) + min(len(s.argv), 1)}
	if announce {
		cfg.Messages = inv.stderr
	}
	if out.file == nil {
		cfg.Out = inv.stderr // -ff: the alerts and reports
	}
	writer, procInfo := newWriter(s, out, cfg)
	traceStacks(writer, s.stack)
	if s.summaryOnly {
		writer = output.AnalysisOnly(writer)
	}
	var timelineFile *os.File
	if s.timeline != "" {
		if timelineFile, err = outfile.Create(s.timeline); err != nil {
			return 0, fail(ExitFailure, "cannot open the --timeline file: %v", err)
		}
		defer timelineFile.Close()
	}
	// The report, the alerts and the timeline need each process's parent
	// and command line; plain text does not, and skips the /proc reads.
	opts.ProcessInfo = procInfo || s.reaps != nil || timelineFile != nil
	// strace -c counts the system time of each call, from the rusage of
	// its stops; -w counts wall-clock time, which needs no rusage.
	opts.StopTimes = s.summary && !s.summaryWall
	opts.Stacks = s.unwinds()
	opts.SignalStacks = s.stack && !s.summaryOnly
	opts.Scopes = s.reaps != nil && s.reaps.Alerts["stolen"]
	if opts.Scopes && !opts.Follow {
		// The collecting call is seen, the collected child is not.
		fmt.Fprintln(inv.stderr, "waittrace: the stolen alert needs -f: without it the children are not traced, and no theft of one can be told")
	}
	sess := session.New(opts)
	sess.Add(writer)
	var tracker *reaps.Tracker
	if s.reaps != nil {
		s.reaps.Emit, s.reaps.Follow = sess.Emit, opts.Follow
		s.reaps.SummaryWall, s.reaps.SummaryOverhead = s.summaryWall, s.summaryOverhead
		s.reaps.SummarySortBy, s.reaps.SummaryColumns = sortKeys[s.sortBy], s.summaryColumns
		if opts.Stacks {
			s.reaps.SourceLine = stack.NewLines().Line
		}
		tracker = reaps.New(*s.reaps)
		sess.Add(tracker)
	}
	if timelineFile != nil {
		sess.Add(timeline.New(timelineFile))
	}
	res, err := sess.Run()
	if err != nil {
		return 0, fail(ExitFailure, "%v", err)
	}
	if len(s.pids) > 0 && len(res.AttachErrors) == len(s.pids) && !res.Launched {
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
	if code == 0 && s.alertExit != 0 && tracker.Fired() > 0 {
		return s.alertExit, nil
	}
	return code, nil
}

// constStyle is -X's decode.Style.
func constStyle(name string) decode.Style {
	switch name {
	case "raw":
		return decode.Raw
	case "verbose":
		return decode.Verbose
	}
	return decode.Abbrev
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
