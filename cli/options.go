package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// The command line is strace's. Every option is parsed as strace's getopt
// parses it (GetoptNormalize, with strace 6.1's own option table followed
// by waittrace's additions), then handed to urfave/cli as canonical
// "--NAME[=VALUE]" tokens. The table below is the one place that says, for
// each canonical NAME, how its values are kept, what --help, the man page
// and the completions say of it, and, for an option of strace's that
// cannot apply to the wait calls, why.

// kind says how an option's values are kept.
type kind uint8

const (
	switchOpt   kind = iota // counted: -q, -qq, -qqq
	valueOpt                // one value; the last one given counts
	listOpt                 // values that add up: -p, -E, -e
	optionalOpt             // a switch that may carry a value: --quiet[=LIST]
)

// Help sections, in the order --help prints them.
const (
	catGeneral = "General"
	catStart   = "Startup"
	catTrace   = "Tracing"
	catFilter  = "Filtering"
	catOutput  = "Output format"
	catTime    = "Timestamps"
	catSummary = "Statistics"
	catTamper  = "Tampering"
	catReaps   = "Who reaped whom"
	catMisc    = "Miscellaneous"
)

var categories = []string{catGeneral, catStart, catTrace, catFilter, catOutput, catTime, catSummary, catTamper, catReaps, catMisc}

// option is one option of the command line.
type option struct {
	// name is the canonical name: the getopt table's and urfave's.
	name string
	kind kind
	// syntax is how --help and the man page show it, in strace's
	// spellings: "-f, --follow-forks".
	syntax string
	help   string
	cat    string
	// notFor, for an option of strace's that cannot apply to the wait
	// calls, says why; using it is an error that says so.
	notFor string
	hidden bool
	// def is the value assumed when the option is not given.
	def string
}

// waittraceGetopt is what waittrace adds to strace's option table:
// long-only options, after strace's so that strace's abbreviations keep
// resolving as they do for strace.
var waittraceGetopt = []GetoptOption{
	{Long: []string{"kill-on-exit"}, Arg: GetoptNoArg, Name: "kill-on-exit"},
	{Long: []string{"reaps"}, Arg: GetoptOptionalArg, Name: "reaps"},
	{Long: []string{"alert"}, Arg: GetoptRequiredArg, Name: "alert"},
	{Long: []string{"alert-exit"}, Arg: GetoptRequiredArg, Name: "alert-exit"},
	{Long: []string{"zombie-after"}, Arg: GetoptRequiredArg, Name: "zombie-after"},
	{Long: []string{"color", "colour"}, Arg: GetoptOptionalArg, Name: "color"},
	{Long: []string{"json"}, Arg: GetoptNoArg, Name: "json"},
	{Long: []string{"output-format"}, Arg: GetoptRequiredArg, Name: "output-format"},
	{Long: []string{"resumed"}, Arg: GetoptRequiredArg, Name: "resumed"},
	{Long: []string{"timeline"}, Arg: GetoptRequiredArg, Name: "timeline"},
	{Long: []string{"seccomp-floor"}, Arg: GetoptNoArg, Name: "seccomp-floor"},
	{Long: []string{"generate-man"}, Arg: GetoptNoArg, Name: "generate-man"},
	{Long: []string{"generate-completion"}, Arg: GetoptRequiredArg, Name: "generate-completion"},
}

// getoptTable is the whole option table for GetoptNormalize. waittrace's
// --seccomp-bpf takes an optional value (=false turns the filter off), an
// addition to strace's switch.
func getoptTable() []GetoptOption {
	opts := StraceGetoptOptions()
	for i := range opts {
		if opts[i].Name == "seccomp-bpf" {
			opts[i].Arg = GetoptOptionalArg
		}
	}
	return append(opts, waittraceGetopt...)
}

const noString = "the wait calls have no string arguments: it changes nothing"

// options is every option, by canonical name.
var options = []option{
	// General.
	{name: "help", kind: switchOpt, syntax: "-h, --help", cat: catGeneral, help: "print this help and exit"},
	{name: "version", kind: switchOpt, syntax: "-V, --version", cat: catGeneral, help: "print the version and exit"},

	// Startup.
	{name: "attach", kind: listOpt, syntax: "-p PID, --attach=PID", cat: catStart,
		help: "trace the process PID, with all its threads; repeatable, or a list: -p 1,2,3 or -p '1 2 3'; can be combined with a COMMAND"},
	{name: "user", kind: valueOpt, syntax: "-u USER, --user=USER", cat: catStart,
		help: "run COMMAND as USER (a name or a uid) with its groups; root only"},
	{name: "env", kind: listOpt, syntax: "-E VAR=VAL, --env=VAR=VAL", cat: catStart,
		help: "put VAR=VAL in COMMAND's environment; -E VAR removes VAR"},
	{name: "D", kind: switchOpt, syntax: "-D, -DD, -DDD", cat: catStart,
		help: "run waittrace as a detached grandchild, not as COMMAND's parent: the shell waits for COMMAND itself (-DD: in its own process group, -DDD: in its own session)"},
	{name: "daemonize", kind: optionalOpt, syntax: "--daemonize[=grandchild|pgroup|session]", cat: catStart, help: "as -D, -DD, -DDD"},
	{name: "interruptible", kind: valueOpt, syntax: "-I INTERRUPTIBLE, --interruptible=INTERRUPTIBLE", cat: catStart,
		help: "when a fatal signal to waittrace (SIGINT, SIGTERM, SIGHUP, SIGQUIT) ends the trace: 1 or anywhere, 2 or waiting: it detaches and still waits for COMMAND; 3 or never: it goes on tracing (the default for COMMAND traced with -o FILE); 4 or never_tstp: also ^Z is ignored. Either way such a signal sent to waittrace alone is passed on to COMMAND, once"},
	{name: "kill-on-exit", kind: switchOpt, syntax: "--kill-on-exit", cat: catStart,
		help: "kill COMMAND and the processes followed with it if waittrace dies (implied by the seccomp filter); otherwise they run on untraced"},

	// Tracing.
	{name: "f", kind: switchOpt, syntax: "-f, -ff", cat: catTrace,
		help: "follow forks, vforks and clones: trace COMMAND's children and threads too; -ff with -o FILE: one file per thread, FILE.PID"},
	{name: "follow-forks", kind: switchOpt, syntax: "--follow-forks", cat: catTrace, help: "as -f"},
	{name: "output-separately", kind: switchOpt, syntax: "--output-separately", cat: catTrace, help: "the second f of -ff"},
	{name: "F", kind: switchOpt, syntax: "-F", cat: catTrace, help: "as -f (strace's deprecated spelling)", hidden: true},
	{name: "detach-on", kind: valueOpt, syntax: "-b execve, --detach-on=execve", cat: catTrace,
		help: "detach from a traced process when it executes a new program"},
	{name: "seccomp-bpf", kind: optionalOpt, syntax: "--seccomp-bpf[=false]", cat: catTrace, def: "true",
		help: "with -f, stop COMMAND and its descendants only at the traced calls, with a seccomp filter: the default with -f, far faster; they are then traced to their end, even on Ctrl-C, and killed if waittrace is. =false stops at every call. Without -f, and with -p, every call stops"},
	{name: "stack-traces", kind: switchOpt, syntax: "-k, --stack-traces", cat: catTrace,
		help: "print the stack of each traced call (and signal) after it, as strace -k"},

	// Filtering.
	{name: "e", kind: listOpt, syntax: "-e EXPR", cat: catFilter,
		help: "a qualifying expression, CLASS=[!]VALUE[,VALUE...]: -e trace=, signal=, status=, quiet=, abbrev=, verbose=, raw=, inject=, fault=, decode-fds=, decode-pids= (each also as --CLASS=); a bare -e LIST is trace="},
	{name: "trace", kind: listOpt, syntax: "--trace=[!]SYSCALLS", cat: catFilter,
		help: "which of wait4, waitid, waitpid to trace (all, none, %process, %clock... and /regex as strace); default all"},
	{name: "signals", kind: listOpt, syntax: "--signal=[!]SIGNALS", cat: catFilter,
		help: "which signals' deliveries to print: names (with or without SIG), numbers, all, none"},
	{name: "status", kind: listOpt, syntax: "--status=[!]STATUSES", cat: catFilter,
		help: "print only calls that are successful, failed, unfinished, unavailable or detached (all, none)"},
	{name: "successful-only", kind: switchOpt, syntax: "-z, --successful-only", cat: catFilter, help: "as --status=successful"},
	{name: "failed-only", kind: switchOpt, syntax: "-Z, --failed-only", cat: catFilter, help: "as --status=failed"},
	{name: "quiet", kind: optionalOpt, syntax: "--quiet[=attach,personality,exit,path-resolution,thread-execve]", cat: catFilter,
		help: "suppress these messages: attach (Process N attached/detached), exit (+++ exited with N +++), thread-execve (superseded by execve); all, none"},
	{name: "q", kind: switchOpt, syntax: "-q, -qq, -qqq", cat: catFilter,
		help: "-q: --quiet=attach,personality; -qq: also exit; -qqq: all"},
	{name: "trace-path", kind: listOpt, syntax: "-P PATH, --trace-path=PATH", cat: catFilter, hidden: true,
		notFor: "-P selects calls by the paths they use, and the wait calls use none"},
	{name: "read", kind: listOpt, syntax: "--read=FDS", cat: catFilter, hidden: true, notFor: "-e read= dumps data read from descriptors, and the wait calls read none"},
	{name: "write", kind: listOpt, syntax: "--write=FDS", cat: catFilter, hidden: true, notFor: "-e write= dumps data written to descriptors, and the wait calls write none"},
	{name: "kvm", kind: listOpt, syntax: "--kvm=vcpu", cat: catFilter, hidden: true, notFor: "-e kvm= shows KVM exits, made by ioctl, which waittrace does not trace"},
	{name: "secontext", kind: optionalOpt, syntax: "--secontext", cat: catFilter, hidden: true, notFor: "--secontext prints SELinux contexts, which waittrace does not read"},

	// Output format.
	{name: "output", kind: valueOpt, syntax: "-o FILE, --output=FILE", cat: catOutput,
		help: "write the trace to FILE instead of stderr (-o '|CMD' or '!CMD': to CMD's input); with -f, lines start with the pid"},
	{name: "output-append-mode", kind: switchOpt, syntax: "-A, --output-append-mode", cat: catOutput, help: "append to the -o file instead of truncating it"},
	{name: "columns", kind: valueOpt, syntax: "-a COLUMN, --columns=COLUMN", cat: catOutput, def: "40", help: "align the return values at COLUMN"},
	{name: "no-abbrev", kind: switchOpt, syntax: "-v, --no-abbrev", cat: catOutput, help: "print structures (struct rusage) in full"},
	{name: "abbrev", kind: listOpt, syntax: "--abbrev=SYSCALLS", cat: catOutput, help: "abbreviate the structures of these calls (default all; none is -v)"},
	{name: "verbose", kind: listOpt, syntax: "--verbose=SYSCALLS", cat: catOutput, help: "decode the structures of these calls (default all); others print their addresses"},
	{name: "raw", kind: listOpt, syntax: "--raw=SYSCALLS", cat: catOutput, help: "print the arguments of these calls undecoded, in hexadecimal"},
	{name: "const-print-style", kind: valueOpt, syntax: "-X raw|abbrev|verbose, --const-print-style=...", cat: catOutput,
		help: "print constants as numbers (raw), names (abbrev, the default) or both (verbose)"},
	{name: "syscall-number", kind: switchOpt, syntax: "-n, --syscall-number", cat: catOutput, help: "print the system call's number: [  61] wait4(...)"},
	{name: "instruction-pointer", kind: switchOpt, syntax: "-i, --instruction-pointer", cat: catOutput, help: "print the instruction pointer at the time of the call"},
	{name: "y", kind: switchOpt, syntax: "-y, -yy", cat: catOutput, help: "print what descriptors refer to: waitid(P_PIDFD, 3<anon_inode:[pidfd]>, ...); -yy: the pidfd's pid too"},
	{name: "decode-fds", kind: optionalOpt, syntax: "--decode-fds[=path,pidfd,all]", cat: catOutput, help: "as -y (path), -yy (all)"},
	{name: "Y", kind: switchOpt, syntax: "-Y", cat: catOutput, help: "print the command names of pids: wait4(4373<sleep>, ...), [pid  4373<sleep>]"},
	{name: "decode-pids", kind: listOpt, syntax: "--decode-pids=comm,pidns", cat: catOutput, help: "comm: as -Y; pidns: as --pidns-translation"},
	{name: "pidns-translation", kind: switchOpt, syntax: "--pidns-translation", cat: catOutput, help: "print the pids of other pid namespaces as waittrace's namespace sees them too"},
	{name: "string-limit", kind: valueOpt, syntax: "-s STRSIZE, --string-limit=STRSIZE", cat: catOutput, hidden: true, help: noString},
	{name: "x", kind: switchOpt, syntax: "-x, -xx", cat: catOutput, hidden: true, help: noString},
	{name: "strings-in-hex", kind: optionalOpt, syntax: "--strings-in-hex", cat: catOutput, hidden: true, help: noString},
	{name: "color", kind: optionalOpt, syntax: "--color[=auto|always|never]", cat: catOutput, def: "auto",
		help: "color call names, return values, errors, signals and exits: auto colors on a terminal without NO_COLOR"},
	{name: "resumed", kind: valueOpt, syntax: "--resumed=short|full", cat: catOutput, def: "short",
		help: "full: print a call that blocked while others printed in full when it returns, instead of <... wait4 resumed>"},
	{name: "output-format", kind: valueOpt, syntax: "--output-format=text|json|table", cat: catOutput, def: "text",
		help: "strace's text, JSON Lines (as --json) or Tracee's table; the alerts, report and summary come in the same format"},
	{name: "json", kind: switchOpt, syntax: "--json", cat: catOutput, help: "write JSON Lines: one object per call, signal, exit, alert and report (see the README)"},
	{name: "timeline", kind: valueOpt, syntax: "--timeline=FILE", cat: catOutput,
		help: "also write the trace to FILE in the Trace Event Format, which ui.perfetto.dev and chrome://tracing open"},
	{name: "tips", kind: optionalOpt, syntax: "--tips", cat: catOutput, hidden: true, notFor: "waittrace has no tips to show"},

	// Timestamps.
	{name: "t", kind: switchOpt, syntax: "-t, -tt, -ttt", cat: catTime,
		help: "prefix each line with the time of day (14:03:37); -tt with microseconds; -ttt: the time since the epoch"},
	{name: "absolute-timestamps", kind: optionalOpt, syntax: "--absolute-timestamps[=[format:]time|unix][,[precision:]s|ms|us|ns]", cat: catTime,
		help: "as -t, in the format and precision given (also --timestamps)"},
	{name: "relative-timestamps", kind: optionalOpt, syntax: "-r, --relative-timestamps[=s|ms|us|ns]", cat: catTime,
		help: "prefix each line with the time since the previous line's"},
	{name: "syscall-times", kind: optionalOpt, syntax: "-T, --syscall-times[=s|ms|us|ns]", cat: catTime,
		help: "print the time each call took after it: <0.000123>"},

	// Statistics.
	{name: "summary-only", kind: switchOpt, syntax: "-c, --summary-only", cat: catSummary,
		help: "count the calls, their time and errors, and print strace's summary table (and a table of outcomes) instead of the trace"},
	{name: "summary", kind: switchOpt, syntax: "-C, --summary", cat: catSummary, help: "as -c, but print the trace too"},
	{name: "summary-wall-clock", kind: switchOpt, syntax: "-w, --summary-wall-clock", cat: catSummary,
		help: "count the wall-clock time of each call, from entry to exit, rather than the system time the tracee spent in it"},
	{name: "summary-sort-by", kind: valueOpt, syntax: "-S SORTBY, --summary-sort-by=SORTBY", cat: catSummary, def: "time",
		help: "sort the summary by time, min-time, max-time, avg-time, calls, errors, name or nothing"},
	{name: "summary-columns", kind: valueOpt, syntax: "-U COLUMNS, --summary-columns=COLUMNS", cat: catSummary,
		help: "the summary's columns: time-percent, total-time, min-time, max-time, avg-time, calls, errors, name (default time-percent,total-time,avg-time,calls,errors,name)"},
	{name: "summary-syscall-overhead", kind: valueOpt, syntax: "-O OVERHEAD, --summary-syscall-overhead=OVERHEAD", cat: catSummary,
		help: "subtract OVERHEAD from the time of each call in the summary, down to zero: microseconds, or with a unit (1.5, 150us, 0.2ms, 1s)"},

	// Tampering.
	{name: "inject", kind: listOpt, syntax: "--inject=SET:error=ERRNO|retval=VALUE[:...]", cat: catTamper,
		help: "make the calls of SET fail with ERRNO or return VALUE without running, and/or :signal=SIG, :delay_enter=DELAY, :delay_exit=DELAY, on the calls :when=FIRST[..LAST][+STEP] says, as strace -e inject="},
	{name: "fault", kind: listOpt, syntax: "--fault=SET[:error=ERRNO][:when=EXPR]", cat: catTamper, help: "as --inject=SET:error=ERRNO (default ENOSYS)"},

	// Who reaped whom.
	{name: "reaps", kind: optionalOpt, syntax: "--reaps[=stacks]", cat: catReaps,
		help: "at the end, report who reaped whom: the process tree, how each process ended, which wait call collected it and how long after (with -f); =stacks: and where each collecting call was made, from its stack, unwound as -k does but not printed in the trace"},
	{name: "alert", kind: valueOpt, syntax: "--alert=LIST", cat: catReaps,
		help: "alert as soon as it happens on: nonzero, signaled, coredump, zombie, unreaped, echild, lost, stolen (or all)"},
	{name: "zombie-after", kind: valueOpt, syntax: "--zombie-after=DURATION", cat: catReaps, def: "1s",
		help: "how long a child may stay unreaped while its parent is traced before the zombie alert"},
	{name: "alert-exit", kind: valueOpt, syntax: "--alert-exit=N", cat: catReaps,
		help: "exit with status N (1 to 255) if an alert fired and COMMAND succeeded"},

	// Miscellaneous.
	{name: "debug", kind: switchOpt, syntax: "-d, --debug", cat: catMisc, help: "print waittrace's own decisions (filter, signals passed on, detaching) on stderr"},
	{name: "seccomp-floor", kind: switchOpt, syntax: "--seccomp-floor", cat: catMisc, hidden: true, help: "benchmarks only: run COMMAND untraced under the same filter, returning ALLOW"},
	{name: "generate-man", kind: switchOpt, syntax: "--generate-man", cat: catMisc, hidden: true, help: "print the man page"},
	{name: "generate-completion", kind: valueOpt, syntax: "--generate-completion=bash|zsh", cat: catMisc, hidden: true, help: "print a completion script"},
}

// optionNamed returns the option of that canonical name.
func optionNamed(name string) *option {
	for i := range options {
		if options[i].name == name {
			return &options[i]
		}
	}
	return nil
}

// flags are urfave's flags for every option.
func flags() []cli.Flag {
	var fs []cli.Flag
	for _, o := range options {
		switch o.kind {
		case switchOpt:
			fs = append(fs, &cli.BoolFlag{Name: o.name, Count: new(int), Hidden: true})
		case valueOpt:
			fs = append(fs, &cli.StringFlag{Name: o.name, Value: o.def, Hidden: true})
		case listOpt:
			fs = append(fs, &cli.StringSliceFlag{Name: o.name, Hidden: true})
		case optionalOpt:
			fs = append(fs, &cli.GenericFlag{Name: o.name, Value: &optional{}, Hidden: true})
		}
	}
	return fs
}

// optional is the value of an option whose value is optional: given as
// "--NAME" (Set("true"): getopt gave no value) or "--NAME=VALUE".
type optional struct {
	given bool
	value string // the last value given, "" if none
}

func (o *optional) String() string   { return o.value }
func (o *optional) IsBoolFlag() bool { return true }
func (o *optional) Set(v string) error {
	o.given = true
	if v == "true" {
		v = ""
	}
	o.value = v
	return nil
}

// optionalValue returns an optional option's state: given, and its value.
func optionalValue(c *cli.Context, name string) (given bool, value string) {
	if o, ok := c.Generic(name).(*optional); ok {
		return o.given, o.value
	}
	return false, ""
}

// helpText is --help: what waittrace does, how to call it, every option
// by section in strace's spellings, the -e classes, the exit statuses and
// examples.
func helpText(version string) string {
	var b strings.Builder
	b.WriteString(`waittrace ` + version + ` - trace wait4, waitpid and waitid as strace prints them

Usage:
  waittrace [OPTIONS] COMMAND [ARGS...]
  waittrace [OPTIONS] -p PID [-p PID...] [COMMAND [ARGS...]]

Traces the wait-family system calls of COMMAND (and, with -f, of its
descendants) or of running processes, and prints each call with its decoded
status, siginfo and rusage, its return value and errno, and the signals and
exits of the traced processes, line for line as
strace -e trace=wait4,waitid,waitpid does. The options are strace's, in the
spellings strace accepts (-etrace=wait4, -qq, -a28, --follow-forks, ...).
`)
	for _, cat := range categories {
		var rows []option
		for _, o := range options {
			if o.cat == cat && !o.hidden {
				rows = append(rows, o)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", cat)
		for _, o := range rows {
			b.WriteString(wrapOption(o.syntax, o.help))
		}
	}
	b.WriteString(`
Ignored, as they have nothing to act on in the wait calls: -s STRSIZE,
-x, -xx, --strings-in-hex. Refused, with the reason: -P PATH, -e read=,
-e write=, -e kvm=, --secontext, --tips.

Exit status:
  The traced COMMAND's: its exit status, or waittrace dies of the signal
  that killed it. With -p only: 0. Otherwise:
    1    tracing failed (the trace could not be started)
    2    invalid options or arguments
    3    -p: no such process
    4    -p: permission denied (the message says why)
    5    waittrace is installed set-id or with file capabilities: refused
    126  COMMAND exists but cannot be executed
    127  COMMAND was not found

Examples:
  waittrace -f make                     every wait of make and its children
  waittrace -p 1234 -o trace.txt        attach to a running supervisor
  waittrace -f -qq -etrace=waitid sh -c 'sleep 1 & wait'
  waittrace -f --reaps --alert=zombie --alert-exit=3 ./supervisor
  waittrace -e inject=wait4:error=EINTR:when=1 ./supervisor
  waittrace -f -k --timeline=t.json python3 app.py
`)
	return b.String()
}

// wrapOption lays out one option of --help: its syntax, then its help
// indented, wrapped at 79 columns.
func wrapOption(syntax, help string) string {
	var b strings.Builder
	b.WriteString("  " + syntax + "\n")
	line := "      "
	for _, w := range strings.Fields(help) {
		if len(line)+1+len(w) > 79 && strings.TrimSpace(line) != "" {
			b.WriteString(line + "\n")
			line = "      "
		}
		if strings.TrimSpace(line) != "" {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}

// manPage is the man page, in roff, from the same table.
func manPage(version string) string {
	var b strings.Builder
	b.WriteString(".TH WAITTRACE 1 \"\" \"waittrace " + version + "\" \"User Commands\"\n")
	b.WriteString(".SH NAME\nwaittrace \\- trace wait4, waitpid and waitid as strace prints them\n")
	b.WriteString(".SH SYNOPSIS\n.B waittrace\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR...]\n.br\n.B waittrace\n[\\fIOPTIONS\\fR] \\fB\\-p\\fR \\fIPID\\fR...\n")
	b.WriteString(".SH DESCRIPTION\n" + roff(`Traces the wait-family system calls of COMMAND (and, with -f, of its descendants) or of running processes, and prints each call with its decoded status, siginfo and rusage, its return value and errno, and the signals and exits of the traced processes, line for line as strace -e trace=wait4,waitid,waitpid does. The options are strace's, in the spellings strace accepts.`) + "\n")
	for _, cat := range categories {
		var rows []option
		for _, o := range options {
			if o.cat == cat && !o.hidden {
				rows = append(rows, o)
			}
		}
		if len(rows) == 0 {
			continue
		}
		b.WriteString(".SH " + strings.ToUpper(cat) + "\n")
		for _, o := range rows {
			b.WriteString(".TP\n.B " + roff(o.syntax) + "\n" + roff(o.help) + "\n")
		}
	}
	help := helpText(version)
	if i := strings.Index(help, "\nExit status:"); i >= 0 {
		b.WriteString(".SH EXIT STATUS\n.nf\n" + roff(strings.TrimPrefix(help[i+1:], "Exit status:\n")) + "\n.fi\n")
	}
	b.WriteString(".SH SEE ALSO\nstrace(1), wait(2), waitid(2)\n")
	return b.String()
}

// roff escapes text for the man page.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

// completion writes a bash or zsh completion script from the table.
func completion(shell string) (string, error) {
	var words []string
	for _, g := range getoptTable() {
		if o := optionNamed(g.Name); o == nil || o.hidden {
			continue
		}
		if g.Short != 0 {
			words = append(words, "-"+string(g.Short))
		}
		for _, l := range g.Long {
			words = append(words, "--"+l)
		}
	}
	words = append(words, "-ff", "-qq", "-qqq", "-tt", "-ttt", "-yy", "-DD", "-DDD")
	sort.Strings(words)
	list := strings.Join(words, " ")
	switch shell {
	case "bash":
		return fmt.Sprintf(`# bash completion for waittrace (generated: waittrace --generate-completion=bash)
_waittrace() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-o|--output|--timeline) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-p|--attach) COMPREPLY=($(compgen -W "$(ls /proc | grep '^[0-9]')" -- "$cur")); return ;;
	-u|--user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	-e) COMPREPLY=($(compgen -W "trace= signal= status= quiet= abbrev= verbose= raw= inject= fault= decode-fds= decode-pids=" -- "$cur")); return ;;
	-I|--interruptible) COMPREPLY=($(compgen -W "1 2 3 4 anywhere waiting never never_tstp" -- "$cur")); return ;;
	-X|--const-print-style) COMPREPLY=($(compgen -W "raw abbrev verbose" -- "$cur")); return ;;
	--output-format) COMPREPLY=($(compgen -W "text json table" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W %q -- "$cur"))
	else
		COMPREPLY=($(compgen -c -- "$cur"))
	fi
}
complete -F _waittrace waittrace
`, list), nil
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
`, list), nil
	}
	return "", fmt.Errorf("--generate-completion=%s: use bash or zsh", shell)
}
