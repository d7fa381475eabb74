package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/reaps"
	"github.com/waittrace/waittrace/session"
	"github.com/waittrace/waittrace/syscalls"
)

// settings is what the options say, read and checked once.
type settings struct {
	argv []string // COMMAND and its arguments
	pids []int

	// Startup and tracing.
	follow, perThread bool // -f, -ff
	seccomp           bool
	seccompAsked      bool // --seccomp-bpf given, not -f's default
	killOnExit        bool
	interruptible     session.Interruptible // 0: strace's default
	user              string
	env               []string // -E, in order
	daemonize         int      // -D count: 1 grandchild, 2 pgroup, 3 session
	detachOnExec      bool     // -b execve
	stack             bool     // -k
	reapStacks        bool     // --reaps=stacks

	// Filtering.
	calls   []syscalls.Call
	signals map[int]bool // nil: all
	status  output.Status
	quiet   quietSet
	// quietGiven: -e quiet= or --quiet was given (-q then is an error).
	quietGiven bool

	// Output.
	output          string
	outputGiven     bool
	appendMode      bool
	column          int
	verbose         bool // -v
	abbrevCalls     map[syscalls.Call]bool
	verboseCalls    map[syscalls.Call]bool
	rawCalls        map[syscalls.Call]bool
	constStyle      string // raw, abbrev, verbose
	syscallNumber   bool
	instructionPtr  bool
	decodeFds       int // 1 path, 2 all (-yy)
	decodePids      bool
	pidns           bool
	color           string
	resumedFull     bool
	format          string // text, json, table
	timeline        string
	absolute        output.Stamp
	relative        int // digits of -r; -1: off
	durations       int // digits of -T; -1: off
	summaryOnly     bool
	summary         bool
	summaryWall     bool
	sortBy          string
	summaryColumns  []string
	summaryOverhead time.Duration

	// Tampering: the --inject and --fault expressions, in order.
	tamper []tamperExpr

	// Who reaped whom.
	reaps       *reaps.Options // nil: no tracker
	alertExit   int
	debug       bool
	seccompOnly bool // --seccomp-floor
}

// quietSet is what -q and --quiet= suppress.
type quietSet struct {
	attach, personality, exit, pathResolution, threadExecve bool
}

// tamperExpr is one -e inject= or -e fault= expression.
type tamperExpr struct {
	fault bool
	expr  string
}

// qualifiers are the -e expressions and their long spellings, in order.
var qualifierNames = map[string]bool{"e": true, "trace": true, "signals": true, "status": true, "quiet": true,
	"abbrev": true, "verbose": true, "raw": true, "inject": true, "fault": true, "decode-fds": true,
	"decode-pids": true, "read": true, "write": true, "kvm": true, "secontext": true,
	"successful-only": true, "failed-only": true, "Y": true, "pidns-translation": true}

// settings reads the options of c (and, for their order, inv.matches).
func (inv *invocation) settings(c *cli.Context) (*settings, error) {
	s := &settings{relative: -1, durations: -1, column: 40}
	var err error
	if s.pids, err = parsePids(c.StringSlice("attach")); err != nil {
		return nil, err
	}
	s.argv = c.Args().Slice()
	if len(s.argv) > 0 && s.argv[0] == "--" {
		s.argv = s.argv[1:]
	}
	if c.Count("help") == 0 && len(s.argv) == 0 && len(s.pids) == 0 {
		return nil, fail(ExitUsage, "must have COMMAND to run or -p PID (see waittrace --help)")
	}

	// Tracing.
	// As strace 6.1: -f counts (-ff: one file per process), while
	// --follow-forks and --output-separately are two switches that do not
	// mix with it; -F is a deprecated -f.
	fs, longFollow, separately := c.Count("f"), c.Count("follow-forks") > 0, c.Count("output-separately") > 0
	switch {
	case fs > 0 && longFollow:
		return nil, fail(ExitUsage, "-f and --follow-forks cannot be provided simultaneously")
	case fs > 1 && separately:
		return nil, fail(ExitUsage, "-ff and --output-separately cannot be provided simultaneously")
	case fs > 0:
		s.follow, s.perThread = true, fs > 1
	default:
		s.follow, s.perThread = longFollow, separately
	}
	if c.Count("F") > 0 {
		if s.follow {
			fmt.Fprintln(inv.stderr, "waittrace: deprecated option -F ignored")
		} else {
			fmt.Fprintln(inv.stderr, "waittrace: option -F is deprecated, please use -f/--follow-forks instead")
			s.follow = true
		}
	}
	given, v := optionalValue(c, "seccomp-bpf")
	switch v {
	case "", "true", "1", "yes":
		// With -f the filter is the default; asked for without -f, the
		// session says why it is not used. Not by default with -n: the
		// number it prints on a process's "+++" lines is that of the
		// process's last call, which only a stop at every call knows
		// (strace's default).
		s.seccomp = (s.follow && c.Count("syscall-number") == 0) || given
		s.seccompAsked = given
	case "false", "0", "no":
	default:
		return nil, fail(ExitUsage, "--seccomp-bpf=%s: use --seccomp-bpf or --seccomp-bpf=false", v)
	}
	s.killOnExit = c.Count("kill-on-exit") > 0
	if v := c.String("interruptible"); v != "" {
		if s.interruptible, err = parseInterruptible(v); err != nil {
			return nil, err
		}
	}
	if c.IsSet("user") {
		if s.user = c.String("user"); s.user == "" {
			return nil, fail(ExitUsage, "-u: the user name is empty")
		}
	}
	s.env = c.StringSlice("env")
	s.daemonize = c.Count("D")
	if given, _ := optionalValue(c, "daemonize"); given && s.daemonize > 0 {
		return nil, fail(ExitUsage, "-D and --daemonize cannot be provided simultaneously")
	}
	if given, v := optionalValue(c, "daemonize"); given {
		switch v {
		case "", "grandchild":
			s.daemonize = 1
		case "pgroup", "pgrp", "process_group":
			s.daemonize = 2
		case "session":
			s.daemonize = 3
		default:
			return nil, fail(ExitUsage, "--daemonize=%s: use grandchild, pgroup or session", v)
		}
	}
	if s.daemonize > 3 {
		return nil, fail(ExitUsage, "-D: at most -DDD")
	}
	if c.IsSet("detach-on") {
		if v := c.String("detach-on"); v != "execve" && v != "exec" {
			return nil, fail(ExitUsage, "-b %s: only execve is supported", v)
		}
		s.detachOnExec = true
	}
	s.stack = c.Count("stack-traces") > 0
	if _, s.reapStacks, err = reapsValue(c); err != nil {
		return nil, err
	}

	// Output.
	if c.IsSet("output") {
		s.output, s.outputGiven = c.String("output"), true
		if s.output == "" {
			return nil, fail(ExitUsage, "-o: the file name is empty")
		}
	}
	s.appendMode = c.Count("output-append-mode") > 0
	if c.IsSet("columns") {
		n, err := strconv.Atoi(c.String("columns"))
		if err != nil || n < 0 {
			return nil, fail(ExitUsage, "-a %s: the column must be a number, 0 or more", c.String("columns"))
		}
		s.column = n
	}
	s.verbose = c.Count("no-abbrev") > 0
	s.constStyle = "abbrev"
	if c.IsSet("const-print-style") {
		switch v := c.String("const-print-style"); v {
		case "raw", "abbrev", "verbose":
			s.constStyle = v
		default:
			return nil, fail(ExitUsage, "-X %s: use raw, abbrev or verbose", v)
		}
	}
	s.syscallNumber = c.Count("syscall-number") > 0
	s.instructionPtr = c.Count("instruction-pointer") > 0
	s.decodeFds = min(c.Count("y"), 2)
	if c.Count("y") > 0 && decodeFdsGiven(inv.matches) {
		return nil, fail(ExitUsage, "-y and --decode-fds cannot be provided simultaneously")
	}
	s.decodePids = c.Count("Y") > 0
	s.pidns = c.Count("pidns-translation") > 0
	if given, v := optionalValue(c, "decode-fds"); given {
		switch v {
		case "", "path":
			s.decodeFds = max(s.decodeFds, 1)
		case "all", "pidfd", "path,pidfd":
			s.decodeFds = 2
		case "none":
			s.decodeFds = 0
		default:
			return nil, fail(ExitUsage, "--decode-fds=%s: waittrace decodes the pidfds of waitid: path, pidfd, all or none", v)
		}
	}
	if given, v := optionalValue(c, "color"); given {
		s.color = v
		if v == "" {
			s.color = "always"
		}
	}
	if s.color == "" {
		s.color = "auto"
	}
	if !slices.Contains([]string{"auto", "always", "never"}, s.color) {
		return nil, fail(ExitUsage, "--color=%s: use auto, always or never", s.color)
	}
	switch r := c.String("resumed"); r {
	case "short":
	case "full":
		s.resumedFull = true
	default:
		return nil, fail(ExitUsage, "--resumed=%s: use short or full", r)
	}
	s.format = c.String("output-format")
	if c.Count("json") > 0 {
		s.format = "json"
	}
	if !slices.Contains([]string{"text", "json", "table"}, s.format) {
		return nil, fail(ExitUsage, "--output-format=%s: use text, json or table", s.format)
	}
	if c.IsSet("timeline") {
		if s.timeline = c.String("timeline"); s.timeline == "" {
			return nil, fail(ExitUsage, "--timeline: the file name is empty")
		}
	}
	if err := s.timestamps(c); err != nil {
		return nil, err
	}
	if v := c.String("string-limit"); c.IsSet("string-limit") {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return nil, fail(ExitUsage, "-s %s: the string size must be a number, 0 or more", v)
		}
	}
	if given, _ := optionalValue(c, "strings-in-hex"); given && c.Count("x") > 0 {
		return nil, fail(ExitUsage, "-x and --strings-in-hex cannot be provided simultaneously")
	}
	if given, v := optionalValue(c, "strings-in-hex"); given && !slices.Contains([]string{"", "all", "non-ascii", "non-ascii-chars", "none"}, v) {
		return nil, fail(ExitUsage, "--strings-in-hex=%s: use all, non-ascii or none", v)
	}

	// Statistics.
	s.summaryOnly = c.Count("summary-only") > 0
	s.summary = s.summaryOnly || c.Count("summary") > 0
	s.summaryWall = c.Count("summary-wall-clock") > 0
	s.sortBy = c.String("summary-sort-by")
	if s.sortBy == "" {
		s.sortBy = "time"
	}
	if err := checkSortBy(s.sortBy); err != nil {
		return nil, err
	}
	if c.IsSet("summary-columns") {
		if s.summaryColumns, err = parseSummaryColumns(c.String("summary-columns")); err != nil {
			return nil, err
		}
	}
	if c.IsSet("summary-syscall-overhead") {
		if s.summaryOverhead, err = parseOverhead(c.String("summary-syscall-overhead")); err != nil {
			return nil, err
		}
	}
	if s.summaryOnly && c.Count("summary") > 0 {
		return nil, fail(ExitUsage, "-c/--summary-only and -C/--summary are mutually exclusive")
	}
	if s.summary && s.perThread {
		return nil, fail(ExitUsage, "(-c/--summary-only or -C/--summary) and -ff/--output-separately are mutually exclusive")
	}
	// As strace 6.1: -w and -U without -c or -C are errors, -S a warning.
	if !s.summary {
		switch {
		case s.summaryWall:
			return nil, fail(ExitUsage, "-w/--summary-wall-clock must be given with (-c/--summary-only or -C/--summary)")
		case c.IsSet("summary-columns"):
			return nil, fail(ExitUsage, "-U/--summary-columns must be given with (-c/--summary-only or -C/--summary)")
		case c.IsSet("summary-sort-by"):
			fmt.Fprintln(inv.stderr, "waittrace: -S/--summary-sort-by has no effect without (-c/--summary-only or -C/--summary)")
		}
	}

	// -e expressions and their long spellings, with -z and -Z, in order;
	// then -q.
	s.calls = syscalls.Calls()
	s.quiet = quietSet{}
	if err := s.qualify(inv.matches); err != nil {
		return nil, err
	}
	if s.summaryOnly {
		for _, o := range []struct {
			on   bool
			name string
		}{
			{s.instructionPtr, "-i/--instruction-pointer"}, {s.stack, "-k/--stack-traces"},
			{s.syscallNumber, "-n/--syscall-number"}, {s.relative >= 0, "-r/--relative-timestamps"},
			{s.absolute.Format != output.NoStamp, "-t/--absolute-timestamps"},
			{s.durations >= 0, "-T/--syscall-times"}, {s.decodeFds > 0, "-y/--decode-fds"},
		} {
			if o.on {
				fmt.Fprintf(inv.stderr, "waittrace: %s has no effect with -c/--summary-only\n", o.name)
			}
		}
	}
	if !s.outputGiven {
		// As strace: -ff without -o is -f.
		if s.perThread && !s.follow {
			fmt.Fprintln(inv.stderr, "waittrace: --output-separately has no effect without -o/--output")
		}
		if s.appendMode {
			fmt.Fprintln(inv.stderr, "waittrace: -A/--output-append-mode has no effect without -o/--output")
		}
		s.perThread = false
	}
	if c.Count("successful-only")+c.Count("failed-only") > 1 {
		fmt.Fprintln(inv.stderr, "waittrace: Only the last of -z/--successful-only/-Z/--failed-only options will take effect. See status qualifier for more complex filters.")
	}
	q := c.Count("q")
	if q > 0 && s.quietGiven {
		return nil, fail(ExitUsage, "-q and -e quiet/--quiet cannot be provided simultaneously")
	}
	// As strace: a launched command's trace going to -o is traced as with
	// -q, unless -e quiet= says otherwise.
	if q == 0 && !s.quietGiven && s.outputGiven && len(s.argv) > 0 {
		q = 1
	}
	switch {
	case q >= 3:
		s.quiet = quietSet{true, true, true, true, true}
	case q == 2:
		s.quiet.attach, s.quiet.personality, s.quiet.exit = true, true, true
	case q == 1:
		s.quiet.attach, s.quiet.personality = true, true
	}

	// Who reaped whom.
	if s.reaps, err = parseReaps(c, s.summary); err != nil {
		return nil, err
	}
	if c.IsSet("alert-exit") {
		n, err := strconv.Atoi(c.String("alert-exit"))
		if err != nil || n < 1 || n > 255 {
			return nil, fail(ExitUsage, "--alert-exit=%s: use an exit status from 1 to 255", c.String("alert-exit"))
		}
		if s.reaps == nil || len(s.reaps.Alerts) == 0 {
			return nil, fail(ExitUsage, "--alert-exit needs --alert=LIST")
		}
		s.alertExit = n
	}
	s.debug = c.Count("debug") > 0
	s.seccompOnly = c.Count("seccomp-floor") > 0
	if s.perThread && (strings.HasPrefix(s.output, "|") || strings.HasPrefix(s.output, "!")) {
		return nil, fail(ExitUsage, "piping the output and -ff are mutually exclusive")
	}
	if s.perThread && s.format != "text" {
		return nil, fail(ExitUsage, "-ff writes strace's text, one file per process: it cannot be used with --output-format=%s", s.format)
	}
	return s, nil
}

// decodeFdsGiven says whether --decode-fds or -e decode-fds= is among
// the options (with -y, an error as in strace).
func decodeFdsGiven(matches []GetoptMatch) bool {
	for _, m := range matches {
		if m.Name == "decode-fds" {
			return true
		}
		if c, _, err := SplitStraceQualifier(m.Value); m.Name == "e" && err == nil && c.LongOption == "decode-fds" {
			return true
		}
	}
	return false
}

// qualify reads the -e expressions, and their long spellings, in order.
func (s *settings) qualify(matches []GetoptMatch) error {
	for _, m := range matches {
		if !qualifierNames[m.Name] {
			continue
		}
		class, value := m.Name, m.Value
		// -Y and --pidns-translation are decode-pids= sets, replacing the
		// one before them, as in strace.
		switch m.Name {
		case "Y":
			class, value = "decode-pids", "comm"
		case "pidns-translation":
			class, value = "decode-pids", "pidns"
		}
		if m.Name == "e" {
			c, v, err := SplitStraceQualifier(m.Value)
			if err != nil {
				return fail(ExitUsage, "%v", err)
			}
			class, value = c.LongOption, v
			if o := optionNamed(class); o != nil && o.notFor != "" {
				return fail(ExitUsage, "-e %s: %s", m.Value, o.notFor)
			}
		}
		// As the user spelled it, for the messages.
		spelled := m.Spelling + "=" + m.Value
		if m.Name == "e" {
			spelled = "-e " + m.Value
		}
		var err error
		switch class {
		case "trace":
			s.calls, err = parseTrace(s.calls, value)
		case "signals":
			s.signals, err = parseSignalSet(value)
		case "status":
			s.status, err = output.ParseStatus(value)
		case "quiet":
			if m.Name == "quiet" && !m.HasValue {
				value = "attach,personality" // a bare --quiet is -q
			}
			s.quiet, err = parseQuiet(value)
			s.quietGiven = true
		case "successful-only":
			s.status = output.Successful // -z, in order with -e status=
		case "failed-only":
			s.status = output.Failed
		case "abbrev":
			s.abbrevCalls, err = parseCallSet(class, value)
		case "verbose":
			s.verboseCalls, err = parseCallSet(class, value)
		case "raw":
			s.rawCalls, err = parseCallSet(class, value)
		case "inject", "fault":
			s.tamper = append(s.tamper, tamperExpr{fault: class == "fault", expr: value})
		case "decode-fds":
			switch value {
			case "", "path":
				s.decodeFds = max(s.decodeFds, 1)
			case "all", "pidfd", "path,pidfd":
				s.decodeFds = 2
			case "none":
				s.decodeFds = 0
			default:
				err = errors.New("waittrace decodes the pidfds of waitid: path, pidfd, all or none")
			}
		case "decode-pids":
			s.decodePids, s.pidns = false, false
			for _, v := range strings.Split(value, ",") {
				switch v {
				case "comm":
					s.decodePids = true
				case "pidns":
					s.pidns = true
				case "none":
					s.decodePids, s.pidns = false, false
				case "all":
					s.decodePids, s.pidns = true, true
				default:
					err = errors.New("use comm, pidns, all or none")
				}
			}
		}
		if err != nil {
			var ee *exitError
			if errors.As(err, &ee) {
				return err
			}
			return fail(ExitUsage, "%s: %v", spelled, err)
		}
	}
	return nil
}

// timestamps reads -t, -tt, -ttt, --absolute-timestamps, -r and -T.
func (s *settings) timestamps(c *cli.Context) error {
	switch n := c.Count("t"); {
	case n >= 3:
		s.absolute = output.Stamp{Format: output.UnixTime, Precision: output.Microseconds}
	case n == 2:
		s.absolute = output.Stamp{Format: output.TimeOfDay, Precision: output.Microseconds}
	case n == 1:
		s.absolute = output.Stamp{Format: output.TimeOfDay, Precision: output.Seconds}
	}
	if given, _ := optionalValue(c, "absolute-timestamps"); given && c.Count("t") > 0 {
		return fail(ExitUsage, "-t and --absolute-timestamps cannot be provided simultaneously")
	}
	if given, v := optionalValue(c, "absolute-timestamps"); given {
		st := output.Stamp{Format: output.TimeOfDay, Precision: output.Seconds}
		for _, part := range strings.Split(v, ",") {
			key, val, ok := strings.Cut(part, ":")
			if !ok {
				val = key
				key = ""
			}
			switch {
			case part == "":
			case (key == "" || key == "format") && val == "time":
				st.Format = output.TimeOfDay
			case (key == "" || key == "format") && val == "unix":
				st.Format = output.UnixTime
			case (key == "" || key == "format") && val == "none":
				st.Format = output.NoStamp
			case key == "" || key == "precision":
				d, err := precision(val)
				if err != nil {
					return fail(ExitUsage, "--absolute-timestamps=%s: %v", v, err)
				}
				st.Precision = precisionOf(d)
			default:
				return fail(ExitUsage, "--absolute-timestamps=%s: use [format:]time|unix|none and [precision:]s|ms|us|ns", v)
			}
		}
		s.absolute = st
	}
	if given, v := optionalValue(c, "relative-timestamps"); given {
		d, err := precisionOr(v, 6)
		if err != nil {
			return fail(ExitUsage, "--relative-timestamps=%s: %v", v, err)
		}
		s.relative = d
	}
	if given, v := optionalValue(c, "syscall-times"); given {
		d, err := precisionOr(v, 6)
		if err != nil {
			return fail(ExitUsage, "--syscall-times=%s: %v", v, err)
		}
		s.durations = d
	}
	return nil
}

// precision reads s, ms, us, ns as a number of fractional digits.
func precision(v string) (int, error) {
	switch v {
	case "s":
		return 0, nil
	case "ms":
		return 3, nil
	case "us":
		return 6, nil
	case "ns":
		return 9, nil
	}
	return 0, errors.New("the precision is one of s, ms, us, ns")
}

func precisionOr(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	return precision(v)
}

// parseInterruptible reads -I: a number or strace's name for it.
func parseInterruptible(v string) (session.Interruptible, error) {
	for i, names := range [][]string{{"1", "anywhere"}, {"2", "waiting"}, {"3", "never"}, {"4", "never_tstp"}} {
		if slices.Contains(names, v) {
			return session.Interruptible(i + 1), nil
		}
	}
	return 0, fail(ExitUsage, "-I %s: use 1 (anywhere), 2 (waiting), 3 (never) or 4 (never_tstp)", v)
}

// parseQuiet reads --quiet=LIST: what it suppresses.
func parseQuiet(list string) (quietSet, error) {
	negate := strings.HasPrefix(list, "!")
	list = strings.TrimPrefix(list, "!")
	var q quietSet
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "", "none":
		case "all":
			q = quietSet{true, true, true, true, true}
		case "attach":
			q.attach = true
		case "personality":
			q.personality = true
		case "exit", "exits":
			q.exit = true
		case "path-resolution":
			q.pathResolution = true
		case "thread-execve", "superseded":
			q.threadExecve = true
		default:
			return q, errors.New("use attach, personality, exit, path-resolution, thread-execve, all or none")
		}
	}
	if negate {
		q = quietSet{!q.attach, !q.personality, !q.exit, !q.pathResolution, !q.threadExecve}
	}
	return q, nil
}

// parseCallSet reads the calls of -e abbrev=, verbose=, raw= (class).
func parseCallSet(class, list string) (map[syscalls.Call]bool, error) {
	calls, err := parseTrace(nil, list)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) { // parseTrace's messages say "-e trace="
			ee.msg = strings.Replace(ee.msg, "-e trace=", "-e "+class+"=", 1)
		}
		return nil, err
	}
	set := map[syscalls.Call]bool{}
	for _, c := range calls {
		set[c] = true
	}
	return set, nil
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

// callClasses are strace's %classes, as they apply to the wait calls.
var callClasses = map[string][]syscalls.Call{
	"%process": {syscalls.Wait4, syscalls.Waitid, syscalls.Waitpid}, "process": {syscalls.Wait4, syscalls.Waitid, syscalls.Waitpid},
	"%clock": nil, "%creds": nil, "%desc": nil, "%file": nil, "%fstat": nil, "%fstatfs": nil, "%ipc": nil,
	"%lstat": nil, "%memory": nil, "%net": nil, "%network": nil, "%pure": nil, "%signal": nil, "%stat": nil,
	"%stat_like": nil, "%statfs": nil, "%statfs_like": nil,
}

// parseTrace reads one trace expression, [!]LIST, as strace does: names
// of calls, all, none, %classes, /regex and ?name (no error if unknown).
// Each expression replaces the selection before it.
func parseTrace(_ []syscalls.Call, list string) ([]syscalls.Call, error) {
	negate := strings.HasPrefix(list, "!")
	list = strings.TrimPrefix(list, "!")
	in := map[syscalls.Call]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		optional := strings.HasPrefix(name, "?")
		name = strings.TrimPrefix(name, "?")
		switch {
		case name == "none" || (name == "" && strings.Trim(list, ", ") != ""):
			continue // "trace=wait4," skips the empty item
		case name == "all":
			for _, c := range syscalls.Calls() {
				in[c] = true
			}
			continue
		case strings.HasPrefix(name, "/"):
			re, err := compileRegexp(name[1:])
			if err != nil {
				return nil, fail(ExitUsage, "-e trace=%s: %v", name, err)
			}
			for _, c := range syscalls.Calls() {
				if re.MatchString(c.String()) {
					in[c] = true
				}
			}
			continue
		}
		if calls, ok := callClasses[name]; ok {
			for _, c := range calls {
				in[c] = true
			}
			continue
		}
		c, ok := syscalls.ParseCall(name)
		if !ok {
			if optional {
				continue
			}
			return nil, fail(ExitUsage, "-e trace=%s: waittrace traces only wait4, waitid and waitpid", name)
		}
		in[c] = true
	}
	var selected []syscalls.Call
	for _, c := range syscalls.Calls() {
		if in[c] != negate {
			selected = append(selected, c)
		}
	}
	return selected, nil
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

// credential looks up -u USER (a name or a number) with its supplementary
// groups. Like strace, only root may use it.
func credential(name string) (*ptrace.Credential, error) {
	if name == "" {
		return nil, nil
	}
	if os.Geteuid() != 0 {
		return nil, fail(ExitUsage, "you must be root to use -u")
	}
	// strace 6.9's -u UID:GID: these ids, no supplementary groups, and
	// no lookup.
	if us, gs, ok := strings.Cut(name, ":"); ok {
		uid, err1 := strconv.ParseUint(us, 10, 32)
		gid, err2 := strconv.ParseUint(gs, 10, 32)
		if err1 != nil || err2 != nil || uid == 1<<32-1 || gid == 1<<32-1 {
			return nil, fail(ExitUsage, "-u %s: a UID:GID pair is two numbers", name)
		}
		return &ptrace.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
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

// environment is COMMAND's environment: waittrace's, changed by -E.
func environment(changes []string) []string {
	env := os.Environ()
	for _, c := range changes {
		name, _, set := strings.Cut(c, "=")
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
		if set {
			env = append(env, c)
		}
	}
	return env
}

// parseAlerts reads --alert=LIST.
func parseAlerts(list string) (map[string]bool, error) {
	set := map[string]bool{}
	if list == "" {
		return set, nil
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "all":
			for _, k := range reaps.AlertKinds {
				set[k] = true
			}
		case slices.Contains(reaps.AlertKinds, name):
			set[name] = true
		default:
			return nil, fail(ExitUsage, "--alert=%s: use a list of %s, or all", name, strings.Join(reaps.AlertKinds, ","))
		}
	}
	return set, nil
}

// parseReaps reads the options of the tracker: nil when none asks for it.
func parseReaps(c *cli.Context, summary bool) (*reaps.Options, error) {
	alerts, err := parseAlerts(c.String("alert"))
	if err != nil {
		return nil, err
	}
	after, err := time.ParseDuration(c.String("zombie-after"))
	if err != nil || after <= 0 {
		return nil, fail(ExitUsage, "--zombie-after=%s: use a positive duration (500ms, 2s)", c.String("zombie-after"))
	}
	report, _, err := reapsValue(c)
	if err != nil {
		return nil, err
	}
	o := &reaps.Options{Alerts: alerts, ZombieAfter: after, Report: report, Summary: summary}
	if !o.Report && !o.Summary && len(alerts) == 0 {
		return nil, nil
	}
	return o, nil
}
