package tamper

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/waittrace/waittrace/syscalls"
)

// parseCase is one expression, what strace 6.1 does with it (straceOK:
// accepted, checked against the real strace by TestStraceAgrees), and what
// waittrace must do: accept it (err "") or refuse it with a message that
// contains err. They differ only where waittrace cannot do what strace
// would: tamper with calls other than the wait calls, or poke memory.
type parseCase struct {
	expr     string
	fault    bool
	straceOK bool
	err      string
}

var parseCases = []parseCase{
	// error=
	{"wait4:error=EINTR", false, true, ""},
	{"wait4:error=eintr", false, true, ""},
	{"wait4:error=4", false, true, ""},
	{"wait4:error= 4", false, true, ""},
	{"wait4:error=+4", false, true, ""},
	{"wait4:error=0", false, false, "error=0"},
	{"wait4:error=-0", false, false, "error=-0"},
	{"wait4:error=4095", false, true, ""},
	{"wait4:error=4096", false, false, "error=4096"},
	{"wait4:error=ERESTARTSYS", false, true, ""},
	{"wait4:error=erestart_restartblock", false, true, ""},
	{"wait4:error=EWOULDBLOCK", false, false, "error=EWOULDBLOCK"},
	{"wait4:error=EDEADLOCK", false, false, "error=EDEADLOCK"},
	{"wait4:error=ENOTSUPP", false, true, ""},
	{"wait4:error=", false, false, "error="},
	{"wait4:error=EINTR:error=EINTR", false, false, "twice"},
	{"wait4:error=EINTR:retval=0", false, false, "twice"},
	// retval=
	{"wait4:retval=0", false, true, ""},
	{"wait4:retval=-1", false, true, ""},
	{"wait4:retval=0x10", false, true, ""},
	{"wait4:retval=010", false, true, ""},
	{"wait4:retval=08", false, false, "retval=08"},
	{"wait4:retval=0x", false, false, "retval=0x"},
	{"wait4:retval=+5", false, true, ""},
	{"wait4:retval= 5", false, true, ""},
	{"wait4:retval=-0x5", false, true, ""},
	{"wait4:retval=18446744073709551615", false, true, ""},
	{"wait4:retval=18446744073709551616", false, false, "retval="},
	{"wait4:retval=-18446744073709551616", false, false, "retval="},
	{"wait4:retval=4294967295", false, true, ""},
	{"wait4:retval=4294967296", false, true, ""},
	{"wait4:retval=", false, false, "retval="},
	{"wait4:retval=1x", false, false, "retval=1x"},
	// signal=
	{"wait4:signal=SIGUSR1", false, true, ""},
	{"wait4:signal=usr1", false, true, ""},
	{"wait4:signal=sigusr1", false, true, ""},
	{"wait4:signal=10", false, true, ""},
	{"wait4:signal=010", false, true, ""},
	{"wait4:signal=+10", false, false, "signal=+10"},
	{"wait4:signal= 10", false, false, "signal= 10"},
	{"wait4:signal=0", false, false, "signal=0"},
	{"wait4:signal=64", false, true, ""},
	{"wait4:signal=65", false, false, "signal=65"},
	{"wait4:signal=255", false, false, "signal=255"},
	{"wait4:signal=SIGRTMIN", false, true, ""},
	{"wait4:signal=RTMIN", false, true, ""},
	{"wait4:signal=SIGRT_1", false, true, ""},
	{"wait4:signal=SIGRT_32", false, true, ""},
	{"wait4:signal=SIGRT_0", false, false, "signal=SIGRT_0"},
	{"wait4:signal=SIG", false, false, "signal=SIG"},
	{"wait4:signal=SIGUSR1:signal=SIGUSR2", false, false, "twice"},
	{"wait4:signal=SIGUSR1:error=EINTR", false, true, ""},
	// delay_enter= and delay_exit=
	{"wait4:delay_enter=100", false, true, ""},
	{"wait4:delay_enter=100ms", false, true, ""},
	{"wait4:delay_enter=100mS", false, true, ""},
	{"wait4:delay_enter=100MS", false, false, "delay_enter=100MS"},
	{"wait4:delay_enter=1.5MS", false, true, ""},
	{"wait4:delay_enter=1s", false, true, ""},
	{"wait4:delay_enter=1.5s", false, true, ""},
	{"wait4:delay_enter=10us", false, true, ""},
	{"wait4:delay_enter=10ns", false, true, ""},
	{"wait4:delay_enter=0", false, true, ""},
	{"wait4:delay_enter=-0", false, true, ""},
	{"wait4:delay_enter=-nan", false, true, ""},
	{"wait4:delay_enter=-1", false, false, "delay_enter=-1"},
	{"wait4:delay_enter=1m", false, false, "delay_enter=1m"},
	{"wait4:delay_enter=1e3", false, true, ""},
	{"wait4:delay_enter=1e999", false, false, "delay_enter="},
	{"wait4:delay_enter=1e-999", false, false, "delay_enter="},
	{"wait4:delay_enter=1.5e3ms", false, true, ""},
	{"wait4:delay_enter=+1.5", false, true, ""},
	{"wait4:delay_enter=-0x0p0", false, true, ""},
	{"wait4:delay_enter=0x10", false, false, "delay_enter=0x10"},
	{"wait4:delay_enter=1.5", false, true, ""},
	{"wait4:delay_enter=.5s", false, true, ""},
	{"wait4:delay_enter=5.s", false, true, ""},
	{"wait4:delay_enter= 5", false, true, ""},
	{"wait4:delay_enter=99999999999s", false, true, ""},
	{"wait4:delay_enter=", false, false, "delay_enter="},
	{"wait4:delay_enter=1:delay_enter=2", false, false, "twice"},
	{"wait4:delay_exit=100ms", false, true, ""},
	{"wait4:delay_enter=1:delay_exit=2", false, true, ""},
	// when=
	{"wait4:when=1", false, false, "needs error="},
	{"wait4", false, false, "needs error="},
	{"wait4:when=1:error=EINTR", false, true, ""},
	{"wait4:error=EINTR:when=0", false, false, "when=0"},
	{"wait4:error=EINTR:when=2+", false, true, ""},
	{"wait4:error=EINTR:when=2+3", false, true, ""},
	{"wait4:error=EINTR:when=2..4", false, true, ""},
	{"wait4:error=EINTR:when=2..4+2", false, true, ""},
	{"wait4:error=EINTR:when=4..2", false, false, "when=4..2"},
	{"wait4:error=EINTR:when=2..2", false, true, ""},
	{"wait4:error=EINTR:when=2..65535", false, false, "when="},
	{"wait4:error=EINTR:when=2..65534", false, true, ""},
	{"wait4:error=EINTR:when=65535", false, true, ""},
	{"wait4:error=EINTR:when=65536", false, false, "when="},
	{"wait4:error=EINTR:when=2+0", false, false, "when="},
	{"wait4:error=EINTR:when=2+65535", false, true, ""},
	{"wait4:error=EINTR:when=2+65536", false, false, "when="},
	{"wait4:error=EINTR:when=2.4", false, false, "when="},
	{"wait4:error=EINTR:when=2..", false, false, "when="},
	{"wait4:error=EINTR:when=2..+", false, false, "when="},
	{"wait4:error=EINTR:when=2..4+", false, true, ""},
	{"wait4:error=EINTR:when=+2", false, true, ""},
	{"wait4:error=EINTR:when= 2", false, true, ""},
	{"wait4:error=EINTR:when=2+ 3", false, true, ""},
	{"wait4:error=EINTR:when=2..+3", false, true, ""},
	{"wait4:error=EINTR:when=", false, false, "when="},
	{"wait4:error=EINTR:when=1:when=3", false, true, ""},
	{"wait4:error=EINTR:when=2x", false, false, "when="},
	{"wait4:error=EINTR:when=1+2+3", false, false, "when="},
	{"wait4:error=EINTR:when=1..2..3", false, false, "when="},
	// syscall=
	{"wait4:error=EINTR:syscall=gettid", false, true, ""},
	{"wait4:error=EINTR:syscall=getpid", false, true, ""},
	{"wait4:error=EINTR:syscall=getppid", false, true, ""},
	{"wait4:error=EINTR:syscall=getpgrp", false, true, ""},
	{"wait4:error=EINTR:syscall=getuid", false, true, ""},
	{"wait4:error=EINTR:syscall=getuid32", false, false, "syscall=getuid32"},
	{"wait4:error=EINTR:syscall=openat", false, false, "syscall=openat"},
	{"wait4:error=EINTR:syscall=nosuch", false, false, "syscall=nosuch"},
	{"wait4:error=EINTR:syscall=gettid:syscall=gettid", false, false, "twice"},
	{"wait4:syscall=gettid", false, false, "needs error="},
	// tokens
	{"wait4:error=EINTR:foo=1", false, false, "unknown foo=1"},
	{"wait4:error=EINTR:", false, true, ""},
	{"wait4::error=EINTR", false, true, ""},
	{"wait4:error=EINTR:delay_exit=1:signal=1:when=3", false, true, ""},
	{"wait4:poke_enter=@arg1=00", false, true, "not supported"},
	{"wait4:poke_exit=@arg2=0000", false, true, "not supported"},
	// the set
	{":error=EINTR", false, false, "invalid system call ''"},
	{"", false, false, "invalid system call ''"},
	{"wait4,waitid:error=EINTR", false, true, ""},
	{"wait4,,waitid:error=EINTR", false, true, ""},
	{",:error=EINTR", false, false, "invalid system call ','"},
	{"foo:error=EINTR", false, false, "invalid system call 'foo'"},
	{"foo", false, false, "invalid system call 'foo'"},
	{"WAIT4:error=EINTR", false, false, "invalid system call 'WAIT4'"},
	{"wait4 :error=EINTR", false, false, "invalid system call 'wait4 '"},
	{" wait4:error=EINTR", false, false, "invalid system call ' wait4'"},
	{"?foo:error=EINTR", false, true, ""},
	{"?foo,wait4:error=EINTR", false, true, ""},
	{"openat:error=EINTR", false, true, "only with wait4, waitid and waitpid"},
	{"openat,wait4:error=EINTR", false, true, "only with wait4, waitid and waitpid"},
	{"all:error=EINTR", false, true, ""},
	{"none:error=EINTR", false, true, ""},
	{"!all:error=EINTR", false, true, ""},
	{"!none:delay_enter=0", false, true, ""},
	{"!wait4:error=EINTR", false, true, ""},
	{"!!wait4:error=EINTR", false, true, ""},
	{"wait4,none:error=EINTR", false, false, "invalid system call 'none'"},
	{"%process:error=EINTR", false, true, ""},
	{"process:error=EINTR", false, true, ""},
	{"%PROCESS:error=EINTR", false, false, "invalid system call '%PROCESS'"},
	{"%clock:error=EINTR", false, true, "selects no wait call"},
	{"%stat_like:error=EINTR", false, false, "invalid system call '%stat_like'"},
	{"?%foo:error=EINTR", false, true, ""},
	{"/wait:error=EINTR", false, true, ""},
	{"/^wait[0-9]:error=EINTR", false, true, ""},
	{"/xyz:error=EINTR", false, false, "invalid system call '/xyz'"},
	{"?/xyz:error=EINTR", false, true, ""},
	{"/(:error=EINTR", false, false, "regcomp"},
	{"61:error=EINTR", false, true, ""},
	{"61@32:error=EINTR", false, true, "only with wait4, waitid and waitpid"},
	{"999:error=EINTR", false, false, "invalid system call '999'"},
	{"?999:error=EINTR", false, true, ""},
	{"wait4@64:error=EINTR", false, true, ""},
	{"wait4@32:error=EINTR", false, true, ""},
	{"wait4@64,waitid@32:error=EINTR", false, true, ""},
	{"wait4@x32:error=EINTR", false, true, "selects no wait call"},
	{"wait4@foo:error=EINTR", false, false, "incorrect personality designator 'foo' in qualification 'wait4@foo'"},
	{"wait4@:error=EINTR", false, false, "incorrect personality designator ''"},
	{"@64:error=EINTR", false, false, "invalid system call '@64'"},
	{"/wait@32:error=EINTR", false, true, ""},
	{"waitpid:error=EINTR", false, true, ""},
	// fault=
	{"wait4", true, true, ""},
	{"wait4:error=EINTR", true, true, ""},
	{"wait4:when=3", true, true, ""},
	{"wait4:syscall=gettid", true, true, ""},
	{"wait4:error=ENOSYS:when=1..3", true, true, ""},
	{"wait4:retval=0", true, false, "retval= is for inject="},
	{"wait4:signal=SIGUSR1", true, false, "signal= is for inject="},
	{"wait4:delay_enter=1", true, false, "delay_enter= is for inject="},
	{"wait4:poke_enter=@arg1=00", true, false, "poke_enter= is for inject="},
	{"foo", true, false, "invalid system call 'foo'"},
	{"", true, false, "invalid system call ''"},
}

func TestParseCases(t *testing.T) {
	h := hostOf("amd64")
	for _, c := range parseCases {
		e := Expr{Fault: c.fault, Text: c.expr}
		p, err := parse([]Expr{e}, h)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s=%q: %v; want it accepted", e.kind(), c.expr, err)
		case c.err != "" && err == nil:
			t.Errorf("%s=%q accepted; want an error with %q", e.kind(), c.expr, c.err)
		case err != nil && !strings.Contains(err.Error(), c.err):
			t.Errorf("%s=%q: %v; want an error with %q", e.kind(), c.expr, err, c.err)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s=%q: error of more than one line: %q", e.kind(), c.expr, err)
		case err == nil && c.err == "" && !c.straceOK:
			t.Errorf("table: %s=%q accepted by waittrace but not by strace", e.kind(), c.expr)
		}
		_ = p
	}
}

// TestStraceAgrees checks the table's straceOK column against the strace
// installed, run with each expression on /bin/true, so that the table is
// strace's real behaviour and not a guess.
func TestStraceAgrees(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed: the table's strace column is not checked")
	}
	if _, err := os.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true to run under strace")
	}
	for _, c := range parseCases {
		opt := "inject=" + c.expr
		if c.fault {
			opt = "fault=" + c.expr
		}
		// Only the wait calls are traced, so that strace tampers with
		// nothing /bin/true does even when the set is "all".
		cmd := exec.Command(strace, "-qq", "-o", "/dev/null", "-e", "trace=wait4,waitid,waitpid", "-e", opt, "/bin/true")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		runErr := cmd.Run()
		refused := false
		for _, l := range strings.Split(stderr.String(), "\n") {
			msg, ok := strings.CutPrefix(l, strace+": ")
			if ok && !strings.HasPrefix(msg, "Inadvertent") && !strings.HasPrefix(msg, "Injected") {
				refused = true
			}
		}
		if refused != (runErr != nil) {
			t.Errorf("strace -e %s: exit %v with stderr %q", opt, runErr, stderr.String())
			continue
		}
		if !refused != c.straceOK {
			t.Errorf("strace -e %s: accepted=%v, the table says %v (stderr %q)", opt, !refused, c.straceOK, stderr.String())
		}
	}
}

func mustParse(t *testing.T, exprs ...Expr) *Plan {
	t.Helper()
	p, err := parse(exprs, hostOf("amd64"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func inject(s string) Expr { return Expr{Text: s} }

func TestRuleValues(t *testing.T) {
	cases := []struct {
		expr  Expr
		check func(r *Rule) bool
	}{
		{inject("wait4:error=eintr"), func(r *Rule) bool { return r.Error == 4 && !r.HasRetval }},
		{inject("wait4:error=ERESTART_RESTARTBLOCK"), func(r *Rule) bool { return r.Error == 516 }},
		{Expr{Fault: true, Text: "wait4"}, func(r *Rule) bool { return r.Error == 38 }},
		{inject("wait4:retval=-0x5"), func(r *Rule) bool { return r.HasRetval && r.Retval == 1<<64-5 }},
		{inject("wait4:retval=010"), func(r *Rule) bool { return r.Retval == 8 }},
		{inject("wait4:signal=rtmin"), func(r *Rule) bool { return r.Signal == 32 }},
		{inject("wait4:signal=SIGRT_32"), func(r *Rule) bool { return r.Signal == 64 }},
		{inject("wait4:signal=SIGTERM"), func(r *Rule) bool { return r.Signal == 15 }},
		{inject("wait4:delay_enter=100"), func(r *Rule) bool { return r.HasDelayEnter && r.DelayEnter == 100*time.Microsecond }},
		{inject("wait4:delay_enter=100ms"), func(r *Rule) bool { return r.DelayEnter == 100*time.Millisecond }},
		{inject("wait4:delay_exit=1.5s"), func(r *Rule) bool { return r.HasDelayExit && r.DelayExit == 1500*time.Millisecond }},
		{inject("wait4:delay_enter=1e3"), func(r *Rule) bool { return r.DelayEnter == time.Millisecond }},
		{inject("wait4:delay_enter=1.5e3ms"), func(r *Rule) bool { return r.DelayEnter == 1500*time.Millisecond }},
		{inject("wait4:delay_enter=7ns"), func(r *Rule) bool { return r.DelayEnter == 7 }},
		{inject("wait4:delay_enter=0"), func(r *Rule) bool { return r.HasDelayEnter && r.DelayEnter == 0 }},
		{inject("wait4:delay_enter=99999999999s"), func(r *Rule) bool { return r.DelayEnter > 1000*time.Hour }},
		{inject("wait4:error=EINTR"), func(r *Rule) bool { return r.First == 1 && r.Last == whenInf && r.Step == 1 }},
		{inject("wait4:error=EINTR:when=3"), func(r *Rule) bool { return r.First == 3 && r.Last == whenInf && r.Step == 0 }},
		{inject("wait4:error=EINTR:when=3+"), func(r *Rule) bool { return r.First == 3 && r.Last == whenInf && r.Step == 1 }},
		{inject("wait4:error=EINTR:when=3+4"), func(r *Rule) bool { return r.First == 3 && r.Last == whenInf && r.Step == 4 }},
		{inject("wait4:error=EINTR:when=3..5"), func(r *Rule) bool { return r.First == 3 && r.Last == 5 && r.Step == 1 }},
		{inject("wait4:error=EINTR:when=3..9+2"), func(r *Rule) bool { return r.First == 3 && r.Last == 9 && r.Step == 2 }},
		{inject("wait4:error=EINTR:when=1:when=2+"), func(r *Rule) bool { return r.First == 2 && r.Step == 1 }},
		{inject("wait4:error=EINTR:syscall=gettid"), func(r *Rule) bool {
			return r.Syscall == "gettid" && r.nr[syscalls.AMD64] == 186 && r.nr[syscalls.I386] == 224
		}},
	}
	for _, c := range cases {
		p := mustParse(t, c.expr)
		r := p.Rule(syscalls.AMD64, syscalls.Wait4)
		if r == nil || !c.check(r) {
			t.Errorf("%s: rule %+v", c.expr.Text, r)
		}
	}
}

func TestSelection(t *testing.T) {
	type sel = []string // "per/call"
	cases := []struct {
		set  string
		want sel
		warn bool
	}{
		{"wait4", sel{"x86_64/wait4", "i386/wait4"}, false},
		{"waitpid", sel{"i386/waitpid"}, false},
		{"wait4@64", sel{"x86_64/wait4"}, false},
		{"wait4@32,waitid", sel{"x86_64/waitid", "i386/wait4", "i386/waitid"}, false},
		{"!wait4", sel{"x86_64/waitid", "i386/waitid", "i386/waitpid"}, true},
		{"!!wait4", sel{"x86_64/wait4", "i386/wait4"}, false},
		{"all", sel{"x86_64/wait4", "x86_64/waitid", "i386/wait4", "i386/waitid", "i386/waitpid"}, true},
		{"%process", sel{"x86_64/wait4", "x86_64/waitid", "i386/wait4", "i386/waitid", "i386/waitpid"}, true},
		{"/^wait", sel{"x86_64/wait4", "x86_64/waitid", "i386/wait4", "i386/waitid", "i386/waitpid"}, false},
		{"/wait", sel{"x86_64/wait4", "x86_64/waitid", "i386/wait4", "i386/waitid", "i386/waitpid"}, true},
		{"61", sel{"x86_64/wait4"}, true}, // 61 is chroot on i386
		{"none", nil, false},
		{"?foo", nil, false},
		{"!all", nil, false},
	}
	for _, c := range cases {
		p, err := parse([]Expr{inject(c.set + ":error=EINTR")}, hostOf("amd64"))
		if err != nil {
			t.Errorf("%s: %v", c.set, err)
			continue
		}
		var got sel
		for _, per := range []syscalls.Personality{syscalls.AMD64, syscalls.I386} {
			for _, call := range syscalls.Calls() {
				if p.Rule(per, call) != nil {
					got = append(got, per.String()+"/"+call.String())
				}
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s selects %v, want %v", c.set, got, c.want)
		}
		if warned := len(p.Warnings()) > 0; warned != c.warn {
			t.Errorf("%s: warnings %q, want some: %v", c.set, p.Warnings(), c.warn)
		}
	}
}

func TestArm64Host(t *testing.T) {
	h := hostOf("arm64")
	p, err := parse([]Expr{inject("wait4@64:error=EINTR:syscall=gettid")}, h)
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Rule(syscalls.ARM64, syscalls.Wait4); r == nil || r.nr[syscalls.ARM64] != 178 {
		t.Errorf("arm64 rule %+v", r)
	}
	for _, bad := range []string{"wait4@x32:error=EINTR", "wait4:error=EINTR:syscall=getpgrp", "waitpid:error=EINTR"} {
		if _, err := parse([]Expr{inject(bad)}, h); err == nil {
			t.Errorf("arm64: %s accepted", bad)
		}
	}
}

func TestInadvertentWarnings(t *testing.T) {
	cases := map[string]string{
		"-1":                 "Inadvertent injection of error 1 is possible for retval=18446744073709551615",
		"4294967295":         "Inadvertent injection of error 1 is possible in compat personality for retval=4294967295",
		"4294967296":         "Injected return value 4294967296 will be clipped to 0 in compat personality",
		"0xfffffffffffff000": "Injected return value 18446744073709547520 will be clipped to 4294963200 in compat personality",
		"5":                  "",
	}
	for v, want := range cases {
		p := mustParse(t, inject("wait4:retval="+v))
		got := strings.Join(p.Warnings(), "\n")
		if got != want {
			t.Errorf("retval=%s: warnings %q, want %q", v, got, want)
		}
	}
}

func TestLaterExpressionReplaces(t *testing.T) {
	p := mustParse(t, inject("wait4,waitid:error=EINTR:when=1"), inject("wait4:delay_enter=10ms:when=2"))
	r := p.Rule(syscalls.AMD64, syscalls.Wait4)
	if r.Error != 0 || !r.HasDelayEnter || r.First != 2 {
		t.Errorf("wait4: %+v, want the second expression's rule", r)
	}
	if r := p.Rule(syscalls.AMD64, syscalls.Waitid); r == nil || r.Error != 4 {
		t.Errorf("waitid: %+v, want the first expression's rule", r)
	}
	if calls := p.Calls(); fmt.Sprint(calls) != "[wait4 waitid]" {
		t.Errorf("Calls() = %v", calls)
	}
}

// decisions returns which of calls 1..n of one thread are tampered with.
func decisions(p *Plan, tid, n int) []int {
	var got []int
	for i := 1; i <= n; i++ {
		if _, ok := p.Decide(tid, syscalls.AMD64, syscalls.Wait4); ok {
			got = append(got, i)
		}
	}
	return got
}

func TestWhen(t *testing.T) {
	cases := map[string][]int{
		"":               {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		":when=3":        {3},
		":when=3+":       {3, 4, 5, 6, 7, 8, 9, 10},
		":when=3+3":      {3, 6, 9},
		":when=2..4":     {2, 3, 4},
		":when=2..8+3":   {2, 5, 8},
		":when=2..7+3":   {2, 5},
		":when=1..1":     {1},
		":when=11":       nil,
		":when=1..2+100": {1},
	}
	for when, want := range cases {
		p := mustParse(t, inject("wait4:error=EINTR"+when))
		got := decisions(p, 100, 10)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("when%s: calls %v tampered with, want %v", when, got, want)
		}
	}
}

// TestCountsPerThread: strace counts the calls of each thread (tcb)
// separately, a thread that took another's id counts from the start, and
// an execve'ing thread keeps its counts as the leader.
func TestCountsPerThread(t *testing.T) {
	p := mustParse(t, inject("wait4:error=EINTR:when=2"))
	if got := decisions(p, 1, 1); got != nil {
		t.Fatalf("thread 1, call 1 tampered with")
	}
	if got := decisions(p, 2, 2); len(got) != 1 || got[0] != 2 {
		t.Errorf("thread 2: %v, want its own second call", got)
	}
	if got := decisions(p, 1, 1); len(got) != 1 {
		t.Errorf("thread 1, call 2: not tampered with")
	}
	p.Forget(2)
	if got := decisions(p, 2, 2); len(got) != 1 || got[0] != 2 {
		t.Errorf("thread 2 after Forget: %v, want a fresh count", got)
	}
	// Thread 3 makes one call, then execs and becomes leader 1.
	decisions(p, 3, 1)
	p.Moved(3, 1)
	if got := decisions(p, 1, 1); len(got) != 1 {
		t.Errorf("leader after Moved: its next call is the execve'ing thread's second: want it tampered with")
	}
	// Other personalities and calls count apart.
	p2 := mustParse(t, inject("wait4,waitid:error=EINTR:when=2"))
	p2.Decide(1, syscalls.AMD64, syscalls.Wait4)
	if _, ok := p2.Decide(1, syscalls.AMD64, syscalls.Waitid); ok {
		t.Errorf("waitid's first call tampered with: counted with wait4's")
	}
	if _, ok := p2.Decide(1, syscalls.I386, syscalls.Wait4); ok {
		t.Errorf("i386 wait4's first call tampered with: counted with x86_64's")
	}
}

func TestActions(t *testing.T) {
	p := mustParse(t, inject("wait4:error=ECHILD:syscall=gettid:signal=SIGUSR1:delay_exit=5ms"),
		inject("waitid:retval=7:delay_enter=0"))
	a, ok := p.Decide(1, syscalls.I386, syscalls.Wait4)
	want := Action{Return: true, Error: true, Rval: -10, Substitute: true, Nr: 224, Signal: 10, DelayExit: 5 * time.Millisecond, HoldExit: true}
	if !ok || a != want {
		t.Errorf("wait4: %+v, want %+v", a, want)
	}
	a, _ = p.Decide(1, syscalls.AMD64, syscalls.Waitid)
	want = Action{Return: true, Rval: 7, HoldEnter: true}
	if a != want {
		t.Errorf("waitid: %+v, want %+v", a, want)
	}
	p = mustParse(t, inject("wait4:signal=9"))
	if a, _ := p.Decide(1, syscalls.AMD64, syscalls.Wait4); a.Return || a.Signal != 9 {
		t.Errorf("signal only: %+v", a)
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	p := mustParse(t, inject("wait4:error=EINTR"))
	p.Decide(1, syscalls.AMD64, syscalls.Wait4)
	n := testing.AllocsPerRun(100, func() {
		p.Decide(1, syscalls.AMD64, syscalls.Wait4)
		p.Decide(1, syscalls.AMD64, syscalls.Waitid)
	})
	if n != 0 {
		t.Errorf("Decide allocates %v times per call", n)
	}
}
