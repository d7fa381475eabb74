package stack

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFrameString(t *testing.T) {
	tests := []struct {
		name  string
		frame Frame
		want  string
	}{
		{"symbol", Frame{Address: 0x7f1234d3bd3, Object: "/lib/x86_64-linux-gnu/libc.so.6", Offset: 0xd3bd3, Symbol: "wait4", SymOffset: 0x13},
			" > /lib/x86_64-linux-gnu/libc.so.6(wait4+0x13) [0xd3bd3]"},
		{"no symbol", Frame{Address: 0x55d0bcc0, Object: "/usr/bin/dash", Offset: 0xbcc0},
			" > /usr/bin/dash() [0xbcc0]"},
		{"at the symbol's start", Frame{Object: "/usr/bin/x", Offset: 0x1000, Symbol: "main"},
			" > /usr/bin/x(main+0x0) [0x1000]"},
		{"demangled", Frame{Object: "/tmp/cc", Offset: 0x131a, Symbol: "fixture::Supervisor<int>::reap(int, std::string const&)", SymOffset: 0x30},
			" > /tmp/cc(fixture::Supervisor<int>::reap(int, std::string const&)+0x30) [0x131a]"},
		{"Go", Frame{Object: "/tmp/go", Offset: 0x816e, Symbol: "internal/runtime/syscall/linux.Syscall6", SymOffset: 0xe},
			" > /tmp/go(internal/runtime/syscall/linux.Syscall6+0xe) [0x816e]"},
		{"deleted", Frame{Object: "/tmp/a.out (deleted)", Offset: 0x1139, Symbol: "main", SymOffset: 4},
			" > /tmp/a.out (deleted)(main+0x4) [0x1139]"},
		{"vdso", Frame{Object: "[vdso]", Offset: 0x5e9, Symbol: "__kernel_vsyscall", SymOffset: 9},
			" > [vdso](__kernel_vsyscall+0x9) [0x5e9]"},
		{"outside any file", Frame{Address: 0x7f0c2a1b4000},
			" > unexpected_backtracing_error [0x7f0c2a1b4000]"},
		// A path or symbol comes from the tracee: nothing in it may
		// end the line, forge another frame or drive the terminal.
		{"hostile path", Frame{Object: "/tmp/x\n > /bin/sh(forged+0x1) [0x1]\x1b[2J", Offset: 0x10},
			` > /tmp/x\n > /bin/sh(forged+0x1) [0x1]\33[2J() [0x10]`},
		{"hostile symbol", Frame{Object: "/tmp/x", Offset: 0x10, Symbol: "a\"b\\c\r\x07\x001\xff", SymOffset: 2},
			` > /tmp/x(a\"b\\c\r\7\0001\377+0x2) [0x10]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.frame.String(); got != tt.want {
				t.Errorf("String() =\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

// TestFrameStringEscapesEveryByte checks that no byte of a path or symbol
// reaches the output as a control or non-ASCII byte.
func TestFrameStringEscapesEveryByte(t *testing.T) {
	for c := range 256 {
		s := "/x" + string([]byte{byte(c)}) + "y"
		line := Frame{Object: s, Symbol: s, Offset: 1}.String()
		for i := 0; i < len(line); i++ {
			if line[i] < 0x20 || line[i] >= 0x7f {
				t.Errorf("byte %#x: line %q holds %#x", c, line, line[i])
			}
		}
	}
}

func TestFrameJSON(t *testing.T) {
	f := Frame{Address: 0x401136, Object: "/tmp/a.out", Offset: 0x1136, Symbol: "main", SymOffset: 6}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"address":4198710,"object":"/tmp/a.out","offset":4406,"symbol":"main","symbolOffset":6}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func TestDemangleName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"_Z4reapi", "reap(int)"},
		// As strace 6.1 (libiberty's cplus_demangle) prints it.
		{"_ZN7fixture10SupervisorIiE4reapEiRKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
			"fixture::Supervisor<int>::reap(int, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)"},
		{"_ZN7fixture10SupervisorIiE9superviseEv", "fixture::Supervisor<int>::supervise()"},
		{"_Z4reapi.constprop.0", "reap(int) [clone .constprop.0]"},
		{"main", "main"},
		{"wait4", "wait4"},
		{"main.reap", "main.reap"},
		{"_Z", "_Z"},                     // not a mangled name after all
		{"_ZN1a1bE\xff", "_ZN1a1bE\xff"}, // rejected: kept as is
		{"_Z" + strings.Repeat("N1a", maxMangled), "_Z" + strings.Repeat("N1a", maxMangled)}, // too long to try
	}
	for _, tt := range tests {
		if got := demangleName(tt.in); got != tt.want {
			t.Errorf("demangleName(%.40q) = %.80q, want %.80q", tt.in, got, tt.want)
		}
	}
}
