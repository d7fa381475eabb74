package session

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// nsGetParent is NS_GET_PARENT, _IO(0xb7, 0x2): the parent of a pid
// namespace, as a new descriptor.
const nsGetParent = 0xb702

// pidns translates the pids that tracees in other pid namespaces pass and
// get into waittrace's namespace, as strace 6.1 does (src/pidns.c): the
// tracee's namespace is /proc/TID/ns/pid, and a process of it with id N is
// the one whose /proc/PID/status NStgid (NSpgid for a group) has N at the
// tracee's depth, in a namespace that is the tracee's. A pid never seen in
// the tracee's namespace, or no longer there (reaped), is not translated.
type pidns struct {
	// show prints translations (--pidns-translation); without it they
	// only serve -Y's name lookups.
	show bool
	// ours is waittrace's pid namespace (0: unknown, nothing translated).
	ours uint64
	// of caches where each tracee's namespace is (forget at its end).
	of map[int]nsPlace
	// found caches translations, checked again at each use: pids are
	// reused.
	found map[nsID]int
}

// nsPlace is a tracee's pid namespace: its inode and its depth below
// waittrace's (0: the same).
type nsPlace struct {
	ino   uint64
	depth int
	ok    bool
}

// nsID is an id in a namespace.
type nsID struct {
	ino  uint64
	id   int
	pgid bool
}

func newPidns(show bool) *pidns {
	p := &pidns{show: show, of: map[int]nsPlace{}, found: map[nsID]int{}}
	var st unix.Stat_t
	if unix.Stat("/proc/self/ns/pid", &st) == nil {
		p.ours = st.Ino
	}
	return p
}

// place returns where tid's pid namespace is.
func (p *pidns) place(tid int) nsPlace {
	if pl, ok := p.of[tid]; ok {
		return pl
	}
	var pl nsPlace
	var st unix.Stat_t
	dir := "/proc/" + strconv.Itoa(tid)
	if unix.Stat(dir+"/ns/pid", &st) == nil {
		if ids := nsIDs(dir, "NSpid:"); len(ids) > 0 {
			pl = nsPlace{ino: st.Ino, depth: len(ids) - 1, ok: true}
		}
	}
	if pl.ok {
		p.of[tid] = pl
	}
	return pl
}

// forget drops what is known of tid, which has ended (its tid may be
// reused, in another namespace).
func (p *pidns) forget(tid int) { delete(p.of, tid) }

// translate returns id, of tracee tid's namespace, as waittrace's
// namespace numbers it.
func (p *pidns) translate(tid, id int, pgid bool) (int, bool) {
	if id <= 0 || p.ours == 0 {
		return 0, false
	}
	pl := p.place(tid)
	if !pl.ok {
		return 0, false
	}
	if pl.ino == p.ours {
		return id, true // the same namespace: nothing to translate
	}
	key := nsID{pl.ino, id, pgid}
	if pid, ok := p.found[key]; ok {
		if ours, ok := p.match(pid, pl, id, pgid); ok {
			return ours, true
		}
		delete(p.found, key)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		if ours, ok := p.match(pid, pl, id, pgid); ok {
			p.found[key] = pid
			return ours, true
		}
	}
	return 0, false
}

// match reports whether process pid has id in namespace pl, and returns
// the id as waittrace's namespace numbers it.
func (p *pidns) match(pid int, pl nsPlace, id int, pgid bool) (int, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	field := "NStgid:"
	if pgid {
		field = "NSpgid:"
	}
	ids := nsIDs(dir, field)
	// ids run from waittrace's namespace down to the process's own.
	if len(ids) <= pl.depth || ids[pl.depth] != id {
		return 0, false
	}
	// The same number at the same depth may be another namespace's (a
	// sibling container): climb from the process's namespace to that
	// depth and compare.
	ino, ok := nsAncestor(dir, len(ids)-1-pl.depth)
	if !ok || ino != pl.ino {
		return 0, false
	}
	return ids[0], true
}

// nsIDs reads one of the NS* lines of dir/status: the ids of the process
// in each pid namespace, waittrace's first.
func nsIDs(dir, field string) []int {
	b, err := os.ReadFile(dir + "/status")
	if err != nil {
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), field)
		if !ok {
			continue
		}
		var ids []int
		for _, f := range strings.Fields(v) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil
			}
			ids = append(ids, n)
		}
		return ids
	}
	return nil
}

// nsAncestor returns the inode of the pid namespace up levels above the
// one of the process at dir.
func nsAncestor(dir string, up int) (uint64, bool) {
	fd, err := unix.Open(dir+"/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, false
	}
	for ; up > 0; up-- {
		parent, err := unix.IoctlRetInt(fd, nsGetParent)
		unix.Close(fd)
		if err != nil {
			return 0, false
		}
		fd = parent
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return 0, false
	}
	return st.Ino, true
}

// Translate implements decode.PidTranslator for the calling tracee.
func (n *procNames) Translate(id int, pgid bool) (int, bool) {
	if n.ns == nil {
		return id, true
	}
	return n.ns.translate(n.tid, id, pgid)
}

// ShowTranslation implements decode.PidTranslator.
func (n *procNames) ShowTranslation() bool { return n.ns != nil && n.ns.show }

// pidfdPath is what /proc/PID/fd/N of a pidfd links to.
const pidfdPath = "anon_inode:[pidfd]"

// PidfdPid implements decode.PidfdNames (-yy): the Pid: line of the
// pidfd's /proc fdinfo, which the kernel gives in the namespace of /proc,
// waittrace's. -1 there: the process is gone.
func (n *procNames) PidfdPid(fd int) (int, bool) {
	if !n.pidfds {
		return 0, false
	}
	dir := "/proc/" + strconv.Itoa(n.tid)
	if link, err := os.Readlink(dir + "/fd/" + strconv.Itoa(fd)); err != nil || link != pidfdPath {
		return 0, false
	}
	b, err := os.ReadFile(dir + "/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, true
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0, true
			}
			return pid, true
		}
	}
	return 0, true
}
