// A getopt_long normaliser for waittrace's command line. urfave/cli sits on
// Go's flag package, which knows nothing of getopt: it rejects bundles
// (-fqT), values glued to short options (-etrace=wait4, -o/tmp/x), repeated
// switches (-qq) and abbreviated long options (--foll). waittrace must accept
// every strace command line, so GetoptNormalize re-parses argv with glibc's
// getopt_long rules and emits an equivalent argv in the one form urfave reads
// without ambiguity: "--NAME" or "--NAME=VALUE" per option occurrence, then
// "--" and the operands.

package cli

import (
	"errors"
	"fmt"
	"strings"
)

// GetoptArgMode says whether an option takes an argument; it mirrors
// getopt_long's has_arg and the ':' / '::' suffixes of an optstring.
type GetoptArgMode uint8

const (
	// GetoptNoArg is a switch: "f" in an optstring, no_argument.
	GetoptNoArg GetoptArgMode = iota
	// GetoptRequiredArg takes a value, attached or in the next word:
	// "o:" in an optstring, required_argument.
	GetoptRequiredArg
	// GetoptOptionalArg takes a value only when attached (-rVALUE,
	// --name=VALUE), never from the next word: "r::", optional_argument.
	GetoptOptionalArg
)

// String names the mode as getopt.h does.
func (m GetoptArgMode) String() string {
	switch m {
	case GetoptNoArg:
		return "no_argument"
	case GetoptRequiredArg:
		return "required_argument"
	case GetoptOptionalArg:
		return "optional_argument"
	default:
		return fmt.Sprintf("GetoptArgMode(%d)", uint8(m))
	}
}

// GetoptOption describes one option of a getopt_long table.
//
// Entries play the role of both the optstring and struct option longopts[].
// The order of entries matters the way longopts[] order does in glibc: it
// decides which spelling an abbreviation resolves to when several spellings
// of one option share a prefix, and the order in which an ambiguity error
// lists its candidates.
type GetoptOption struct {
	// Short is the short option letter, 0 if the option has none.
	Short byte
	// Long holds the long spellings, without the leading "--".
	Long []string
	// Arg says whether the option takes an argument.
	Arg GetoptArgMode
	// Name is the canonical flag name emitted in the normalised argv.
	// Several entries may share a Name: e.g. strace's -r takes no argument
	// while --relative-timestamps takes an optional one, so they need two
	// entries that normalise to the same flag.
	Name string
}

// GetoptMatch is one option occurrence found by GetoptParse.
type GetoptMatch struct {
	// Name is the matched entry's GetoptOption.Name.
	Name string
	// Spelling is the option as getopt resolved it: "-f", or "--" and the
	// full long name even when the user typed an abbreviation.
	Spelling string
	// Value is the option's argument; meaningful only when HasValue.
	Value string
	// HasValue distinguishes an absent optional argument from an empty one
	// (--daemonize versus --daemonize=), as optarg NULL versus "" does.
	HasValue bool
	// ArgIndex is the index in args of the word holding the option.
	ArgIndex int
}

// GetoptResult is a parsed command line.
type GetoptResult struct {
	// Options lists the option occurrences in command-line order.
	Options []GetoptMatch
	// Operands is everything after the options, unchanged.
	Operands []string
}

// GetoptErrorKind classifies a command-line error the way glibc's messages
// do.
type GetoptErrorKind uint8

const (
	// GetoptInvalidOption is an unknown short option letter.
	GetoptInvalidOption GetoptErrorKind = iota + 1
	// GetoptUnrecognizedOption is a long option matching no spelling.
	GetoptUnrecognizedOption
	// GetoptAmbiguousOption is a long option prefix of several options.
	GetoptAmbiguousOption
	// GetoptMissingArgument is an option requiring an argument given none.
	GetoptMissingArgument
	// GetoptUnexpectedArgument is --name=value for a no-argument option.
	GetoptUnexpectedArgument
)

// GetoptError is a command-line error. Its message is glibc's, without
// glibc's "PROGRAM: " prefix, so that strace users recognise it.
type GetoptError struct {
	Kind GetoptErrorKind
	// Short is the offending letter for errors about a short option, else 0.
	Short byte
	// Long is the offending long option for errors about one: the word as
	// typed ("--frob=1") for unrecognised and ambiguous options, "--" and
	// the full name for argument errors, as glibc quotes them.
	Long string
	// Candidates lists, for an ambiguous prefix, the "--name" spellings it
	// could mean, in table order.
	Candidates []string
	// ArgIndex is the index in args of the offending word.
	ArgIndex int
}

func (e *GetoptError) Error() string {
	switch e.Kind {
	case GetoptInvalidOption:
		return "invalid option -- '" + string([]byte{e.Short}) + "'"
	case GetoptUnrecognizedOption:
		return "unrecognized option '" + e.Long + "'"
	case GetoptAmbiguousOption:
		var b strings.Builder
		b.WriteString("option '" + e.Long + "' is ambiguous; possibilities:")
		for _, c := range e.Candidates {
			b.WriteString(" '" + c + "'")
		}
		return b.String()
	case GetoptMissingArgument:
		if e.Short != 0 {
			return "option requires an argument -- '" + string([]byte{e.Short}) + "'"
		}
		return "option '" + e.Long + "' requires an argument"
	case GetoptUnexpectedArgument:
		return "option '" + e.Long + "' doesn't allow an argument"
	default:
		return fmt.Sprintf("getopt error kind %d at argument %d", e.Kind, e.ArgIndex)
	}
}

// GetoptNormalize rewrites args (without argv[0]) with getopt_long semantics
// for an optstring starting with '+' (REQUIRE_ORDER, as strace uses): options
// end at "--" or at the first non-option word, so in `waittrace ls -l` the
// -l belongs to ls. The result holds one token per option occurrence, in
// order, "--NAME" or "--NAME=VALUE" (an optional argument given empty stays
// "--NAME="), then "--" and the operands unchanged. The "--" is always
// present so that an operand can never be read as a flag.
func GetoptNormalize(opts []GetoptOption, args []string) ([]string, error) {
	res, err := GetoptParse(opts, args)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(res.Options)+1+len(res.Operands))
	for _, m := range res.Options {
		if m.HasValue {
			out = append(out, "--"+m.Name+"="+m.Value)
		} else {
			out = append(out, "--"+m.Name)
		}
	}
	out = append(out, "--")
	return append(out, res.Operands...), nil
}

// GetoptParse parses args (without argv[0]) as glibc getopt_long does with
// a '+' optstring built from opts, stopping at the first error as strace
// does. A malformed table is reported as a plain wrapped error; command-line
// errors are *GetoptError.
func GetoptParse(opts []GetoptOption, args []string) (GetoptResult, error) {
	if err := getoptValidate(opts); err != nil {
		return GetoptResult{}, fmt.Errorf("getopt option table: %w", err)
	}
	var res GetoptResult
	i := 0
	for i < len(args) {
		arg := args[i]
		if arg == "--" {
			i++
			break
		}
		// "-" and words not starting with '-' are operands, and with
		// REQUIRE_ORDER the first operand ends the options.
		if len(arg) < 2 || arg[0] != '-' {
			break
		}
		var err error
		if arg[1] == '-' {
			var m GetoptMatch
			m, i, err = getoptParseLong(opts, args, i)
			if err != nil {
				return GetoptResult{}, err
			}
			res.Options = append(res.Options, m)
			continue
		}
		res.Options, i, err = getoptParseShort(opts, args, i, res.Options)
		if err != nil {
			return GetoptResult{}, err
		}
	}
	res.Operands = append([]string(nil), args[i:]...)
	return res, nil
}

// getoptParseShort parses the bundle of short options in args[i], appending
// to ms, and returns the index of the next word to parse.
func getoptParseShort(opts []GetoptOption, args []string, i int, ms []GetoptMatch) ([]GetoptMatch, int, error) {
	arg := args[i]
	for j := 1; j < len(arg); j++ {
		c := arg[j]
		o := getoptFindShort(opts, c)
		if o == nil {
			return ms, 0, &GetoptError{Kind: GetoptInvalidOption, Short: c, ArgIndex: i}
		}
		m := GetoptMatch{Name: o.Name, Spelling: "-" + string([]byte{c}), ArgIndex: i}
		rest := arg[j+1:]
		switch o.Arg {
		case GetoptNoArg:
			ms = append(ms, m)
			continue
		case GetoptOptionalArg:
			// Only an attached value counts; the next word is never taken.
			m.Value, m.HasValue = rest, rest != ""
			return append(ms, m), i + 1, nil
		default: // GetoptRequiredArg
			switch {
			case rest != "":
				m.Value, m.HasValue = rest, true
				return append(ms, m), i + 1, nil
			case i+1 < len(args):
				// getopt takes the next word whatever it looks like,
				// even "--" or "-x".
				m.Value, m.HasValue = args[i+1], true
				return append(ms, m), i + 2, nil
			default:
				return ms, 0, &GetoptError{Kind: GetoptMissingArgument, Short: c, ArgIndex: i}
			}
		}
	}
	return ms, i + 1, nil
}

// getoptParseLong parses the long option in args[i] and returns the index of
// the next word to parse.
func getoptParseLong(opts []GetoptOption, args []string, i int) (GetoptMatch, int, error) {
	arg := args[i]
	name, value, hasValue := strings.Cut(arg[2:], "=")
	o, long, candidates := getoptFindLong(opts, name)
	switch {
	case len(candidates) > 0:
		// glibc quotes the whole word, "=value" included.
		return GetoptMatch{}, 0, &GetoptError{Kind: GetoptAmbiguousOption, Long: arg, Candidates: candidates, ArgIndex: i}
	case o == nil:
		return GetoptMatch{}, 0, &GetoptError{Kind: GetoptUnrecognizedOption, Long: arg, ArgIndex: i}
	}
	m := GetoptMatch{Name: o.Name, Spelling: "--" + long, ArgIndex: i}
	switch {
	case hasValue && o.Arg == GetoptNoArg:
		return GetoptMatch{}, 0, &GetoptError{Kind: GetoptUnexpectedArgument, Long: m.Spelling, ArgIndex: i}
	case hasValue:
		m.Value, m.HasValue = value, true
	case o.Arg == GetoptRequiredArg:
		if i+1 >= len(args) {
			return GetoptMatch{}, 0, &GetoptError{Kind: GetoptMissingArgument, Long: m.Spelling, ArgIndex: i}
		}
		m.Value, m.HasValue = args[i+1], true
		return m, i + 2, nil
	}
	return m, i + 1, nil
}

func getoptFindShort(opts []GetoptOption, c byte) *GetoptOption {
	for k := range opts {
		if opts[k].Short != 0 && opts[k].Short == c {
			return &opts[k]
		}
	}
	return nil
}

// getoptFindLong resolves a long option name as glibc does: an exact match
// wins; otherwise a prefix is accepted when every spelling it begins denotes
// the same option (same Name and Arg, as glibc compares has_arg and val), and
// resolves to the first such spelling in table order. For an ambiguous
// prefix it returns the candidates glibc would list: the first match and
// every later one that differs from it.
func getoptFindLong(opts []GetoptOption, name string) (o *GetoptOption, long string, candidates []string) {
	for k := range opts {
		for _, l := range opts[k].Long {
			if l == name {
				return &opts[k], l, nil
			}
		}
	}
	ambiguous := false
	for k := range opts {
		for _, l := range opts[k].Long {
			if !strings.HasPrefix(l, name) {
				continue
			}
			if o == nil {
				o, long = &opts[k], l
				candidates = append(candidates, "--"+l)
				continue
			}
			if opts[k].Name != o.Name || opts[k].Arg != o.Arg {
				ambiguous = true
				candidates = append(candidates, "--"+l)
			}
		}
	}
	if ambiguous {
		return nil, "", candidates
	}
	return o, long, nil
}

// getoptValidate rejects tables that getopt could not express or that would
// make the normalised argv ambiguous.
func getoptValidate(opts []GetoptOption) error {
	shorts := map[byte]string{}
	longs := map[string]string{}
	for k, o := range opts {
		if err := getoptValidateOption(o); err != nil {
			return fmt.Errorf("entry %d (%q): %w", k, o.Name, err)
		}
		if o.Short != 0 {
			if prev, dup := shorts[o.Short]; dup {
				return fmt.Errorf("entry %d (%q): short option -%c already belongs to %q", k, o.Name, o.Short, prev)
			}
			shorts[o.Short] = o.Name
		}
		for _, l := range o.Long {
			if prev, dup := longs[l]; dup {
				return fmt.Errorf("entry %d (%q): long option --%s already belongs to %q", k, o.Name, l, prev)
			}
			longs[l] = o.Name
		}
	}
	return nil
}

func getoptValidateOption(o GetoptOption) error {
	switch {
	case o.Name == "":
		return errors.New("empty name")
	case o.Name[0] == '-' || strings.ContainsRune(o.Name, '='):
		// "--NAME=VALUE" must split at the first '=' and not look like "--".
		return errors.New("name must not start with '-' or contain '='")
	case o.Arg > GetoptOptionalArg:
		return fmt.Errorf("invalid argument mode %v", o.Arg)
	case o.Short == 0 && len(o.Long) == 0:
		return errors.New("neither a short nor a long spelling")
	case o.Short != 0 && (o.Short <= ' ' || o.Short >= 0x7f || strings.IndexByte("-:;?", o.Short) >= 0):
		// getopt never returns ':' or ';' as options, '?' is its error
		// value and '-' would be read as "--"; keep to printable ASCII.
		return fmt.Errorf("short option %q is not usable with getopt", o.Short)
	}
	for _, l := range o.Long {
		if l == "" || strings.ContainsRune(l, '=') {
			return fmt.Errorf("long spelling %q is empty or contains '='", l)
		}
	}
	return nil
}
