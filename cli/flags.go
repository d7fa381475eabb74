package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
)

// Flag categories of --help and the man page.
const (
	catTrace  = "Tracing"
	catFilter = "Filtering"
	catOutput = "Output"
	catTime   = "Time"
	catReport = "Reports"
	catMisc   = "Miscellaneous"
)

func init() {
	// -v is strace's verbose flag; the version is --version only.
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version and exit", Category: catMisc}
}

// version is the module's version from the build info: a tag for
// "go install ...@v1.2.3", else the VCS revision, else "devel".
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		return "devel-" + rev[:min(12, len(rev))] + dirty
	}
	return "devel"
}

// addOutputFlags adds the output flags and the version to app, and the
// hidden generators of the man page and completions to its action.
func addOutputFlags(app *cli.App) {
	app.Version = version()
	app.Flags = withOutputFlags(app.Flags)
	action := app.Action
	app.Action = func(c *cli.Context) error {
		if done, err := generate(c, c.App.Writer); done {
			return err
		}
		return action(c)
	}
}

// withOutputFlags adds the time, selection and output flags to the base
// flags and puts every flag in a category.
func withOutputFlags(base []cli.Flag) []cli.Flag {
	cats := map[string]string{"f": catTrace, "p": catTrace, "o": catOutput, "e": catFilter,
		"v": catOutput, "q": catOutput, "color": catOutput, "seccomp-bpf": catTrace,
		"c": catReport, "C": catReport, "reaps": catReport, "alert": catReport,
		"zombie-after": catReport, "alert-exit": catReport}
	for _, f := range base {
		cat := cats[f.Names()[0]]
		switch f := f.(type) {
		case *cli.BoolFlag:
			f.Category = cmp.Or(f.Category, cat)
		case *cli.StringFlag:
			f.Category = cmp.Or(f.Category, cat)
		case *cli.StringSliceFlag:
			f.Category = cmp.Or(f.Category, cat)
		case *cli.DurationFlag:
			f.Category = cmp.Or(f.Category, cat)
		case *cli.IntFlag:
			f.Category = cmp.Or(f.Category, cat)
		}
	}
	return append(base,
		&cli.BoolFlag{Name: "t", Category: catTime, Usage: "prefix each line with the wall clock time (14:03:37)"},
		&cli.BoolFlag{Name: "tt", Category: catTime, Usage: "prefix each line with the wall clock time in microseconds (14:03:37.687817)"},
		&cli.BoolFlag{Name: "ttt", Category: catTime, Usage: "prefix each line with the time since the epoch in microseconds (1700000000.687817)"},
		&cli.BoolFlag{Name: "r", Category: catTime, Usage: "prefix each line with the time since the previous line's ('     0.000050')"},
		&cli.BoolFlag{Name: "T", Category: catTime, Usage: "print the time spent in each call after it (' <0.000123>')"},
		&cli.BoolFlag{Name: "ff", Category: catOutput, Usage: "with -o FILE: one file per thread, FILE.PID, without pid prefixes (implies -f)"},
		&cli.BoolFlag{Name: "z", Category: catFilter, Usage: "print only calls that succeeded (-e status=successful)"},
		&cli.BoolFlag{Name: "Z", Category: catFilter, Usage: "print only calls that failed (-e status=failed)"},
		&cli.StringFlag{Name: "u", Category: catTrace, Usage: "run COMMAND as `USER` with its groups (root only)"},
		&cli.StringFlag{Name: "resumed", Category: catOutput, Value: "short", Usage: "`short`: '<... wait4 resumed>' as strace; full: print a call that blocked in full when it returns"},
		&cli.StringFlag{Name: "output-format", Category: catOutput, Value: "text", Usage: "`text` (strace's), json (JSON Lines, as --json) or table (Tracee's table)"},
		&cli.BoolFlag{Name: "json", Category: catOutput, Usage: "write JSON Lines, one object per call and event (see the README for the schema)"},
		&cli.BoolFlag{Name: "Y", Category: catOutput, Usage: "name the processes of pids: wait4(4373<sleep>, ...), [pid  4373<sleep>] (--decode-pids=comm)"},
		&cli.StringFlag{Name: "decode-pids", Category: catOutput, Usage: "`comm`: as -Y"},
		&cli.BoolFlag{Name: "y", Category: catOutput, Usage: "print what file descriptors refer to: waitid(P_PIDFD, 3<anon_inode:[pidfd]>, ...) (--decode-fds=path)"},
		&cli.StringFlag{Name: "decode-fds", Category: catOutput, Usage: "`path`: as -y"},
		&cli.BoolFlag{Name: "generate-man", Hidden: true},
		&cli.StringFlag{Name: "generate-completion", Hidden: true},
	)
}

// exprs splits -e expressions into trace=, status= and signal= ones.
type exprs struct {
	trace, status, signal []string
}

func splitExprs(es []string) exprs {
	var x exprs
	for _, e := range es {
		key, val, ok := strings.Cut(e, "=")
		switch {
		case ok && key == "status":
			x.status = append(x.status, val)
		case ok && (key == "signal" || key == "signals" || key == "s"):
			x.signal = append(x.signal, val)
		default:
			x.trace = append(x.trace, e)
		}
	}
	return x
}

// traceExprs returns the -e expressions that select calls.
func traceExprs(es []string) []string { return splitExprs(es).trace }

// outputSpec is what the output flags ask for.
type outputSpec struct {
	format    string // text, json, table
	status    output.Status
	signals   map[int]bool
	pids, fds bool // -Y, -y
}

func parseOutputSpec(c *cli.Context) (outputSpec, error) {
	s := outputSpec{format: c.String("output-format")}
	if c.Bool("json") {
		s.format = "json"
	}
	if !slices.Contains([]string{"text", "json", "table"}, s.format) {
		return s, fail(ExitUsage, "--output-format=%s: use text, json or table", s.format)
	}
	x := splitExprs(c.StringSlice("e"))
	for _, v := range x.status {
		st, err := output.ParseStatus(v)
		if err != nil {
			return s, fail(ExitUsage, "-e status=%s: %v", v, err)
		}
		s.status = st
	}
	switch {
	case c.Bool("z") && c.Bool("Z"):
		s.status = output.Successful | output.Failed
	case c.Bool("z"):
		s.status = output.Successful
	case c.Bool("Z"):
		s.status = output.Failed
	}
	for _, v := range x.signal {
		sigs, err := parseSignalSet(v)
		if err != nil {
			return s, fail(ExitUsage, "-e signal=%s: %v", v, err)
		}
		s.signals = sigs
	}
	if r := c.String("resumed"); r != "short" && r != "full" {
		return s, fail(ExitUsage, "--resumed=%s: use short or full", r)
	}
	var err error
	s.pids, s.fds, err = decodeNames(c)
	return s, err
}

// openOutput opens -o: FILE, "|cmd" or "!cmd" (a pipe to sh -c cmd, as in
// strace), or nothing for -ff (files are opened per thread). It returns
// stderr without -o.
func openOutput(c *cli.Context) (out *os.File, toFile bool, closeOut func() error, err error) {
	name := c.String("o")
	none := func() error { return nil }
	if name == "" {
		if c.Bool("ff") {
			return nil, false, none, fail(ExitUsage, "-ff needs -o FILE")
		}
		return os.Stderr, false, none, nil
	}
	if strings.HasPrefix(name, "|") || strings.HasPrefix(name, "!") {
		if c.Bool("ff") {
			return nil, false, none, fail(ExitUsage, "piping the output and -ff are mutually exclusive")
		}
		r, w, err := os.Pipe()
		if err != nil {
			return nil, false, none, fail(ExitFailure, "-o %s: %v", name, err)
		}
		cmd := exec.Command("/bin/sh", "-c", name[1:])
		cmd.Stdin, cmd.Stdout, cmd.Stderr = r, os.Stdout, os.Stderr
		// Ctrl-C goes to the tracer, which detaches; the reader must live
		// on to read the rest.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			r.Close()
			w.Close()
			return nil, false, none, fail(ExitFailure, "-o %s: %v", name, err)
		}
		r.Close()
		return w, true, func() error {
			w.Close()
			return cmd.Wait()
		}, nil
	}
	if c.Bool("ff") {
		return os.Stderr, true, none, nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_CLOEXEC, 0o666)
	if err != nil {
		return nil, false, none, fail(ExitFailure, "cannot open -o file: %v", err)
	}
	return f, true, f.Close, nil
}

// newWriter builds the writer the flags ask for; its records name their
// processes (ProcessInfo) when it prints them.
func newWriter(c *cli.Context, spec outputSpec, cfg output.TextConfig) (w event.Sink, processInfo bool) {
	opt := output.TextOptions{TextConfig: cfg, Durations: c.Bool("T"), Relative: c.Bool("r"),
		ResumedFull: c.String("resumed") == "full", Status: spec.status, DecodePids: spec.pids}
	switch spec.format {
	case "json":
		return output.NewJSON(cfg.Out, spec.status), true
	case "table":
		return output.NewTable(cfg.Out, spec.status), true
	}
	switch {
	case c.Bool("ttt"):
		opt.Time = output.EpochUs
	case c.Bool("tt"):
		opt.Time = output.WallClockUs
	case c.Bool("t"):
		opt.Time = output.WallClock
	}
	if c.Bool("ff") {
		return output.NewPerThread(c.String("o"), opt), false
	}
	return output.NewTextWriter(opt), false
}

// decodeNames reads -Y/--decode-pids=comm and -y/--decode-fds=path.
func decodeNames(c *cli.Context) (pids, fds bool, err error) {
	pids, fds = c.Bool("Y"), c.Bool("y")
	switch v := c.String("decode-pids"); v {
	case "":
	case "comm":
		pids = true
	default:
		return false, false, fail(ExitUsage, "--decode-pids=%s: waittrace decodes pids as comm only", v)
	}
	switch v := c.String("decode-fds"); v {
	case "":
	case "path", "all":
		fds = true
	default:
		return false, false, fail(ExitUsage, "--decode-fds=%s: waittrace decodes fds as path only", v)
	}
	return pids, fds, nil
}

// credential looks up -u USER (a name or a number) with its supplementary
// groups. Like strace, only root may use it.
func credential(name string) (*ptrace.Credential, error) {
	if name == "" {
		return nil, nil
	}
	if os.Geteuid() != 0 {
		return nil, fail(ExitUsage, "you must be root to use -u")
	}
	u, err := user.Lookup(name)
	if err != nil {
		if _, nerr := strconv.Atoi(name); nerr == nil {
			u, err = user.LookupId(name)
		}
	}
	if err != nil {
		return nil, fail(ExitUsage, "cannot find user %q", name)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fail(ExitUsage, "user %q: uid %s, gid %s are not numbers", name, u.Uid, u.Gid)
	}
	cred := &ptrace.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fail(ExitFailure, "user %q: cannot list its groups: %v", name, err)
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			cred.Groups = append(cred.Groups, uint32(n))
		}
	}
	return cred, nil
}

// generate handles the hidden --generate-man and --generate-completion
// flags (used by make man and make install): it prints and reports true.
func generate(c *cli.Context, w io.Writer) (bool, error) {
	switch {
	case c.Bool("generate-man"):
		man, err := c.App.ToManWithSection(1)
		if err != nil {
			return true, err
		}
		// urfave spells multi-letter flags with two dashes; strace's -ff,
		// -tt and -ttt have one (both parse).
		man = strings.NewReplacer("--ttt", "-ttt", "--tt]", "-tt]", "--tt\\fP", "-tt\\fP",
			"--ff]", "-ff]", "--ff\\fP", "-ff\\fP").Replace(man)
		_, err = io.WriteString(w, man)
		return true, err
	case c.String("generate-completion") != "":
		s, err := completion(c.App, c.String("generate-completion"))
		if err != nil {
			return true, fail(ExitUsage, "%v", err)
		}
		_, err = io.WriteString(w, s)
		return true, err
	}
	return false, nil
}

// completion writes a bash or zsh completion script from the flags.
func completion(app *cli.App, shell string) (string, error) {
	var names []string
	for _, f := range app.VisibleFlags() {
		for _, n := range f.Names() {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else if strings.ContainsAny(n, "-") || len(n) > 3 {
				names = append(names, "--"+n)
			} else {
				names = append(names, "-"+n) // strace-style -tt, -ff
			}
		}
	}
	words := strings.Join(names, " ")
	switch shell {
	case "bash":
		return fmt.Sprintf(`# bash completion for waittrace (generated: waittrace --generate-completion=bash)
_waittrace() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-o) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-p) COMPREPLY=($(compgen -W "$(ls /proc | grep '^[0-9]')" -- "$cur")); return ;;
	-u) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	--output-format) COMPREPLY=($(compgen -W "text json table" -- "$cur")); return ;;
	--color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
	--resumed) COMPREPLY=($(compgen -W "short full" -- "$cur")); return ;;
	-e) COMPREPLY=($(compgen -W "trace= status= signal=" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W %q -- "$cur"))
	else
		COMPREPLY=($(compgen -c -- "$cur"))
	fi
}
complete -F _waittrace waittrace
`, words), nil
	case "zsh":
		return fmt.Sprintf(`#compdef waittrace
# zsh completion for waittrace (generated: waittrace --generate-completion=zsh)
_waittrace() {
	local -a opts
	opts=(%s)
	_arguments -s '*:command:_command_names -e' && return
	compadd -a opts
}
_waittrace "$@"
`, words), nil
	}
	return "", fmt.Errorf("--generate-completion=%s: use bash or zsh", shell)
}
