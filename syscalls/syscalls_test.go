package syscalls

import "testing"

func TestNumbers(t *testing.T) {
	tests := []struct {
		p  Personality
		c  Call
		nr uint64
		ok bool
	}{
		{AMD64, Wait4, 61, true},
		{AMD64, Waitid, 247, true},
		{AMD64, Waitpid, 0, false},
		{I386, Waitpid, 7, true},
		{I386, Wait4, 114, true},
		{I386, Waitid, 284, true},
		{ARM64, Wait4, 260, true},
		{ARM64, Waitid, 95, true},
		{ARM64, Waitpid, 0, false},
	}
	for _, tt := range tests {
		nr, ok := Number(tt.p, tt.c)
		if nr != tt.nr || ok != tt.ok {
			t.Errorf("Number(%s, %s) = %d, %v; want %d, %v", tt.p, tt.c, nr, ok, tt.nr, tt.ok)
		}
		if !tt.ok {
			continue
		}
		if c, ok := Lookup(tt.p, tt.nr); !ok || c != tt.c {
			t.Errorf("Lookup(%s, %d) = %s, %v; want %s", tt.p, tt.nr, c, ok, tt.c)
		}
	}
	for _, nr := range []uint64{0, 1, 59, 1 << 40} {
		for _, p := range Personalities() {
			if c, ok := Lookup(p, nr); ok {
				t.Errorf("Lookup(%s, %d) = %s, want none", p, nr, c)
			}
		}
	}
	if _, ok := Lookup(Personality(9), 61); ok {
		t.Error("Lookup with an unknown personality succeeded")
	}
}

func TestNames(t *testing.T) {
	for _, c := range Calls() {
		got, ok := ParseCall(c.String())
		if !ok || got != c {
			t.Errorf("ParseCall(%q) = %v, %v", c.String(), got, ok)
		}
	}
	if _, ok := ParseCall("wait3"); ok {
		t.Error(`ParseCall("wait3") succeeded`)
	}
	if got := Call(0).String(); got != "Call(0)" {
		t.Errorf("Call(0).String() = %q", got)
	}
	for p, want := range map[Personality]string{AMD64: "x86_64", I386: "i386", ARM64: "aarch64", 7: "Personality(7)"} {
		if got := p.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", p, got, want)
		}
	}
	for p, want := range map[Personality]int{AMD64: 8, I386: 4, ARM64: 8} {
		if got := p.WordSize(); got != want {
			t.Errorf("%s.WordSize() = %d, want %d", p, got, want)
		}
	}
}

// TestArgs checks the tables' invariants: once an argument is printed at
// exit every later one is too, and only pointers carry a DecodeWhen.
func TestArgs(t *testing.T) {
	wantNames := map[Call][]string{
		Wait4:   {"pid", "status", "options", "rusage"},
		Waitpid: {"pid", "status", "options"},
		Waitid:  {"which", "id", "infop", "options", "rusage"},
	}
	for _, c := range Calls() {
		args := c.Args()
		if len(args) != len(wantNames[c]) {
			t.Fatalf("%s has %d args, want %d", c, len(args), len(wantNames[c]))
		}
		atExit := false
		for i, a := range args {
			if a.Name != wantNames[c][i] {
				t.Errorf("%s arg %d = %q, want %q", c, i, a.Name, wantNames[c][i])
			}
			if atExit && !a.AtExit {
				t.Errorf("%s arg %s is printed at entry after an exit argument", c, a.Name)
			}
			atExit = a.AtExit
			if a.Kind.Pointer() && !a.AtExit {
				t.Errorf("%s arg %s: output pointers are printed at exit", c, a.Name)
			}
			if a.Kind.String() == "unknown" {
				t.Errorf("%s arg %s has no kind", c, a.Name)
			}
		}
	}
	args := Wait4.Args()
	args[0].Name = "changed"
	if Wait4.Args()[0].Name != "pid" {
		t.Error("Args returned the shared table")
	}
	if Call(0).Args() != nil {
		t.Error("Call(0).Args() is not nil")
	}
}

func TestDecodeWhen(t *testing.T) {
	tests := []struct {
		w     DecodeWhen
		rval  int64
		isErr bool
		want  bool
	}{
		{OnSuccess, 0, false, true},
		{OnSuccess, 5, false, true},
		{OnSuccess, -10, true, false},
		{OnNonZero, 0, false, false},
		{OnNonZero, 5, false, true},
		{OnNonZero, -5000, false, true},
		{OnNonZero, -10, true, false},
		{OnPositive, 5, false, true},
		{OnPositive, 0, false, false},
		{OnPositive, -5000, false, false},
	}
	for _, tt := range tests {
		if got := tt.w.Decoded(tt.rval, tt.isErr); got != tt.want {
			t.Errorf("%d.Decoded(%d, %v) = %v, want %v", tt.w, tt.rval, tt.isErr, got, tt.want)
		}
	}
}

// The x86 names were read back from strace 6.1.
func TestName(t *testing.T) {
	tests := []struct {
		p    Personality
		nr   uint64
		want string
	}{
		{AMD64, 0, "read"}, {AMD64, 7, "poll"}, {AMD64, 61, "wait4"}, {AMD64, 247, "waitid"},
		{AMD64, 284, "eventfd"}, {AMD64, 290, "eventfd2"}, {AMD64, 334, "rseq"}, {AMD64, 450, "set_mempolicy_home_node"},
		{I386, 0, "restart_syscall"}, {I386, 7, "waitpid"}, {I386, 127, "create_module"}, {I386, 386, "rseq"},
		{ARM64, 95, "waitid"}, {ARM64, 260, "wait4"}, {ARM64, 79, "newfstatat"},
		{AMD64, 335, ""}, {AMD64, 451, ""}, {AMD64, 512, ""}, {I386, 387, ""}, {ARM64, 244, ""}, {AMD64, 1 << 40, ""},
	}
	for _, tt := range tests {
		got, ok := Name(tt.p, tt.nr)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Name(%s, %d) = %q, %v; want %q", tt.p, tt.nr, got, ok, tt.want)
		}
	}
	for _, p := range Personalities() {
		for _, c := range Calls() {
			if nr, ok := Number(p, c); ok {
				if name, _ := Name(p, nr); name != c.String() {
					t.Errorf("Name(%s, %d) = %q, want %q", p, nr, name, c)
				}
			}
		}
	}
}
