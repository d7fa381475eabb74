// Command waittrace traces the wait-family system calls (wait4, waitpid,
// waitid) of a command or of running processes, printing them as strace does.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// Exit statuses of waittrace's own failures; otherwise it exits as the
// traced command did.
const (
	exitFailure       = 1   // tracing failed
	exitUsage         = 2   // invalid flags or arguments
	exitNoProcess     = 3   // -p: no such process
	exitPermission    = 4   // -p: not allowed to trace it
	exitSetID         = 5   // waittrace is setuid or setgid: refused
	exitNotExecutable = 126 // the command exists but cannot be run
	exitNotFound      = 127 // the command was not found
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

func main() {
	// Made setuid or setgid by mistake, waittrace would trace with
	// privileges its user does not have: refuse, before anything else.
	if os.Geteuid() != os.Getuid() || os.Getegid() != os.Getgid() {
		fmt.Fprintln(os.Stderr, "waittrace: refusing to run setuid or setgid: remove the set-id bits (chmod u-s,g-s)")
		os.Exit(exitSetID)
	}
	if ptrace.IsHelper() {
		ptrace.RunHelper()
	}
	os.Exit(run(os.Args, os.Stderr))
}

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
		return exitUsage
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
			return fail(exitUsage, "%v (see waittrace --help)", err)
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
			&cli.BoolFlag{Name: "seccomp-bpf", Value: true, Usage: "stop a launched command only at the traced calls, with a seccomp filter " +
				"(children are then followed even without -f, silently, so their wait calls keep working; " +
				"on Ctrl-C they are traced until they exit, a second Ctrl-C kills them); " +
				"--seccomp-bpf=false stops at every call. -p always stops at every call"},
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
				return nil, fail(exitUsage, "invalid process id: %q", f)
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
			return nil, fail(exitUsage, "-e %s: waittrace supports -e trace=, status= and signal=", key)
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
				return nil, fail(exitUsage, "-e trace=%s: waittrace traces only wait4, waitid and waitpid", name)
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
	return false, fail(exitUsage, "--color=%s: use auto, always or never", mode)
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
			return "", fail(exitNotExecutable, "%s: is a directory", name)
		}
		return "", fail(exitNotExecutable, "%s: permission denied", name)
	}
	if strings.Contains(name, "/") {
		return "", fail(exitNotFound, "%s: no such file or directory", name)
	}
	return "", fail(exitNotFound, "%s: command not found", name)
}

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
		return 0, fail(exitUsage, "must have COMMAND to run or -p PID (see waittrace --help)")
	}
	var spec ptrace.Spec
	if len(argv) > 0 {
		path, err := resolve(argv[0])
		if err != nil {
			return 0, err
		}
		spec.Path, spec.Argv = path, argv
		if spec.Credential, err = credential(c.String("u")); err != nil {
			return 0, err
		}
	}
	spec.Pids = pids

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
	w, g, err := newWriter(c, output.TextConfig{
		Out: traceOut(c, out), Messages: messages, ToFile: toFile, Follow: c.Bool("f") || c.Bool("ff"), Color: colored,
	})
	if err != nil {
		return 0, err
	}
	w.Start(len(pids) + len(argv[:min(len(argv), 1)]))
	text := g.text()
	rh, err := newReapHooks(c, out, colored, text)
	if err != nil {
		return 0, err
	}
	var tracer *ptrace.Tracer
	var stopQuietly sync.Once // output failure or SIGPIPE: detach once
	p := &printer{
		// When the trace cannot be written, stop tracing: detach, and let
		// the command run on (served silently if it carries the filter).
		outputFailed: func() { stopQuietly.Do(func() { tracer.Interrupt(0) }) },
		reaps:        rh,
		sets:         newCallSet(calls),
		cfg:          decode.Config{Verbose: c.Bool("v")},
		out:          g,
		announce:     messages != nil,
		announced:    map[int]bool{},
	}
	if c.Bool("seccomp-floor") {
		if spec.Path == "" {
			return 0, fail(exitUsage, "--seccomp-floor needs a COMMAND")
		}
		err := ptrace.ExecWithFloorFilter(spec.Path, spec.Argv, p.seccompCalls())
		return 0, fail(exitFailure, "--seccomp-floor: %v", err)
	}
	tracer = ptrace.New(ptrace.Options{
		Follow: c.Bool("f") || c.Bool("ff"), Trace: p.traced,
		Seccomp: c.Bool("seccomp-bpf"), SeccompCalls: p.seccompCalls(),
		// The report and alerts need each process's parent and command
		// line; plain text does not, and skips the /proc reads.
		ProcessInfo: rh != nil || g.procInfo,
		SeccompRefused: func(err error) {
			fmt.Fprintf(stderr, "waittrace: the kernel refused the seccomp filter (%v): stopping at every system call instead\n", err)
		},
	}, p.handle)
	rh.setKick(tracer.Kick)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGPIPE)
	defer func() {
		signal.Stop(sigs)
		// Still no death by SIGPIPE for the last message on a closed stderr.
		signal.Ignore(unix.SIGPIPE)
	}()
	go func() {
		for s := range sigs {
			if s == unix.SIGPIPE {
				// strace detaches on SIGPIPE; so does waittrace. But a
				// closed trace pipe raises SIGPIPE too (the write then
				// fails with EPIPE, handled as an output failure), and
				// waittrace cannot tell the two apart: so nothing is passed
				// on to the command, and with the output failure this
				// counts as one interrupt, not two (which would kill).
				stopQuietly.Do(func() { tracer.Interrupt(0) })
				continue
			}
			tracer.Interrupt(s.(syscall.Signal))
		}
	}()

	quietSIGCHLD()
	res, err := tracer.Run(spec)
	for _, e := range res.AttachErrors {
		fmt.Fprintf(stderr, "waittrace: %v\n", e)
	}
	if err != nil {
		return 0, fail(exitFailure, "%v", err)
	}
	if werr := rh.finish(); werr != nil {
		return 0, fail(exitFailure, "writing the report: %v", werr)
	}
	if werr := w.Close(); werr != nil {
		return 0, fail(exitFailure, "writing the trace: %v", werr)
	}
	if len(spec.Pids) > 0 && len(res.AttachErrors) == len(spec.Pids) && !res.Launched {
		return attachExit(res.AttachErrors), nil
	}
	return rh.exit(commandExit(res)), nil
}

// attachExit picks the exit status when no -p process could be attached.
func attachExit(errs []error) int {
	for _, e := range errs {
		if errors.Is(e, ptrace.ErrPermission) {
			return exitPermission
		}
	}
	return exitNoProcess
}

// commandExit makes waittrace end as the command did: its exit status, or
// death by the same signal (without a core dump of our own).
func commandExit(res ptrace.Result) int {
	switch {
	case res.Launched && res.Reaped && res.Status.Exited():
		return res.Status.ExitStatus()
	case res.Launched && res.Reaped && res.Status.Signaled():
		dieBy(res.Status.Signal())
	case res.Interrupted != 0 && res.Launched:
		dieBy(res.Interrupted)
	}
	return 0
}

// dieBy kills waittrace with sig so that its parent sees what the command's
// parent would have seen; it falls back to the shell's 128+sig.
func dieBy(sig unix.Signal) {
	runtime.LockOSThread()
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	signal.Reset()
	resetSignal(sig)
	os.Exit(128 + int(sig))
}
