package tamper

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/waittrace/waittrace/syscalls"
)

// host is what the set syntax and syscall= depend on: strace's
// personalities on this architecture, and its calls without side effects.
type host struct {
	pers []hostPers
	// pure are the names syscall= accepts: strace's TRACE_PURE calls that
	// exist in every personality.
	pure []string
}

// hostPers is one of strace's personalities. known: waittrace has its call
// table (not x32's, nor 32-bit arm's, which have no wait call it traces).
type hostPers struct {
	designator string
	per        syscalls.Personality
	known      bool
	names      []string // by number
}

// hostOf describes strace's personalities for GOARCH.
func hostOf(goarch string) *host {
	if goarch == "arm64" {
		return &host{
			pers: []hostPers{newPers("64", syscalls.ARM64), {designator: "32"}},
			pure: []string{"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid"},
		}
	}
	return &host{
		pers: []hostPers{newPers("64", syscalls.AMD64), newPers("32", syscalls.I386), {designator: "x32"}},
		pure: []string{"getpid", "getppid", "getpgrp", "gettid", "getuid", "geteuid", "getgid", "getegid"},
	}
}

func newPers(designator string, p syscalls.Personality) hostPers {
	hp := hostPers{designator: designator, per: p, known: true}
	for nr := uint64(0); nr < 1024; nr++ {
		name, _ := syscalls.Name(p, nr)
		hp.names = append(hp.names, name)
	}
	return hp
}

// number is the number of call name in hp, if it has one.
func (hp *hostPers) number(name string) (uint64, bool) {
	for nr, n := range hp.names {
		if n == name && name != "" {
			return uint64(nr), true
		}
	}
	return 0, false
}

// pureCall resolves syscall=NAME in every known personality.
func (h *host) pureCall(name string) (map[syscalls.Personality]uint64, bool) {
	ok := false
	for _, p := range h.pure {
		ok = ok || p == name
	}
	if !ok {
		return nil, false
	}
	nr := map[syscalls.Personality]uint64{}
	for i := range h.pers {
		hp := &h.pers[i]
		if !hp.known {
			continue
		}
		n, found := hp.number(name)
		if !found {
			return nil, false
		}
		nr[hp.per] = n
	}
	return nr, true
}

// selection is what a set selects: the wait calls, per personality, and
// whether other calls too (which waittrace leaves alone).
type selection struct {
	targets []target
	others  bool
}

// tokenSel is what tokens add up to before a negation applies.
type tokenSel struct {
	waits     map[target]bool
	others    bool // some other call
	othersAll bool // every other call (the class "all")
}

// classes are strace 6.1's syscall classes (case-sensitive), and whether
// the wait calls are in them.
var classes = map[string]bool{
	"%desc": false, "%file": false, "%memory": false, "%process": true, "%creds": false,
	"%signal": false, "%ipc": false, "%net": false, "%network": false, "%stat": false,
	"%lstat": false, "%fstat": false, "%%stat": false, "%statfs": false, "%fstatfs": false,
	"%%statfs": false, "%pure": false, "%clock": false,
	"desc": false, "file": false, "memory": false, "process": true, "signal": false,
	"ipc": false, "network": false, "all": true,
}

// selectCalls is strace's qualify_syscall_tokens: [!...](none|all|TOKEN,...),
// each TOKEN [?...]NAME|NUMBER|/REGEX|CLASS[@DESIGNATOR].
func (h *host) selectCalls(set string) (selection, error) {
	invert := false
	s := set
	for strings.HasPrefix(s, "!") {
		invert = !invert
		s = s[1:]
	}
	ts := tokenSel{waits: map[target]bool{}}
	switch s {
	case "none":
	case "all":
		invert = !invert
	default:
		done := false
		for _, tok := range strings.Split(s, ",") {
			if tok == "" {
				continue // strtok skips empty tokens
			}
			ok, err := h.token(tok, &ts)
			if err != nil {
				return selection{}, err
			}
			if !ok {
				return selection{}, fmt.Errorf("invalid system call '%s'", tok)
			}
			done = true
		}
		if !done {
			return selection{}, fmt.Errorf("invalid system call '%s'", set)
		}
	}
	var sel selection
	for i := range h.pers {
		hp := &h.pers[i]
		if !hp.known {
			continue
		}
		for _, c := range syscalls.Calls() {
			t := target{hp.per, c}
			if _, exists := syscalls.Number(hp.per, c); exists && ts.waits[t] != invert {
				sel.targets = append(sel.targets, t)
			}
		}
	}
	sel.others = ts.others
	if invert {
		sel.others = !ts.othersAll
	}
	if len(sel.targets) == 0 && sel.others {
		return selection{}, fmt.Errorf("selects no wait call: waittrace tampers only with wait4, waitid and waitpid")
	}
	return sel, nil
}

// token adds one token's calls to ts (strace's qualify_syscall); false if
// it selects nothing and is not optional.
func (h *host) token(tok string, ts *tokenSel) (bool, error) {
	optional := false
	t := tok
	for strings.HasPrefix(t, "?") {
		optional, t = true, t[1:]
	}
	pers, designated := h.pers, false
	if at := strings.LastIndexByte(t, '@'); at >= 0 {
		designated = true
		d := t[at+1:]
		found := false
		for i := range h.pers {
			if h.pers[i].designator == d {
				pers, found = h.pers[i:i+1], true
			}
		}
		if !found {
			return false, fmt.Errorf("incorrect personality designator '%s' in qualification '%s'", d, t)
		}
		t = t[:at]
	}
	var re *regexp.Regexp
	if strings.HasPrefix(t, "/") {
		var err error
		if re, err = regexp.Compile(t[1:]); err != nil {
			return false, fmt.Errorf("regcomp: %s: %v", t[1:], err)
		}
	}
	// any: the token selects something; waitHit: a wait call; named: a
	// name or number that is some other call.
	any, waitHit, named := false, false, false
	for i := range pers {
		hp := &pers[i]
		names := hp.names
		if !hp.known {
			// x32 or 32-bit arm: waittrace has no table, nor traces their
			// wait calls; the main personality's names stand in for theirs.
			names = h.pers[0].names
		}
		add := func(nr uint64) bool {
			any = true
			if !hp.known {
				// Named for itself (wait4@x32), it is a call waittrace
				// does not tamper with; else it only makes the token valid.
				ts.others = ts.others || designated
				return false
			}
			if c, ok := syscalls.Lookup(hp.per, nr); ok {
				ts.waits[target{hp.per, c}], waitHit = true, true
				return true
			}
			ts.others = true
			return false
		}
		switch {
		case t != "" && t[0] >= '0' && t[0] <= '9':
			n, _ := stringToUint(t, 1<<31-1, "")
			if n >= 0 && n < int64(len(names)) && names[n] != "" {
				named = !add(uint64(n)) && hp.known || named
			}
		case re != nil:
			for nr, name := range names {
				if name != "" && re.MatchString(name) {
					add(uint64(nr))
				}
			}
		default:
			if wait, isClass := classes[t]; isClass {
				if wait && hp.known {
					for _, c := range syscalls.Calls() {
						if _, ok := syscalls.Number(hp.per, c); ok {
							ts.waits[target{hp.per, c}], waitHit = true, true
						}
					}
				}
				ts.others, any = ts.others || hp.known || designated, true
				ts.othersAll = ts.othersAll || t == "all"
				continue
			}
			for nr, name := range names {
				if name == t && name != "" {
					named = !add(uint64(nr)) && hp.known || named
				}
			}
		}
	}
	if named && !waitHit && !optional {
		return false, fmt.Errorf("%s: waittrace tampers only with wait4, waitid and waitpid", t)
	}
	return any || optional, nil
}
