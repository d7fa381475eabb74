package cli

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// getoptCase is one command line for strace's table: either the normalised
// argv it must produce or the error message it must fail with.
type getoptCase struct {
	name    string
	args    []string
	want    []string // ignored when err is set
	err     string   // exact GetoptError message
	errKind GetoptErrorKind
}

func getoptCases() []getoptCase {
	return []getoptCase{
		// Values attached to or following short options.
		{name: "e attached", args: []string{"-etrace=wait4", "ls"}, want: []string{"--e=trace=wait4", "--", "ls"}},
		{name: "e separate", args: []string{"-e", "trace=wait4", "ls"}, want: []string{"--e=trace=wait4", "--", "ls"}},
		{name: "e repeated", args: []string{"-e", "trace=wait4", "-esignal=none", "ls"}, want: []string{"--e=trace=wait4", "--e=signal=none", "--", "ls"}},
		{name: "a attached", args: []string{"-a28", "ls"}, want: []string{"--columns=28", "--", "ls"}},
		{name: "a separate", args: []string{"-a", "28", "ls"}, want: []string{"--columns=28", "--", "ls"}},
		{name: "o attached path", args: []string{"-o/tmp/x", "ls"}, want: []string{"--output=/tmp/x", "--", "ls"}},
		{name: "o separate path", args: []string{"-o", "/tmp/x", "ls"}, want: []string{"--output=/tmp/x", "--", "ls"}},
		{name: "o attached dash", args: []string{"-o-", "ls"}, want: []string{"--output=-", "--", "ls"}},
		{name: "o takes lone dash", args: []string{"-o", "-", "ls"}, want: []string{"--output=-", "--", "ls"}},
		{name: "o takes double dash", args: []string{"-o", "--"}, want: []string{"--output=--", "--"}},
		{name: "e takes option-looking word", args: []string{"-e", "-f", "ls"}, want: []string{"--e=-f", "--", "ls"}},
		{name: "p attached", args: []string{"-p123"}, want: []string{"--attach=123", "--"}},
		{name: "p comma list", args: []string{"-p", "1,2,3"}, want: []string{"--attach=1,2,3", "--"}},
		{name: "p space list", args: []string{"-p", "1 2"}, want: []string{"--attach=1 2", "--"}},
		{name: "p repeated", args: []string{"-p1", "-p", "2", "--attach=3", "--attach", "4"}, want: []string{"--attach=1", "--attach=2", "--attach=3", "--attach=4", "--"}},
		{name: "value with equals", args: []string{"-E", "A=B=C", "ls"}, want: []string{"--env=A=B=C", "--", "ls"}},
		{name: "empty separate value", args: []string{"-s", "", "ls"}, want: []string{"--string-limit=", "--", "ls"}},
		// Bundles.
		{name: "bundle fqT", args: []string{"-fqT", "ls"}, want: []string{"--f", "--q", "--syscall-times", "--", "ls"}},
		{name: "fff", args: []string{"-fff", "ls"}, want: []string{"--f", "--f", "--f", "--", "ls"}},
		{name: "qq", args: []string{"-qq", "ls"}, want: []string{"--q", "--q", "--", "ls"}},
		{name: "qqq", args: []string{"-qqq", "ls"}, want: []string{"--q", "--q", "--q", "--", "ls"}},
		{name: "tt", args: []string{"-tt", "ls"}, want: []string{"--t", "--t", "--", "ls"}},
		{name: "ttt", args: []string{"-ttt", "ls"}, want: []string{"--t", "--t", "--t", "--", "ls"}},
		{name: "yy", args: []string{"-yy", "ls"}, want: []string{"--y", "--y", "--", "ls"}},
		{name: "xx", args: []string{"-xx", "ls"}, want: []string{"--x", "--x", "--", "ls"}},
		{name: "DDD", args: []string{"-DDD", "ls"}, want: []string{"--D", "--D", "--D", "--", "ls"}},
		{name: "bundle ends in o attached", args: []string{"-fo/tmp/x", "ls"}, want: []string{"--f", "--output=/tmp/x", "--", "ls"}},
		{name: "bundle ends in o separate", args: []string{"-fo", "FILE", "ls"}, want: []string{"--f", "--output=FILE", "--", "ls"}},
		{name: "bundle value swallows letters", args: []string{"-foqq", "ls"}, want: []string{"--f", "--output=qq", "--", "ls"}},
		{name: "bundle with e", args: []string{"-fetrace=wait4", "ls"}, want: []string{"--f", "--e=trace=wait4", "--", "ls"}},
		{name: "single dash long is a bundle", args: []string{"-seccomp-bpf", "ls"}, want: []string{"--string-limit=eccomp-bpf", "--", "ls"}},
		{name: "r is a switch", args: []string{"-r", "ls"}, want: []string{"--relative-timestamps", "--", "ls"}},
		{name: "r takes no attached value", args: []string{"-rms", "ls"}, err: "invalid option -- 'm'", errKind: GetoptInvalidOption},
		// Long options.
		{name: "long equals", args: []string{"--output=/tmp/x", "ls"}, want: []string{"--output=/tmp/x", "--", "ls"}},
		{name: "long separate", args: []string{"--output", "/tmp/x", "ls"}, want: []string{"--output=/tmp/x", "--", "ls"}},
		{name: "long empty value", args: []string{"--output=", "ls"}, want: []string{"--output=", "--", "ls"}},
		{name: "long required takes option-looking word", args: []string{"--trace", "-f", "ls"}, want: []string{"--trace=-f", "--", "ls"}},
		{name: "optional attached", args: []string{"--daemonize=pgroup", "ls"}, want: []string{"--daemonize=pgroup", "--", "ls"}},
		{name: "optional never separate", args: []string{"--daemonize", "pgroup"}, want: []string{"--daemonize", "--", "pgroup"}},
		{name: "optional empty", args: []string{"--daemonize=", "ls"}, want: []string{"--daemonize=", "--", "ls"}},
		{name: "alias spelling", args: []string{"--daemonised", "ls"}, want: []string{"--daemonize", "--", "ls"}},
		{name: "prefix of aliases is not ambiguous", args: []string{"--daemoni=session", "ls"}, want: []string{"--daemonize=session", "--", "ls"}},
		{name: "relative timestamps optional", args: []string{"--relative-timestamps=ms", "ls"}, want: []string{"--relative-timestamps=ms", "--", "ls"}},
		{name: "prefix foll", args: []string{"--foll", "ls"}, want: []string{"--follow-forks", "--", "ls"}},
		{name: "prefix with value", args: []string{"--us=root", "ls"}, want: []string{"--user=root", "--", "ls"}},
		{name: "prefix with separate value", args: []string{"--att", "1"}, want: []string{"--attach=1", "--"}},
		{name: "exact beats prefix", args: []string{"--summary", "ls"}, want: []string{"--summary", "--", "ls"}},
		{name: "exact trace beats trace-path", args: []string{"--trace=wait4", "ls"}, want: []string{"--trace=wait4", "--", "ls"}},
		{name: "signal is a prefix of signals", args: []string{"--signal=CHLD", "ls"}, want: []string{"--signals=CHLD", "--", "ls"}},
		{name: "sil means quiet", args: []string{"--sil", "ls"}, want: []string{"--quiet", "--", "ls"}},
		{name: "fail means failed-only", args: []string{"--fail", "ls"}, want: []string{"--failed-only", "--", "ls"}},
		{name: "time means timestamps", args: []string{"--time=unix,us", "ls"}, want: []string{"--absolute-timestamps=unix,us", "--", "ls"}},
		{name: "e means env", args: []string{"--e", "A=1", "ls"}, want: []string{"--env=A=1", "--", "ls"}},
		{name: "ambiguous summ", args: []string{"--summ", "ls"}, errKind: GetoptAmbiguousOption,
			err: "option '--summ' is ambiguous; possibilities: '--summary-only' '--summary' '--summary-syscall-overhead' '--summary-sort-by' '--summary-columns' '--summary-wall-clock'"},
		{name: "ambiguous tr", args: []string{"--tr=x"}, errKind: GetoptAmbiguousOption,
			err: "option '--tr=x' is ambiguous; possibilities: '--trace-path' '--trace'"},
		{name: "ambiguous out", args: []string{"--out=x", "ls"}, errKind: GetoptAmbiguousOption,
			err: "option '--out=x' is ambiguous; possibilities: '--output-append-mode' '--output-separately' '--output'"},
		{name: "ambiguous fa skips alias", args: []string{"--fa"}, errKind: GetoptAmbiguousOption,
			err: "option '--fa' is ambiguous; possibilities: '--failed-only' '--fault'"},
		{name: "ambiguous d", args: []string{"--d"}, errKind: GetoptAmbiguousOption,
			err: "option '--d' is ambiguous; possibilities: '--detach-on' '--debug' '--daemonize' '--daemonised' '--daemonized' '--decode-fds' '--decode-pids'"},
		// End of options and operands.
		{name: "double dash ends options", args: []string{"--", "-f", "ls"}, want: []string{"--", "-f", "ls"}},
		{name: "second double dash is an operand", args: []string{"-f", "--", "--", "ls"}, want: []string{"--f", "--", "--", "ls"}},
		{name: "lone dash is an operand", args: []string{"-f", "-", "-q"}, want: []string{"--f", "--", "-", "-q"}},
		{name: "command options left alone", args: []string{"ls", "-l", "--all"}, want: []string{"--", "ls", "-l", "--all"}},
		{name: "options after command left alone", args: []string{"-f", "sh", "-c", "-o x", "--output=y"}, want: []string{"--f", "--", "sh", "-c", "-o x", "--output=y"}},
		{name: "empty operand", args: []string{"", "-f"}, want: []string{"--", "", "-f"}},
		{name: "no arguments", args: nil, want: []string{"--"}},
		{name: "options only", args: []string{"-V"}, want: []string{"--version", "--"}},
		// Errors.
		{name: "e last", args: []string{"-e"}, err: "option requires an argument -- 'e'", errKind: GetoptMissingArgument},
		{name: "bundle o last", args: []string{"-fo"}, err: "option requires an argument -- 'o'", errKind: GetoptMissingArgument},
		{name: "output last", args: []string{"--output"}, err: "option '--output' requires an argument", errKind: GetoptMissingArgument},
		{name: "abbreviated attach last", args: []string{"-f", "--att"}, err: "option '--attach' requires an argument", errKind: GetoptMissingArgument},
		{name: "unknown short", args: []string{"-Q"}, err: "invalid option -- 'Q'", errKind: GetoptInvalidOption},
		{name: "unknown short in bundle", args: []string{"-fQq", "ls"}, err: "invalid option -- 'Q'", errKind: GetoptInvalidOption},
		{name: "plus is not an option", args: []string{"-+"}, err: "invalid option -- '+'", errKind: GetoptInvalidOption},
		{name: "colon is not an option", args: []string{"-:"}, err: "invalid option -- ':'", errKind: GetoptInvalidOption},
		{name: "unknown long", args: []string{"--frob"}, err: "unrecognized option '--frob'", errKind: GetoptUnrecognizedOption},
		{name: "unknown long with value", args: []string{"--frob=1", "ls"}, err: "unrecognized option '--frob=1'", errKind: GetoptUnrecognizedOption},
		{name: "long longer than option", args: []string{"--outputs"}, err: "unrecognized option '--outputs'", errKind: GetoptUnrecognizedOption},
		{name: "triple dash", args: []string{"---"}, err: "unrecognized option '---'", errKind: GetoptUnrecognizedOption},
		{name: "switch given value", args: []string{"--follow-forks=yes"}, err: "option '--follow-forks' doesn't allow an argument", errKind: GetoptUnexpectedArgument},
		{name: "abbreviated switch given value", args: []string{"--foll=", "ls"}, err: "option '--follow-forks' doesn't allow an argument", errKind: GetoptUnexpectedArgument},
		{name: "error after good options", args: []string{"-f", "-o", "x", "--frob"}, err: "unrecognized option '--frob'", errKind: GetoptUnrecognizedOption},
	}
}

func TestGetoptNormalizeStrace(t *testing.T) {
	opts := StraceGetoptOptions()
	for _, tc := range getoptCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := GetoptNormalize(opts, tc.args)
			if tc.err != "" {
				var ge *GetoptError
				if !errors.As(err, &ge) {
					t.Fatalf("GetoptNormalize(%q) = %q, %v; want *GetoptError %q", tc.args, got, err, tc.err)
				}
				if ge.Error() != tc.err || ge.Kind != tc.errKind {
					t.Fatalf("GetoptNormalize(%q) error = %q (kind %d); want %q (kind %d)", tc.args, ge.Error(), ge.Kind, tc.err, tc.errKind)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetoptNormalize(%q): %v", tc.args, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("GetoptNormalize(%q)\n got %q\nwant %q", tc.args, got, tc.want)
			}
		})
	}
}

func TestGetoptParseDetails(t *testing.T) {
	opts := StraceGetoptOptions()
	res, err := GetoptParse(opts, []string{"-fo", "x", "--daemoni", "--sil=exit", "-p1", "ls", "-l"})
	if err != nil {
		t.Fatal(err)
	}
	want := []GetoptMatch{
		{Name: "f", Spelling: "-f", ArgIndex: 0},
		{Name: "output", Spelling: "-o", Value: "x", HasValue: true, ArgIndex: 0},
		{Name: "daemonize", Spelling: "--daemonize", ArgIndex: 2},
		{Name: "quiet", Spelling: "--silent", Value: "exit", HasValue: true, ArgIndex: 3},
		{Name: "attach", Spelling: "-p", Value: "1", HasValue: true, ArgIndex: 4},
	}
	if !slices.Equal(res.Options, want) {
		t.Errorf("options\n got %+v\nwant %+v", res.Options, want)
	}
	if !slices.Equal(res.Operands, []string{"ls", "-l"}) {
		t.Errorf("operands = %q", res.Operands)
	}

	_, err = GetoptParse(opts, []string{"-f", "--x", "ls"})
	var ge *GetoptError
	if !errors.As(err, &ge) || ge.ArgIndex != 1 || ge.Long != "--x" {
		t.Errorf("error = %#v; want unrecognized --x at index 1", err)
	}
}

// A table with a short option taking an optional argument, which strace's
// table lacks: only an attached value counts.
func TestGetoptShortOptionalArg(t *testing.T) {
	opts := []GetoptOption{
		{Short: 'r', Long: []string{"relative"}, Arg: GetoptOptionalArg, Name: "relative"},
		{Short: 'v', Arg: GetoptNoArg, Name: "verbose"},
	}
	for _, tc := range []struct {
		args, want []string
	}{
		{[]string{"-r", "ms"}, []string{"--relative", "--", "ms"}},
		{[]string{"-rms"}, []string{"--relative=ms", "--"}},
		{[]string{"-vrms"}, []string{"--verbose", "--relative=ms", "--"}},
		{[]string{"-rv"}, []string{"--relative=v", "--"}},
		{[]string{"--rel", "x"}, []string{"--relative", "--", "x"}},
	} {
		got, err := GetoptNormalize(opts, tc.args)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("GetoptNormalize(%q) = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
}

// Spellings of one option (same Name and Arg) do not make a prefix
// ambiguous; the same Name with another Arg does, as differing has_arg does
// in glibc.
func TestGetoptAmbiguityRule(t *testing.T) {
	opts := []GetoptOption{
		{Long: []string{"colour"}, Arg: GetoptOptionalArg, Name: "color"},
		{Long: []string{"color"}, Arg: GetoptOptionalArg, Name: "color"},
		{Long: []string{"colours"}, Arg: GetoptNoArg, Name: "color"},
	}
	_, err := GetoptNormalize(opts[:2], []string{"--col=x"})
	if err != nil {
		t.Errorf("same option spellings: %v", err)
	}
	_, err = GetoptNormalize(opts, []string{"--col"})
	const want = "option '--col' is ambiguous; possibilities: '--colour' '--colours'"
	if err == nil || err.Error() != want {
		t.Errorf("differing Arg: error %v; want %q", err, want)
	}
}

func TestGetoptBadTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []GetoptOption
		want string
	}{
		{"empty name", []GetoptOption{{Short: 'a'}}, "empty name"},
		{"name with equals", []GetoptOption{{Short: 'a', Name: "a=b"}}, "must not start with '-' or contain '='"},
		{"name with dash", []GetoptOption{{Short: 'a', Name: "-a"}}, "must not start with '-'"},
		{"no spelling", []GetoptOption{{Name: "a"}}, "neither a short nor a long"},
		{"colon short", []GetoptOption{{Short: ':', Name: "a"}}, "not usable with getopt"},
		{"question short", []GetoptOption{{Short: '?', Name: "a"}}, "not usable with getopt"},
		{"dash short", []GetoptOption{{Short: '-', Name: "a"}}, "not usable with getopt"},
		{"bad mode", []GetoptOption{{Short: 'a', Name: "a", Arg: 7}}, "invalid argument mode"},
		{"empty long", []GetoptOption{{Long: []string{""}, Name: "a"}}, "empty or contains '='"},
		{"long with equals", []GetoptOption{{Long: []string{"a=b"}, Name: "a"}}, "empty or contains '='"},
		{"duplicate short", []GetoptOption{{Short: 'a', Name: "a"}, {Short: 'a', Name: "b"}}, "short option -a already belongs to \"a\""},
		{"duplicate long", []GetoptOption{{Long: []string{"x"}, Name: "a"}, {Long: []string{"x"}, Name: "b"}}, "long option --x already belongs to \"a\""},
	} {
		_, err := GetoptNormalize(tc.opts, []string{"-a"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "getopt option table: ") {
			t.Errorf("%s: error %v; want one containing %q", tc.name, err, tc.want)
		}
		var ge *GetoptError
		if errors.As(err, &ge) {
			t.Errorf("%s: table error reported as a command-line error", tc.name)
		}
	}
}

// TestGetoptStraceTables checks the transcription against strace 6.1's optstring
// and longopts[] structure.
func TestGetoptStraceTables(t *testing.T) {
	var b strings.Builder
	b.WriteByte('+')
	for _, s := range StraceShortOptions() {
		b.WriteByte(s.Letter)
		if s.Arg == GetoptRequiredArg {
			b.WriteByte(':')
		}
	}
	const optstring = "+a:Ab:cCdDe:E:fFhiI:kno:O:p:P:qrs:S:tTu:U:vVwxX:yYzZ"
	if b.String() != optstring {
		t.Errorf("optstring %q; strace 6.1 has %q", b.String(), optstring)
	}

	longs := StraceLongOptions()
	if len(longs) != 57 {
		t.Errorf("%d long options; strace 6.1 has 57", len(longs))
	}
	first := map[string]StraceLongOption{}
	for _, l := range longs {
		if l.Description == "" {
			t.Errorf("--%s has no description", l.Name)
		}
		if l.Canonical == l.Name {
			first[l.Name] = l
			continue
		}
		c, ok := first[l.Canonical]
		if !ok {
			t.Errorf("--%s: canonical --%s is not an earlier option", l.Name, l.Canonical)
			continue
		}
		if c.Short != l.Short || c.Arg != l.Arg {
			t.Errorf("--%s differs from its canonical --%s", l.Name, l.Canonical)
		}
	}
	for _, l := range longs {
		if l.Short == 0 {
			continue
		}
		for _, m := range longs {
			if m.Short == l.Short {
				if l.Canonical != m.Name {
					t.Errorf("--%s: canonical %q, but --%s is the first spelling of -%c", l.Name, l.Canonical, m.Name, l.Short)
				}
				break
			}
		}
	}
	for _, s := range StraceShortOptions() {
		if s.Description == "" {
			t.Errorf("-%c has no description", s.Letter)
		}
	}

	opts := StraceGetoptOptions()
	if err := getoptValidate(opts); err != nil {
		t.Fatalf("strace table: %v", err)
	}
	// Every spelling must survive: each long once, each letter once.
	var spellings int
	for _, o := range opts {
		spellings += len(o.Long)
		if o.Short != 0 {
			spellings++
		}
	}
	if want := len(longs) + len(StraceShortOptions()); spellings != want {
		t.Errorf("getopt table has %d spellings; want %d", spellings, want)
	}

	// The returned tables are copies.
	StraceQualifierClasses()[0].Aliases[0] = "mutated"
	StraceLongOptions()[0].Name = "mutated"
	if StraceQualifierClasses()[0].Aliases[0] != "trace" || StraceLongOptions()[0].Name != "columns" {
		t.Error("a caller can mutate the strace tables")
	}

	// Each -e class must name a long option that exists and takes a value.
	for _, c := range StraceQualifierClasses() {
		if !slices.Contains(c.Aliases, c.Name) {
			t.Errorf("class %s: aliases %q lack the name", c.Name, c.Aliases)
		}
		if !slices.ContainsFunc(longs, func(l StraceLongOption) bool { return l.Name == c.LongOption && l.Arg != GetoptNoArg }) {
			t.Errorf("class %s: no long option --%s taking a value", c.Name, c.LongOption)
		}
		got, err := GetoptNormalize(opts, []string{"--" + c.LongOption + "=v"})
		if err != nil || got[0] != "--"+c.LongOption+"=v" {
			t.Errorf("class %s: --%s=v gives %q, %v", c.Name, c.LongOption, got, err)
		}
	}
}

func TestSplitStraceQualifier(t *testing.T) {
	for _, tc := range []struct {
		expr, class, long, value, err string
	}{
		{expr: "trace=wait4", class: "trace", long: "trace", value: "wait4"},
		{expr: "wait4", class: "trace", long: "trace", value: "wait4"},
		{expr: "t=wait4,waitid", class: "trace", long: "trace", value: "wait4,waitid"},
		{expr: "trace=", class: "trace", long: "trace", value: ""},
		{expr: "trace=!wait4", class: "trace", long: "trace", value: "!wait4"},
		{expr: "%process", class: "trace", long: "trace", value: "%process"},
		{expr: "/wait=x", class: "trace", long: "trace", value: "/wait=x"},
		{expr: "!a=b", class: "trace", long: "trace", value: "!a=b"},
		{expr: "=wait4", class: "trace", long: "trace", value: "=wait4"},
		{expr: "signal=SIGCHLD", class: "signal", long: "signals", value: "SIGCHLD"},
		{expr: "signals=!all", class: "signal", long: "signals", value: "!all"},
		{expr: "s=none", class: "signal", long: "signals", value: "none"},
		{expr: "status=failed", class: "status", long: "status", value: "failed"},
		{expr: "q=attach", class: "quiet", long: "quiet", value: "attach"},
		{expr: "silence=exit", class: "quiet", long: "quiet", value: "exit"},
		{expr: "silent=all", class: "quiet", long: "quiet", value: "all"},
		{expr: "a=none", class: "abbrev", long: "abbrev", value: "none"},
		{expr: "v=all", class: "verbose", long: "verbose", value: "all"},
		{expr: "x=wait4", class: "raw", long: "raw", value: "wait4"},
		{expr: "r=3", class: "read", long: "read", value: "3"},
		{expr: "reads=3", class: "read", long: "read", value: "3"},
		{expr: "writes=1", class: "write", long: "write", value: "1"},
		{expr: "w=1", class: "write", long: "write", value: "1"},
		{expr: "inject=wait4:error=ECHILD", class: "inject", long: "inject", value: "wait4:error=ECHILD"},
		{expr: "fault=wait4:when=2+", class: "fault", long: "fault", value: "wait4:when=2+"},
		{expr: "kvm=vcpu", class: "kvm", long: "kvm", value: "vcpu"},
		{expr: "decode-fd=path", class: "decode-fds", long: "decode-fds", value: "path"},
		{expr: "decode-pids=comm", class: "decode-pids", long: "decode-pids", value: "comm"},
		{expr: "decode-pid=pidns", class: "decode-pids", long: "decode-pids", value: "pidns"},
		{expr: "secontext=full", class: "secontext", long: "secontext", value: "full"},
		{expr: "frob=1", err: `unknown qualifier class "frob"`},
		{expr: "Trace=wait4", err: `unknown qualifier class "Trace"`},
		{expr: "trace-fds=3", err: `unknown qualifier class "trace-fds"`},
	} {
		c, v, err := SplitStraceQualifier(tc.expr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("SplitStraceQualifier(%q) error %v; want %q", tc.expr, err, tc.err)
			}
			continue
		}
		if err != nil || c.Name != tc.class || c.LongOption != tc.long || v != tc.value {
			t.Errorf("SplitStraceQualifier(%q) = %s/--%s, %q, %v; want %s/--%s, %q", tc.expr, c.Name, c.LongOption, v, err, tc.class, tc.long, tc.value)
		}
	}
}

// getoptOracle is the C program of testdata/getopt built for this test run.
type getoptOracle struct{ path string }

// buildGetoptOracle compiles testdata/getopt/getopt.c. It returns a reason
// instead when this machine cannot: no C compiler, or a C library other than
// glibc, whose getopt_long is not the reference.
func buildGetoptOracle(t testing.TB) (*getoptOracle, string) {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		return nil, "no C compiler (cc) in PATH"
	}
	bin := filepath.Join(t.TempDir(), "getopt")
	out, err := exec.Command(cc, "-std=c99", "-Wall", "-Werror", "-o", bin, filepath.Join("..", "testdata", "getopt", "getopt.c")).CombinedOutput()
	if err != nil {
		t.Fatalf("building the getopt oracle: %v\n%s", err, out)
	}
	var exitErr *exec.ExitError
	if err := exec.Command(bin).Run(); errors.As(err, &exitErr) && exitErr.ExitCode() == 3 {
		return nil, "C library is not glibc"
	} else if err != nil {
		t.Fatalf("running the getopt oracle: %v", err)
	}
	return &getoptOracle{path: bin}, ""
}

// transcript runs the oracle on args and renders its answer: one line per
// option ("opt SPELLING[=HEX]"), per operand ("operand =HEX"), or
// "error: MESSAGE".
func (o *getoptOracle) transcript(args []string) (string, error) {
	cmd := exec.Command(o.path, args...)
	cmd.Args[0] = "strace"
	cmd.Env = []string{"LC_ALL=C"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == 1 && strings.HasSuffix(stdout.String(), "error\n") {
		msg := strings.TrimSuffix(strings.TrimPrefix(stderr.String(), "strace: "), "\n")
		return "error: " + msg, nil
	}
	if err != nil || stderr.Len() != 0 {
		return "", fmt.Errorf("oracle on %q: %v, stderr %q", args, err, stderr.String())
	}
	return stdout.String(), nil
}

// getoptTranscript renders GetoptParse's answer like the oracle's.
func getoptTranscript(opts []GetoptOption, args []string) string {
	res, err := GetoptParse(opts, args)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, m := range res.Options {
		b.WriteString("opt " + m.Spelling)
		if m.HasValue {
			b.WriteString("=" + hex.EncodeToString([]byte(m.Value)))
		}
		b.WriteByte('\n')
	}
	for _, op := range res.Operands {
		b.WriteString("operand =" + hex.EncodeToString([]byte(op)) + "\n")
	}
	return b.String()
}

// getoptNormalizeFromTranscript builds the argv GetoptNormalize should return from
// an oracle transcript, mapping each spelling to its Name through the table.
func getoptNormalizeFromTranscript(opts []GetoptOption, tr string) ([]string, error) {
	var out, operands []string
	for _, line := range strings.Split(strings.TrimSuffix(tr, "\n"), "\n") {
		if line == "" {
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		spelling, hexValue, hasValue := strings.Cut(rest, "=")
		value, err := hex.DecodeString(hexValue)
		if err != nil {
			return nil, fmt.Errorf("oracle line %q: %w", line, err)
		}
		if kind == "operand" {
			operands = append(operands, string(value))
			continue
		}
		name := ""
		for _, o := range opts {
			if spelling == "-"+string([]byte{o.Short}) && o.Short != 0 || slices.Contains(o.Long, strings.TrimPrefix(spelling, "--")) && strings.HasPrefix(spelling, "--") {
				name = o.Name
				break
			}
		}
		if name == "" {
			return nil, fmt.Errorf("oracle line %q: no such option in the table", line)
		}
		if hasValue {
			out = append(out, "--"+name+"="+string(value))
		} else {
			out = append(out, "--"+name)
		}
	}
	out = append(out, "--")
	return append(out, operands...), nil
}

// getoptDifferentialArgvs is the table's rows plus generated command lines:
// every letter and every prefix of every long option in each argument
// position, and random mixtures.
func getoptDifferentialArgvs(opts []GetoptOption) [][]string {
	var argvs [][]string
	for _, tc := range getoptCases() {
		argvs = append(argvs, tc.args)
	}
	for c := byte('!'); c < 0x7f; c++ {
		l := string([]byte{c})
		argvs = append(argvs,
			[]string{"-" + l},
			[]string{"-" + l, "v", "w"},
			[]string{"-" + l + "v", "w"},
			[]string{"-f" + l},
			[]string{"-" + l + "f", "--", "x"},
		)
	}
	for _, o := range opts {
		for _, l := range o.Long {
			for n := 1; n <= len(l); n++ {
				p := "--" + l[:n]
				argvs = append(argvs,
					[]string{p},
					[]string{p + "=v", "w"},
					[]string{p, "v", "w"},
					[]string{p + "=", "-f"},
				)
			}
			argvs = append(argvs, []string{"--" + l + "x"}, []string{"--" + l + "x=1"})
		}
	}
	argvs = append(argvs,
		[]string{"--="}, []string{"--=x"}, []string{"---"}, []string{"---f"},
		[]string{"-", "-f"}, []string{"--", "--"}, []string{"-\xff"}, []string{"--\xff"},
		[]string{"-o\xff\n", "a b"}, []string{"-e", ""}, []string{"--trace", ""},
	)
	vocab := []string{
		"-f", "-ff", "-fq", "-qq", "-e", "-etrace=wait4", "trace=wait4", "-o", "-o/tmp/x",
		"-p", "-p1,2", "-a28", "-D", "-T", "-r", "-s", "-E", "-u", "-", "--", "", "ls",
		"-l", "--foll", "--follow-forks", "--output", "--output=", "--daemonize",
		"--daemonize=pgroup", "--quiet=exit", "--q", "--s", "--sum", "--summary",
		"--trace=wait4", "--trace", "--tr", "--frob", "-Q", "-x", "-yy", "--time",
		"--relative-timestamps=ms", "--decode-fds", "--decode-pids", "--seccomp-bpf",
		"=", "-=", "--=", "-fo", "-ofile", "--env=A=B", "--", "-:", "-W", "-Wfoo",
	}
	rng := rand.New(rand.NewPCG(61, 2024))
	for range 800 {
		argv := make([]string, rng.IntN(7))
		for k := range argv {
			argv[k] = vocab[rng.IntN(len(vocab))]
		}
		argvs = append(argvs, argv)
	}
	seen := map[string]bool{}
	var unique [][]string
	for _, a := range argvs {
		key := strings.Join(a, "\x00") + fmt.Sprint(len(a))
		if !seen[key] {
			seen[key] = true
			unique = append(unique, a)
		}
	}
	return unique
}

// TestGetoptAgainstGlibc runs every command line through glibc's getopt_long
// (via the oracle) and through GetoptParse/GetoptNormalize with strace's
// table; any difference in options, values, operands or error message fails.
func TestGetoptAgainstGlibc(t *testing.T) {
	oracle, reason := buildGetoptOracle(t)
	if oracle == nil {
		t.Skip(reason)
	}
	opts := StraceGetoptOptions()
	argvs := getoptDifferentialArgvs(opts)
	if len(argvs) < 2000 {
		t.Fatalf("only %d command lines generated", len(argvs))
	}

	type result struct {
		args     []string
		got, exp string
		err      error
	}
	results := make([]result, len(argvs))
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for k := range work {
				exp, err := oracle.transcript(argvs[k])
				results[k] = result{args: argvs[k], got: getoptTranscript(opts, argvs[k]), exp: exp, err: err}
			}
		})
	}
	for k := range argvs {
		work <- k
	}
	close(work)
	wg.Wait()

	failures := 0
	for _, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.got != r.exp {
			failures++
			t.Errorf("argv %q\nglibc:\n%s\nGetoptParse:\n%s", r.args, r.exp, r.got)
			continue
		}
		norm, err := GetoptNormalize(opts, r.args)
		if strings.HasPrefix(r.exp, "error: ") {
			if err == nil || "error: "+err.Error() != r.exp {
				failures++
				t.Errorf("argv %q: GetoptNormalize error %v; glibc says %q", r.args, err, r.exp)
			}
			continue
		}
		want, terr := getoptNormalizeFromTranscript(opts, r.exp)
		if terr != nil {
			t.Fatal(terr)
		}
		if err != nil || !slices.Equal(norm, want) {
			failures++
			t.Errorf("argv %q: GetoptNormalize = %q, %v; from glibc's parse want %q", r.args, norm, err, want)
		}
		if failures > 20 {
			t.Fatal("too many differences")
		}
	}
	t.Logf("%d command lines compared with glibc getopt_long, %d differ", len(argvs), failures)
}

// FuzzNormalize takes a NUL-separated argv (NUL cannot occur in a real
// argument). GetoptNormalize must not panic, must return operands unchanged
// and in order, and, where the oracle can be built, must agree with glibc.
func FuzzNormalize(f *testing.F) {
	for _, tc := range getoptCases() {
		f.Add(strings.Join(tc.args, "\x00"))
	}
	f.Add("--=\x00-\x00--")
	f.Add("-fo\x00\x00\x00")
	oracle, _ := buildGetoptOracle(f)
	opts := StraceGetoptOptions()
	// Name -> whether some spelling of it takes a value.
	names := map[string]bool{}
	for _, o := range opts {
		names[o.Name] = names[o.Name] || o.Arg != GetoptNoArg
	}
	f.Fuzz(func(t *testing.T, s string) {
		var args []string
		if s != "" {
			args = strings.Split(s, "\x00")
		}
		got, err := GetoptNormalize(opts, args)
		if err != nil {
			var ge *GetoptError
			if !errors.As(err, &ge) || ge.Error() == "" || ge.ArgIndex < 0 || ge.ArgIndex >= len(args) {
				t.Fatalf("GetoptNormalize(%q): bad error %#v", args, err)
			}
		} else {
			sep := slices.Index(got, "--")
			if sep < 0 {
				t.Fatalf("GetoptNormalize(%q) = %q: no \"--\"", args, got)
			}
			for _, tok := range got[:sep] {
				name, _, hasValue := strings.Cut(strings.TrimPrefix(tok, "--"), "=")
				takesValue, ok := names[name]
				if !strings.HasPrefix(tok, "--") || !ok || hasValue && !takesValue {
					t.Fatalf("GetoptNormalize(%q) = %q: bad option token %q", args, got, tok)
				}
			}
			ops := got[sep+1:]
			if len(ops) > len(args) || !slices.Equal(ops, args[len(args)-len(ops):]) {
				t.Fatalf("GetoptNormalize(%q) = %q: operands are not the arguments' tail", args, got)
			}
		}
		if oracle == nil || len(s) > 4096 {
			return
		}
		exp, oerr := oracle.transcript(args)
		if oerr != nil {
			t.Fatal(oerr)
		}
		if gotTr := getoptTranscript(opts, args); gotTr != exp {
			t.Fatalf("argv %q\nglibc:\n%s\nGetoptParse:\n%s", args, exp, gotTr)
		}
	})
}
