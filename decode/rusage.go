package decode

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/waittrace/waittrace/syscalls"
)

// Timeval is a struct timeval. Usec holds the kernel's value unsigned
// (zero-extended on 32-bit layouts) because strace prints tv_usec unsigned.
type Timeval struct {
	Sec  int64
	Usec int64
}

func (t Timeval) String() string {
	return fmt.Sprintf("{tv_sec=%d, tv_usec=%d}", t.Sec, uint64(t.Usec))
}

// Rusage is a struct rusage. The counters are C longs that strace prints
// unsigned; on 32-bit layouts they are zero-extended so that printing the
// int64 as uint64 gives strace's text on every layout.
type Rusage struct {
	Utime, Stime                   Timeval
	Maxrss, Ixrss, Idrss, Isrss    int64
	Minflt, Majflt, Nswap, Inblock int64
	Oublock, Msgsnd, Msgrcv        int64
	Nsignals, Nvcsw, Nivcsw        int64
}

// rusageWords is the number of longs in struct rusage: two timevals of two
// longs each, then fourteen counters.
const rusageWords = 18

// RusageSize returns sizeof(struct rusage) for p: 144 or 72 bytes.
func RusageSize(p syscalls.Personality) int { return rusageWords * p.WordSize() }

// ParseRusage decodes a struct rusage in the layout of p.
func ParseRusage(b []byte, p syscalls.Personality) (Rusage, error) {
	w := p.WordSize()
	if len(b) < rusageWords*w {
		return Rusage{}, fmt.Errorf("parse %s rusage: got %d bytes, need %d", p, len(b), rusageWords*w)
	}
	var v [rusageWords]int64
	for i := range v {
		if w == 4 {
			v[i] = int64(binary.LittleEndian.Uint32(b[4*i:]))
		} else {
			v[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	}
	r := Rusage{
		Utime:  Timeval{Sec: v[0], Usec: v[1]},
		Stime:  Timeval{Sec: v[2], Usec: v[3]},
		Maxrss: v[4], Ixrss: v[5], Idrss: v[6], Isrss: v[7],
		Minflt: v[8], Majflt: v[9], Nswap: v[10], Inblock: v[11],
		Oublock: v[12], Msgsnd: v[13], Msgrcv: v[14],
		Nsignals: v[15], Nvcsw: v[16], Nivcsw: v[17],
	}
	if w == 4 { // tv_sec is signed
		r.Utime.Sec = int64(int32(v[0]))
		r.Stime.Sec = int64(int32(v[2]))
	}
	return r, nil
}

// Format prints the rusage as strace does: only the times unless verbose
// (strace -v), e.g. "{ru_utime={tv_sec=0, tv_usec=91}, ru_stime={tv_sec=0,
// tv_usec=0}, ...}".
func (r Rusage) Format(verbose bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ru_utime=%s, ru_stime=%s", r.Utime, r.Stime)
	if !verbose {
		b.WriteString(", ...}")
		return b.String()
	}
	counters := []struct {
		name string
		v    int64
	}{
		{"ru_maxrss", r.Maxrss}, {"ru_ixrss", r.Ixrss}, {"ru_idrss", r.Idrss},
		{"ru_isrss", r.Isrss}, {"ru_minflt", r.Minflt}, {"ru_majflt", r.Majflt},
		{"ru_nswap", r.Nswap}, {"ru_inblock", r.Inblock}, {"ru_oublock", r.Oublock},
		{"ru_msgsnd", r.Msgsnd}, {"ru_msgrcv", r.Msgrcv}, {"ru_nsignals", r.Nsignals},
		{"ru_nvcsw", r.Nvcsw}, {"ru_nivcsw", r.Nivcsw},
	}
	for _, c := range counters {
		fmt.Fprintf(&b, ", %s=%d", c.name, uint64(c.v))
	}
	b.WriteString("}")
	return b.String()
}

// String prints the abbreviated form, as strace does without -v.
func (r Rusage) String() string { return r.Format(false) }
