package cli

import (
	"fmt"
	"strings"
)

// StraceOptionsVersion is the strace release the tables below transcribe
// (src/strace.c optstring and longopts[], src/filter_qualify.c
// qual_options[]).
const StraceOptionsVersion = "6.1"

// StraceShortOption is one letter of strace's getopt optstring.
type StraceShortOption struct {
	Letter      byte
	Arg         GetoptArgMode
	Description string
}

// StraceLongOption is one entry of strace's longopts[].
type StraceLongOption struct {
	Name string
	Arg  GetoptArgMode
	// Short is the short option this spelling is equivalent to (its getopt
	// val), 0 for a long-only option.
	Short byte
	// Canonical is the first spelling in longopts[] with the same getopt
	// val; spellings sharing it are aliases (--silent is --quiet).
	Canonical   string
	Description string
}

// StraceQualifierClass is one class of strace's -e expressions
// (-e CLASS=VALUE).
type StraceQualifierClass struct {
	// Name is the class's primary spelling.
	Name string
	// Aliases are every spelling strace accepts before '=', Name included.
	Aliases []string
	// LongOption is the long option equivalent to -e CLASS=VALUE, which
	// takes the same VALUE.
	LongOption  string
	Description string
}

// straceShortOptions is strace 6.1's optstring
// "+a:Ab:cCdDe:E:fFhiI:kno:O:p:P:qrs:S:tTu:U:vVwxX:yYzZ", in that order.
var straceShortOptions = [...]StraceShortOption{
	{'a', GetoptRequiredArg, "align syscall return values at column COLUMN"},
	{'A', GetoptNoArg, "open the -o file in append mode"},
	{'b', GetoptRequiredArg, "detach on the given syscall (only execve)"},
	{'c', GetoptNoArg, "count time, calls and errors per syscall and print only a summary"},
	{'C', GetoptNoArg, "like -c, but also print the regular output"},
	{'d', GetoptNoArg, "enable strace's debug output"},
	{'D', GetoptNoArg, "run the tracer as a detached grandchild (-DD: own process group, -DDD: own session)"},
	{'e', GetoptRequiredArg, "qualifying expression CLASS=[!]VALUES, CLASS defaulting to trace"},
	{'E', GetoptRequiredArg, "set VAR=VAL, or unset VAR, in the command's environment"},
	{'f', GetoptNoArg, "follow forks (-ff: and write each process to FILE.PID with -o)"},
	{'F', GetoptNoArg, "deprecated: follow vforks, treated as -f"},
	{'h', GetoptNoArg, "print help and exit"},
	{'i', GetoptNoArg, "print the instruction pointer at the time of each syscall"},
	{'I', GetoptRequiredArg, "when fatal signals may interrupt strace (1..4 or anywhere, waiting, never, never_tstp)"},
	{'k', GetoptNoArg, "print a stack trace after each syscall"},
	{'n', GetoptNoArg, "print the syscall number"},
	{'o', GetoptRequiredArg, "write the trace to FILE (or |CMD, !CMD) instead of stderr"},
	{'O', GetoptRequiredArg, "set the overhead assumed for tracing a syscall, for -c"},
	{'p', GetoptRequiredArg, "attach to the process(es) PID (comma or space separated list), may be repeated"},
	{'P', GetoptRequiredArg, "trace only syscalls accessing PATH, may be repeated"},
	{'q', GetoptNoArg, "suppress attach/detach messages (-qq: and exit statuses, -qqq: all)"},
	{'r', GetoptNoArg, "print a timestamp relative to the previous syscall"},
	{'s', GetoptRequiredArg, "print at most STRSIZE characters of each string"},
	{'S', GetoptRequiredArg, "sort the -c summary by SORTBY"},
	{'t', GetoptNoArg, "prefix lines with the time of day (-tt: with microseconds, -ttt: UNIX time)"},
	{'T', GetoptNoArg, "print the time spent in each syscall"},
	{'u', GetoptRequiredArg, "run the command as USERNAME"},
	{'U', GetoptRequiredArg, "choose the columns of the -c summary"},
	{'v', GetoptNoArg, "print structures unabbreviated"},
	{'V', GetoptNoArg, "print the version and exit"},
	{'w', GetoptNoArg, "summarise syscall wall-clock latency rather than system time"},
	{'x', GetoptNoArg, "print non-ASCII strings in hex (-xx: all strings)"},
	{'X', GetoptRequiredArg, "print named constants raw, abbrev or verbose"},
	{'y', GetoptNoArg, "print paths of file descriptors (-yy: all fd details)"},
	{'Y', GetoptNoArg, "print command names of PIDs"},
	{'z', GetoptNoArg, "print only syscalls that succeeded"},
	{'Z', GetoptNoArg, "print only syscalls that failed"},
}

// straceLongOptions is strace 6.1's longopts[], in its order; the order
// decides what an abbreviation resolves to and how ambiguities are listed.
var straceLongOptions = [...]StraceLongOption{
	{"columns", GetoptRequiredArg, 'a', "columns", "align syscall return values at column COLUMN"},
	{"output-append-mode", GetoptNoArg, 'A', "output-append-mode", "open the -o file in append mode"},
	{"detach-on", GetoptRequiredArg, 'b', "detach-on", "detach on the given syscall (only execve)"},
	{"summary-only", GetoptNoArg, 'c', "summary-only", "count time, calls and errors per syscall and print only a summary"},
	{"summary", GetoptNoArg, 'C', "summary", "like --summary-only, but also print the regular output"},
	{"debug", GetoptNoArg, 'd', "debug", "enable strace's debug output"},
	{"daemonize", GetoptOptionalArg, 0, "daemonize", "run the tracer detached: grandchild (default), pgroup or session"},
	{"daemonised", GetoptOptionalArg, 0, "daemonize", "alias of --daemonize"},
	{"daemonized", GetoptOptionalArg, 0, "daemonize", "alias of --daemonize"},
	{"env", GetoptRequiredArg, 'E', "env", "set VAR=VAL, or unset VAR, in the command's environment"},
	{"follow-forks", GetoptNoArg, 0, "follow-forks", "follow forks (unlike -f, not counted: -ff is --follow-forks --output-separately)"},
	{"output-separately", GetoptNoArg, 0, "output-separately", "write each process's trace to FILE.PID"},
	{"help", GetoptNoArg, 'h', "help", "print help and exit"},
	{"instruction-pointer", GetoptNoArg, 'i', "instruction-pointer", "print the instruction pointer at the time of each syscall"},
	{"interruptible", GetoptRequiredArg, 'I', "interruptible", "when fatal signals may interrupt strace"},
	{"stack-traces", GetoptNoArg, 'k', "stack-traces", "print a stack trace after each syscall"},
	{"syscall-number", GetoptNoArg, 'n', "syscall-number", "print the syscall number"},
	{"output", GetoptRequiredArg, 'o', "output", "write the trace to FILE instead of stderr"},
	{"summary-syscall-overhead", GetoptRequiredArg, 'O', "summary-syscall-overhead", "set the overhead assumed for tracing a syscall"},
	{"attach", GetoptRequiredArg, 'p', "attach", "attach to the process(es) PID, may be repeated"},
	{"trace-path", GetoptRequiredArg, 'P', "trace-path", "trace only syscalls accessing PATH, may be repeated"},
	{"relative-timestamps", GetoptOptionalArg, 'r', "relative-timestamps", "print relative timestamps, optionally with PRECISION s, ms, us or ns"},
	{"string-limit", GetoptRequiredArg, 's', "string-limit", "print at most STRSIZE characters of each string"},
	{"summary-sort-by", GetoptRequiredArg, 'S', "summary-sort-by", "sort the summary by SORTBY"},
	{"absolute-timestamps", GetoptOptionalArg, 0, "absolute-timestamps", "print absolute timestamps in [format:]FORMAT[,[precision:]PRECISION]"},
	{"timestamps", GetoptOptionalArg, 0, "absolute-timestamps", "alias of --absolute-timestamps"},
	{"syscall-times", GetoptOptionalArg, 'T', "syscall-times", "print the time spent in each syscall, optionally with PRECISION"},
	{"user", GetoptRequiredArg, 'u', "user", "run the command as USERNAME"},
	{"summary-columns", GetoptRequiredArg, 'U', "summary-columns", "choose the columns of the summary"},
	{"no-abbrev", GetoptNoArg, 'v', "no-abbrev", "print structures unabbreviated"},
	{"version", GetoptNoArg, 'V', "version", "print the version and exit"},
	{"summary-wall-clock", GetoptNoArg, 'w', "summary-wall-clock", "summarise wall-clock latency rather than system time"},
	{"strings-in-hex", GetoptOptionalArg, 0, "strings-in-hex", "print strings in hex: none, non-ascii-chars, non-ascii or all (default)"},
	{"const-print-style", GetoptRequiredArg, 'X', "const-print-style", "print named constants raw, abbrev or verbose"},
	{"pidns-translation", GetoptNoArg, 0, "pidns-translation", "also print PIDs as seen in strace's PID namespace"},
	{"successful-only", GetoptNoArg, 'z', "successful-only", "print only syscalls that succeeded"},
	{"failed-only", GetoptNoArg, 'Z', "failed-only", "print only syscalls that failed"},
	{"failing-only", GetoptNoArg, 'Z', "failed-only", "alias of --failed-only"},
	{"seccomp-bpf", GetoptNoArg, 0, "seccomp-bpf", "stop only at traced syscalls using a seccomp-bpf filter (needs -f)"},
	{"tips", GetoptOptionalArg, 0, "tips", "show a strace tip on exit: [[id:]ID][,[format:]FORMAT]"},
	{"trace", GetoptRequiredArg, 0, "trace", "trace only the given syscalls (-e trace=)"},
	{"abbrev", GetoptRequiredArg, 0, "abbrev", "abbreviate output of the given syscalls (-e abbrev=)"},
	{"verbose", GetoptRequiredArg, 0, "verbose", "dereference structures of the given syscalls (-e verbose=)"},
	{"raw", GetoptRequiredArg, 0, "raw", "print undecoded arguments of the given syscalls (-e raw=)"},
	{"signals", GetoptRequiredArg, 0, "signals", "trace only the given signals (-e signal=); --signal is its prefix"},
	{"status", GetoptRequiredArg, 0, "status", "print only syscalls with the given return statuses (-e status=)"},
	{"read", GetoptRequiredArg, 0, "read", "dump data read from the given fds (-e read=)"},
	{"write", GetoptRequiredArg, 0, "write", "dump data written to the given fds (-e write=)"},
	{"fault", GetoptRequiredArg, 0, "fault", "inject faults into syscalls (-e fault=)"},
	{"inject", GetoptRequiredArg, 0, "inject", "tamper with syscalls (-e inject=)"},
	{"kvm", GetoptRequiredArg, 0, "kvm", "print the exit reason of kvm vcpus (-e kvm=)"},
	{"quiet", GetoptOptionalArg, 0, "quiet", "suppress the given informational messages (-e quiet=); bare: as -q"},
	{"silent", GetoptOptionalArg, 0, "quiet", "alias of --quiet"},
	{"silence", GetoptOptionalArg, 0, "quiet", "alias of --quiet"},
	{"decode-fds", GetoptOptionalArg, 0, "decode-fds", "decode the given fd details (-e decode-fds=); bare: as -y"},
	{"decode-pids", GetoptRequiredArg, 0, "decode-pids", "decode the given PID details, pidns or comm (-e decode-pids=)"},
	{"secontext", GetoptOptionalArg, 0, "secontext", "print SELinux contexts (-e secontext=), if built with SELinux"},
}

// straceQualifierClasses is strace 6.1's qual_options[] grouped by class.
// A bare -e VALUE (no known CLASS= prefix) is trace.
var straceQualifierClasses = [...]StraceQualifierClass{
	{"trace", []string{"trace", "t"}, "trace", "syscalls to trace"},
	{"abbrev", []string{"abbrev", "a"}, "abbrev", "syscalls whose output is abbreviated"},
	{"verbose", []string{"verbose", "v"}, "verbose", "syscalls whose structures are dereferenced"},
	{"raw", []string{"raw", "x"}, "raw", "syscalls whose arguments are printed undecoded"},
	{"signal", []string{"signal", "signals", "s"}, "signals", "signals to trace"},
	{"status", []string{"status"}, "status", "return statuses to print"},
	{"quiet", []string{"quiet", "silent", "silence", "q"}, "quiet", "informational messages to suppress"},
	{"read", []string{"read", "reads", "r"}, "read", "fds whose reads are dumped"},
	{"write", []string{"write", "writes", "w"}, "write", "fds whose writes are dumped"},
	{"fault", []string{"fault"}, "fault", "syscall fault injection"},
	{"inject", []string{"inject"}, "inject", "syscall tampering"},
	{"kvm", []string{"kvm"}, "kvm", "kvm vcpu exit reasons"},
	{"decode-fds", []string{"decode-fd", "decode-fds"}, "decode-fds", "fd details to decode"},
	{"decode-pids", []string{"decode-pid", "decode-pids"}, "decode-pids", "PID details to decode"},
	{"secontext", []string{"secontext"}, "secontext", "SELinux context format"},
}

// StraceShortOptions returns strace's short options in optstring order.
func StraceShortOptions() []StraceShortOption {
	return append([]StraceShortOption(nil), straceShortOptions[:]...)
}

// StraceLongOptions returns strace's long options in longopts[] order.
func StraceLongOptions() []StraceLongOption {
	return append([]StraceLongOption(nil), straceLongOptions[:]...)
}

// StraceQualifierClasses returns strace's -e classes in qual_options order.
func StraceQualifierClasses() []StraceQualifierClass {
	out := make([]StraceQualifierClass, len(straceQualifierClasses))
	for k, c := range straceQualifierClasses {
		c.Aliases = append([]string(nil), c.Aliases...)
		out[k] = c
	}
	return out
}

// StraceGetoptOptions returns strace's option table for GetoptNormalize.
// Each long spelling gets an entry of its own, in longopts[] order, so that
// abbreviations and ambiguity messages come out as glibc's do for strace;
// Name is the spelling's Canonical. A short letter joins the entry of its
// first long equivalent when both take the same kind of argument; otherwise
// (-r and -T take none, their long forms an optional one) it gets an entry
// with the same Name, and a letter with no long equivalent (-f, -q, -e ...)
// is named by the letter itself, since strace's -f and --follow-forks, -q
// and --quiet etc. are not the same option.
func StraceGetoptOptions() []GetoptOption {
	var opts []GetoptOption
	placed := map[byte]bool{}
	for _, l := range straceLongOptions {
		o := GetoptOption{Long: []string{l.Name}, Arg: l.Arg, Name: l.Canonical}
		if l.Short != 0 && !placed[l.Short] && straceShortArg(l.Short) == l.Arg {
			o.Short = l.Short
			placed[l.Short] = true
		}
		opts = append(opts, o)
	}
	for _, s := range straceShortOptions {
		if placed[s.Letter] {
			continue
		}
		name := string([]byte{s.Letter})
		for _, l := range straceLongOptions {
			if l.Short == s.Letter {
				name = l.Canonical
				break
			}
		}
		opts = append(opts, GetoptOption{Short: s.Letter, Arg: s.Arg, Name: name})
	}
	return opts
}

func straceShortArg(c byte) GetoptArgMode {
	for _, s := range straceShortOptions {
		if s.Letter == c {
			return s.Arg
		}
	}
	return GetoptNoArg
}

// SplitStraceQualifier splits the argument of strace's -e into its class and
// value, as strace's qualify() does: "trace=wait4", "t=wait4" and a bare
// "wait4" are all class trace with value "wait4"; "signals=CHLD" is class
// signal. The value is returned unchanged, so -e CLASS=VALUE can be handed
// on as --LongOption=VALUE.
//
// strace itself passes an expression with an unknown class ("frob=1") whole
// to the trace class, where it then fails as an unknown syscall. Here an
// unknown class that looks like a class name (letters, digits, '-', '_') is
// reported as such; anything else before the '=' ("/regex=", "!x=",
// "%group=") is left to the trace class, as strace does.
func SplitStraceQualifier(expr string) (StraceQualifierClass, string, error) {
	name, value, ok := strings.Cut(expr, "=")
	if !ok {
		return straceQualifierClasses[0], expr, nil
	}
	for _, c := range straceQualifierClasses {
		for _, a := range c.Aliases {
			if a == name {
				c.Aliases = append([]string(nil), c.Aliases...)
				return c, value, nil
			}
		}
	}
	if name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == "" {
		return StraceQualifierClass{}, "", fmt.Errorf("invalid -e expression %q: unknown qualifier class %q", expr, name)
	}
	return straceQualifierClasses[0], expr, nil
}
