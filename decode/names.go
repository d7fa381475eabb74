package decode

import (
	"strconv"
	"strings"
)

// Names annotates pids and file descriptors as strace's -Y
// (--decode-pids=comm) and -y (--decode-fds=path) do. The decoders ask;
// the caller answers from /proc, so decoding itself stays free of I/O.
type Names interface {
	// Comm is the name of process pid, if it exists (a zombie does).
	Comm(pid int) (string, bool)
	// FdPath is what file descriptor fd of the calling tracee refers to.
	FdPath(fd int) (string, bool)
}

// pidText prints a pid, as "4373<sleep>" when names knows it.
func pidText(n Names, pid int) string {
	s := strconv.Itoa(pid)
	if n == nil || pid <= 0 {
		return s
	}
	if comm, ok := n.Comm(pid); ok {
		return s + "<" + Quote(comm) + ">"
	}
	return s
}

// fdText prints a file descriptor, as "3<anon_inode:[pidfd]>" when names
// knows it.
func fdText(n Names, fd int) string {
	s := strconv.Itoa(fd)
	if n == nil || fd < 0 {
		return s
	}
	if path, ok := n.FdPath(fd); ok {
		return s + "<" + Quote(path) + ">"
	}
	return s
}

// Quote escapes bytes from a tracee (a process name, a path) as strace
// escapes strings, without the surrounding quotes: \" and \\, the C
// escapes \t \n \v \f \r, other bytes outside printable ASCII in octal
// (three digits when an octal digit follows). Nothing in the result can
// move a terminal's cursor or forge a line.
func Quote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
				continue
			}
			o := strconv.FormatUint(uint64(c), 8)
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7' {
				o = strings.Repeat("0", 3-len(o)) + o
			}
			b.WriteString(`\` + o)
		}
	}
	return b.String()
}

// waitid's idtypes whose id -Y and -y annotate.
const (
	pPID   = 1
	pPIDFD = 3
)
