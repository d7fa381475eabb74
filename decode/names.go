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

// PidTranslator is implemented by Names that know the calling tracee's
// pid namespace. A pid it passes or gets is translated to waittrace's
// namespace before its name is looked up (strace 6.1 does so for -Y), and
// printed after it, "2 /* 4242 in strace's PID NS */", when it differs
// and ShowTranslation says so (--pidns-translation).
type PidTranslator interface {
	// Translate returns id, a process id (pgid: a process group id) as
	// the calling tracee's namespace numbers it, as waittrace's numbers
	// it; ok is false if no process has it now.
	Translate(id int, pgid bool) (ours int, ok bool)
	ShowTranslation() bool
}

// PidfdNames is implemented by Names that decode pidfds as strace's -yy
// (--decode-fds=pidfd) does: "3<pid:4242>".
type PidfdNames interface {
	// PidfdPid returns the pid, as waittrace's namespace numbers it, of
	// the process that pidfd fd of the calling tracee refers to (0 or
	// less if it has none now), and whether fd is a pidfd to decode.
	PidfdPid(fd int) (pid int, isPidfd bool)
}

// pidText prints a pid, as "4373<sleep>" when names knows it, and a
// negative one (a process group) as strace's printpid_tgid_pgid does.
func pidText(n Names, pid int) string {
	if pid < -1 {
		return "-" + pgidText(n, -pid)
	}
	return idText(n, pid, false)
}

// pgidText prints a process group id: never named, only translated.
func pgidText(n Names, pgid int) string { return idText(n, pgid, true) }

// idText prints a pid or pgid with what n knows of it.
func idText(n Names, id int, pgid bool) string {
	s := strconv.Itoa(id)
	if n == nil || id <= 0 {
		return s
	}
	ours, show := id, false
	if t, ok := n.(PidTranslator); ok {
		var found bool
		if ours, found = t.Translate(id, pgid); !found {
			return s
		}
		show = t.ShowTranslation()
	}
	if !pgid {
		if comm, ok := n.Comm(ours); ok {
			s += "<" + Quote(comm) + ">"
		}
	}
	if show && ours != id {
		s += " /* " + strconv.Itoa(ours) + " in strace's PID NS */"
	}
	return s
}

// fdText prints a file descriptor, as "3<anon_inode:[pidfd]>" when names
// knows it, or "3<pid:4242>" with -yy. The pid of a pidfd is waittrace's
// own already: named (-Y), never translated.
func fdText(n Names, fd int) string {
	s := strconv.Itoa(fd)
	if n == nil || fd < 0 {
		return s
	}
	if p, ok := n.(PidfdNames); ok {
		if pid, isPidfd := p.PidfdPid(fd); isPidfd {
			if pid <= 0 {
				return s + "<anon_inode:[pidfd]>"
			}
			s += "<pid:" + strconv.Itoa(pid)
			if comm, ok := n.Comm(pid); ok {
				s += "<" + Quote(comm) + ">"
			}
			return s + ">"
		}
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
	pPGID  = 2
	pPIDFD = 3
)
