package session

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// waitid's idtypes that name a group or a pidfd (include/uapi/linux/wait.h).
const (
	idPPgid  = 2
	idPPidfd = 3
)

// pidfsMagic is the f_type of pidfs (Linux 6.9), where every pidfd of one
// process has the same inode, and no other process's.
const pidfsMagic = 0x50494446

// scopes finds out, for --alert=stolen, which children a wait call may
// collect where its arguments do not say: the process behind a pidfd, the
// members of a process group. It reads /proc at the stops, as the
// decoders do, so that the tracker sees only records. Children are known
// from their first stop (with -f each is traced), their groups read at
// their parent's next wait call: a group is mostly set right after the
// fork (setpgid in the child, the parent or both), too late for the first
// stop.
type scopes struct {
	// inode maps a pidfs inode to its process, noted when the process is
	// first traced: once a process is reaped its pidfds' fdinfo says
	// "Pid: -1", and only the inode still tells which process it was.
	inode map[uint64]int
	// pidfs: 1 pidfds are on pidfs, -1 they are not (all share one
	// anonymous inode), 0 not known yet.
	pidfs int
	// entry is each thread's scope of the call it is in, for its exit.
	entry map[int]*event.Scope
	// kids are the traced children of each process, parent the parent
	// of each, and unread the children whose group is not read yet.
	kids   map[int]map[int]bool
	parent map[int]int
	unread map[int][]int
}

func newScopes() *scopes {
	return &scopes{inode: map[uint64]int{}, entry: map[int]*event.Scope{},
		kids: map[int]map[int]bool{}, parent: map[int]int{}, unread: map[int][]int{}}
}

// annotate adds to rec what the stacks and scopes of ev say.
func (s *Session) annotate(ev *ptrace.Event, rec *event.Event) {
	if s.stacks != nil {
		s.stacks.add(ev, rec)
	}
	if s.scopes != nil {
		s.scopes.add(ev, rec, s.sets[ev.Arch][ev.Nr])
	}
}

// add gives rec the scope of engine event ev; c is the call of a
// syscall stop.
func (sc *scopes) add(ev *ptrace.Event, rec *event.Event, c syscalls.Call) {
	tid := ev.Tid
	switch ev.Kind {
	case ptrace.NewTracee:
		if ev.Pid == tid { // a process, not a thread
			sc.note(tid)
			if ev.Parent > 0 {
				if sc.kids[ev.Parent] == nil {
					sc.kids[ev.Parent] = map[int]bool{}
				}
				sc.kids[ev.Parent][tid] = true
				sc.parent[tid] = ev.Parent
				sc.unread[ev.Parent] = append(sc.unread[ev.Parent], tid)
			}
		}
	case ptrace.SyscallEntry:
		delete(sc.entry, tid)
		if scope := sc.of(tid, rec.Proc.Pid, c, rec.Raw); scope != nil {
			sc.entry[tid] = scope
			rec.Scope = scope
		}
	case ptrace.SyscallExit:
		rec.Scope = sc.entry[tid]
		delete(sc.entry, tid)
	case ptrace.Exited, ptrace.Killed:
		delete(sc.entry, tid)
		if p, ok := sc.parent[tid]; ok {
			delete(sc.kids[p], tid)
			if len(sc.kids[p]) == 0 {
				delete(sc.kids, p)
			}
			delete(sc.parent, tid)
		}
		delete(sc.kids, tid)
		delete(sc.unread, tid)
	case ptrace.Detached, ptrace.Superseded:
		delete(sc.entry, tid)
	}
}

// note records the pidfs inode of process pid.
func (sc *scopes) note(pid int) {
	if sc.pidfs < 0 {
		return
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if sc.pidfs == 0 {
		var fs unix.Statfs_t
		if unix.Fstatfs(fd, &fs) != nil || fs.Type != pidfsMagic {
			sc.pidfs = -1
			return
		}
		sc.pidfs = 1
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil {
		if len(sc.inode) >= maxInodes {
			// Kept past each process's end, for the pidfds that
			// outlive it: a long trace forgets the oldest at once.
			clear(sc.inode)
		}
		sc.inode[st.Ino] = pid
	}
}

// maxInodes bounds the pidfs inodes kept.
const maxInodes = 1 << 16

// of returns the scope of wait call c of thread tid of process pid with
// arguments args: the process a pidfd refers to, the group a group wait
// waits for, and the groups of the caller's children; nil if there is
// nothing to say.
func (sc *scopes) of(tid, pid int, c syscalls.Call, args [6]uint64) *event.Scope {
	scope := &event.Scope{}
	group := false
	switch c {
	case syscalls.Wait4, syscalls.Waitpid:
		if p := int32(uint32(args[0])); p < -1 || p == 0 {
			scope.Group, group = int(-p), true
		}
	case syscalls.Waitid:
		switch args[0] {
		case idPPgid:
			scope.Group, group = int(int32(uint32(args[1]))), true
		case idPPidfd:
			scope.Pidfd = sc.pidfdPid(tid, int(int32(uint32(args[1]))))
		}
	default:
		return nil
	}
	if group && scope.Group == 0 {
		scope.Group, _ = statPgrp(tid)
	}
	scope.Groups = sc.childGroups(pid, group)
	if scope.Pidfd == 0 && scope.Group == 0 && len(scope.Groups) == 0 {
		return nil
	}
	return scope
}

// pidfdPid returns the process that pidfd fd of thread tid refers to, 0 if
// unknown: by its pidfs inode, else by its fdinfo while the process is
// not yet reaped.
func (sc *scopes) pidfdPid(tid, fd int) int {
	if fd < 0 {
		return 0
	}
	name := "/proc/" + strconv.Itoa(tid)
	var st unix.Stat_t
	if sc.pidfs > 0 && unix.Stat(name+"/fd/"+strconv.Itoa(fd), &st) == nil {
		if pid, ok := sc.inode[st.Ino]; ok {
			return pid
		}
	}
	b, err := os.ReadFile(name + "/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			if pid, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && pid > 0 {
				return pid
			}
		}
	}
	return 0
}

// childGroups reads the process groups of the traced children of process
// pid: of all of them with all (a group wait: a child may have changed
// its group since), else of those not read before. A wait for any child
// costs a read for each new child, nothing more.
func (sc *scopes) childGroups(pid int, all bool) []event.ChildGroup {
	read := sc.unread[pid]
	delete(sc.unread, pid)
	if all {
		read = read[:0]
		for kid := range sc.kids[pid] {
			read = append(read, kid)
		}
		slices.Sort(read)
	}
	var groups []event.ChildGroup
	for _, kid := range read {
		if g, ok := statPgrp(kid); ok {
			groups = append(groups, event.ChildGroup{Pid: kid, Pgid: g})
		}
	}
	return groups
}

// statPgrp reads the process group of pid from /proc/PID/stat: "pid
// (comm) state ppid pgrp ...", where comm, at most 16 bytes, may hold
// anything, even ")"; its first 128 bytes hold the group.
func statPgrp(pid int) (int, bool) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, false
	}
	var buf [128]byte
	n, err := unix.Read(fd, buf[:])
	unix.Close(fd)
	if err != nil || n <= 0 {
		return 0, false
	}
	b := buf[:n]
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 { // the read may end within the fourth
		return 0, false
	}
	pgid, err := strconv.Atoi(f[2])
	return pgid, err == nil
}
