package decode

import (
	"strings"
	"testing"

	"github.com/waittrace/waittrace/syscalls"
)

// Expected strings were taken from strace 6.1 (wait4 with an injected
// return value and a prepared struct rusage, with and without -v).
func TestRusageFormat(t *testing.T) {
	seq := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}
	seq32 := make([]uint32, len(seq))
	for i, v := range seq {
		seq32[i] = uint32(v)
	}
	odd := []uint64{^uint64(0), ^uint64(1), 3, 1000000, 0x7fffffffffffffff, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, ^uint64(17)}
	odd32 := []uint32{0xffffffff, 0xfffffffe, 3, 1000000, 0x7fffffff, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, neg(18)}
	tests := []struct {
		name    string
		b       []byte
		p       syscalls.Personality
		verbose bool
		want    string
	}{
		{"short", longs(144, seq...), syscalls.AMD64, false,
			"{ru_utime={tv_sec=1, tv_usec=2}, ru_stime={tv_sec=3, tv_usec=4}, ...}"},
		{"full", longs(144, seq...), syscalls.AMD64, true,
			"{ru_utime={tv_sec=1, tv_usec=2}, ru_stime={tv_sec=3, tv_usec=4}, ru_maxrss=5, ru_ixrss=6, ru_idrss=7, ru_isrss=8, ru_minflt=9, ru_majflt=10, ru_nswap=11, ru_inblock=12, ru_oublock=13, ru_msgsnd=14, ru_msgrcv=15, ru_nsignals=16, ru_nvcsw=17, ru_nivcsw=18}"},
		{"unsigned", longs(144, odd...), syscalls.AMD64, true,
			"{ru_utime={tv_sec=-1, tv_usec=18446744073709551614}, ru_stime={tv_sec=3, tv_usec=1000000}, ru_maxrss=9223372036854775807, ru_ixrss=6, ru_idrss=7, ru_isrss=8, ru_minflt=9, ru_majflt=10, ru_nswap=11, ru_inblock=12, ru_oublock=13, ru_msgsnd=14, ru_msgrcv=15, ru_nsignals=16, ru_nvcsw=17, ru_nivcsw=18446744073709551598}"},
		{"arm64", longs(144, seq...), syscalls.ARM64, false,
			"{ru_utime={tv_sec=1, tv_usec=2}, ru_stime={tv_sec=3, tv_usec=4}, ...}"},
		{"i386 short", words(72, seq32...), syscalls.I386, false,
			"{ru_utime={tv_sec=1, tv_usec=2}, ru_stime={tv_sec=3, tv_usec=4}, ...}"},
		{"i386 full", words(72, seq32...), syscalls.I386, true,
			"{ru_utime={tv_sec=1, tv_usec=2}, ru_stime={tv_sec=3, tv_usec=4}, ru_maxrss=5, ru_ixrss=6, ru_idrss=7, ru_isrss=8, ru_minflt=9, ru_majflt=10, ru_nswap=11, ru_inblock=12, ru_oublock=13, ru_msgsnd=14, ru_msgrcv=15, ru_nsignals=16, ru_nvcsw=17, ru_nivcsw=18}"},
		{"i386 unsigned", words(72, odd32...), syscalls.I386, true,
			"{ru_utime={tv_sec=-1, tv_usec=4294967294}, ru_stime={tv_sec=3, tv_usec=1000000}, ru_maxrss=2147483647, ru_ixrss=6, ru_idrss=7, ru_isrss=8, ru_minflt=9, ru_majflt=10, ru_nswap=11, ru_inblock=12, ru_oublock=13, ru_msgsnd=14, ru_msgrcv=15, ru_nsignals=16, ru_nvcsw=17, ru_nivcsw=4294967278}"},
	}
	for _, tt := range tests {
		ru, err := ParseRusage(tt.b, tt.p)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := ru.Format(tt.verbose); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, got, tt.want)
		}
	}
}

func TestRusageSize(t *testing.T) {
	for p, want := range map[syscalls.Personality]int{syscalls.AMD64: 144, syscalls.ARM64: 144, syscalls.I386: 72} {
		if got := RusageSize(p); got != want {
			t.Errorf("RusageSize(%s) = %d, want %d", p, got, want)
		}
		if _, err := ParseRusage(make([]byte, want-1), p); err == nil {
			t.Errorf("ParseRusage(%s, %d bytes) succeeded", p, want-1)
		}
	}
}

func FuzzRusage(f *testing.F) {
	f.Add(longs(144, 1, 2, 3, 4, 5), false, true)
	f.Add(words(72, 0xffffffff, 0xfffffffe), true, false)
	f.Add([]byte{1}, true, true)
	f.Fuzz(func(t *testing.T, b []byte, i386, verbose bool) {
		p := syscalls.AMD64
		if i386 {
			p = syscalls.I386
		}
		ru, err := ParseRusage(b, p)
		if err != nil {
			if len(b) >= RusageSize(p) {
				t.Fatalf("ParseRusage(%d bytes): %v", len(b), err)
			}
			return
		}
		out := ru.Format(verbose)
		if !strings.HasPrefix(out, "{ru_utime={tv_sec=") || !strings.HasSuffix(out, "}") {
			t.Fatalf("Format = %q", out)
		}
	})
}
