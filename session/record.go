package session

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// personality maps the AUDIT_ARCH_* value the kernel reports for a call to
// the syscall table's personality.
func personality(arch uint32) (syscalls.Personality, bool) {
	switch arch {
	case unix.AUDIT_ARCH_X86_64:
		return syscalls.AMD64, true
	case unix.AUDIT_ARCH_I386:
		return syscalls.I386, true
	case unix.AUDIT_ARCH_AARCH64:
		return syscalls.ARM64, true
	}
	return 0, false
}

// callSet is the set of calls selected with -e trace=, per personality and
// number, so that the engine's per-stop question is a plain lookup.
type callSet map[uint64]syscalls.Call

func newCallSets(calls []syscalls.Call) map[uint32]callSet {
	sets := make(map[uint32]callSet)
	for arch, p := range map[uint32]syscalls.Personality{
		unix.AUDIT_ARCH_X86_64:  syscalls.AMD64,
		unix.AUDIT_ARCH_I386:    syscalls.I386,
		unix.AUDIT_ARCH_AARCH64: syscalls.ARM64,
	} {
		set := callSet{}
		for _, c := range calls {
			if nr, ok := syscalls.Number(p, c); ok {
				set[nr] = c
			}
		}
		sets[arch] = set
	}
	return sets
}

// procNames answers decode.Names from /proc for the calling thread tid
// (-Y, -y).
type procNames struct {
	pids, fds bool
	// pidfds decodes pidfds (-yy); ns translates pids (pidns.go).
	pidfds bool
	ns     *pidns
	tid    int
	// last is the last name read of each pid, for a record about a process
	// already gone from /proc (its exit, once reaped).
	last map[int]string
}

// Comm implements decode.Names: read afresh, as a process may rename
// itself (prctl PR_SET_NAME) at any time.
func (n *procNames) Comm(pid int) (string, bool) {
	if !n.pids {
		return "", false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "", false
	}
	// strace 6.1 keeps what comes before the first newline (the kernel
	// ends the file with one; a name may hold more).
	comm, _, _ := strings.Cut(string(b), "\n")
	if n.last == nil {
		n.last = map[int]string{}
	}
	n.last[pid] = comm
	return comm, true
}

// FdPath implements decode.Names.
func (n *procNames) FdPath(fd int) (string, bool) {
	if !n.fds {
		return "", false
	}
	path, err := os.Readlink("/proc/" + strconv.Itoa(n.tid) + "/fd/" + strconv.Itoa(fd))
	return path, err == nil
}

// name is tid's name for the pid prefix of its records (-Y): read now, or
// the last one read while it existed.
func (n *procNames) name(tid int) string {
	if comm, ok := n.Comm(tid); ok {
		return comm
	}
	return n.last[tid]
}

// readProc reads a thread's process, parent, real uid and name from
// /proc/TID/status and /proc/TID/comm. Unknown values stay -1 (uid) or
// zero.
func readProc(tid int) event.Process {
	p := event.Process{Tid: tid, Pid: tid, Uid: -1}
	dir := "/proc/" + strconv.Itoa(tid)
	if b, err := os.ReadFile(dir + "/status"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			f := strings.Fields(v)
			if len(f) == 0 {
				continue
			}
			n, err := strconv.Atoi(f[0])
			if err != nil {
				continue
			}
			switch k {
			case "Tgid":
				p.Pid = n
			case "PPid":
				p.PPid = n
			case "Uid":
				p.Uid = n
			}
		}
	}
	if b, err := os.ReadFile(dir + "/comm"); err == nil {
		p.Comm = strings.TrimSuffix(string(b), "\n")
	}
	return p
}

func origin(o ptrace.Origin) event.Origin {
	switch o {
	case ptrace.Launched:
		return event.Launched
	case ptrace.Followed:
		return event.Forked
	}
	return event.Attached
}

// inherit notes what a fork's child is from its parent's: its name and
// user (its program is its parent's, until it execs), so that nothing is
// read from /proc for it.
func (s *Session) inherit(ev *ptrace.Event) {
	if !s.opts.ProcessInfo {
		return
	}
	if p, ok := s.procs[ev.Parent]; ok {
		s.procs[ev.Tid] = event.Process{Tid: ev.Tid, Pid: ev.Pid, PPid: ev.Parent, Uid: p.Uid, Comm: p.Comm}
	}
}

// forget drops what is kept of a process that ended.
func (s *Session) forget(tid int) {
	delete(s.procs, tid)
	delete(s.argvs, tid)
}

// process returns what is known of tid: from /proc (cached per thread)
// when some sink needs it, else only its ids.
func (s *Session) process(tid int) event.Process {
	if !s.opts.ProcessInfo {
		return event.Process{Tid: tid, Pid: tid, Uid: -1}
	}
	if p, ok := s.procs[tid]; ok {
		return p
	}
	p := readProc(tid)
	s.procs[tid] = p
	return p
}

// decodeConfig is the decoder's configuration for call c of thread tid.
func (s *Session) decodeConfig(tid int, c syscalls.Call) decode.Config {
	o := &s.opts
	cfg := decode.Config{Verbose: o.Verbose || (o.Abbrev != nil && !o.Abbrev[c]),
		NoStructs: o.Structs != nil && !o.Structs[c], Raw: o.Raw[c], Style: o.Style}
	if s.names != nil {
		s.names.tid = tid
		cfg.Names = s.names
	}
	return cfg
}

// record turns one engine event into its record, decoding a call once; nil
// for events no sink is told about.
func (s *Session) record(ev *ptrace.Event) *event.Event {
	switch ev.Kind {
	case ptrace.NewTracee, ptrace.Exec:
		delete(s.procs, ev.Tid) // a new process, or a new name
		if ev.Forked {
			s.inherit(ev)
		}
	}
	rec := &event.Event{Time: ev.Time, Proc: s.process(ev.Tid), Nr: ev.Nr, IP: ev.IP, HasIP: ev.HasIP}
	switch ev.Kind {
	case ptrace.SyscallEntry, ptrace.SyscallExit:
		per, _ := personality(ev.Arch)
		c := s.sets[ev.Arch][ev.Nr]
		rec.Kind, rec.Syscall, rec.Personality = event.CallEntry, c.String(), per
		rval, exit := int64(0), ev.Kind == ptrace.SyscallExit
		if exit {
			rec.Kind, rval = event.CallExit, ev.Rval
			if per == syscalls.I386 {
				rval = int64(int32(rval))
			}
		}
		for i, a := range ev.Args {
			rec.Raw[i] = a
			if per.WordSize() == 4 {
				rec.Raw[i] = uint64(uint32(a))
			}
		}
		var mem decode.Memory
		if exit {
			mem = s.memory(ev.Mem)
		}
		cfg := s.decodeConfig(ev.Tid, c)
		d := decode.Call(c, per, ev.Args, rval, exit, mem, cfg)
		rec.EntryText, rec.ExitText, rec.Args = d.EntryText, d.ExitText, d.Args
		rec.Status, rec.CallSiginfo, rec.Rusage = d.Status, d.Siginfo, d.Rusage
		if exit {
			rec.STime = ev.STime
			rec.RetText, rec.IsErr = decode.CallReturn(c, rval, cfg)
			rec.Return = rval
			if rec.IsErr {
				rec.Return, rec.Errno = -1, int(-rval)
				rec.ErrName, rec.ErrMsg = decode.Errno(rec.Errno)
				if rec.ErrName == "" {
					rec.ErrName = "errno " + strconv.Itoa(rec.Errno)
				}
			}
		}
	case ptrace.Signal, ptrace.GroupStop:
		if s.opts.Signals != nil && !s.opts.Signals[ev.Sig] {
			return nil
		}
		rec.Kind, rec.Signal, rec.SigNum = event.SignalDelivered, decode.Signal(ev.Sig), ev.Sig
		if ev.Kind == ptrace.GroupStop {
			rec.Kind = event.GroupStopped
			break
		}
		if si, err := decode.ParseSiginfo(ev.Siginfo, syscalls.AMD64); err == nil {
			rec.SigInfoText = si.FormatStyle(s.decodeConfig(ev.Tid, 0).Names, s.opts.Style)
			rec.SigInfo = &si
		}
	case ptrace.Exited:
		rec.Kind, rec.ExitCode = event.ProcessExited, ev.Status
	case ptrace.Killed:
		rec.Kind, rec.Signal, rec.SigNum, rec.Core = event.ProcessKilled, decode.Signal(ev.Sig), ev.Sig, ev.Core
	case ptrace.NewTracee:
		// strace announces processes it attaches to and children it
		// follows, but not the command it launches nor each thread of an
		// attached process.
		say := s.opts.Announce && (ev.Origin == ptrace.Followed || ev.Threads > 0)
		if say {
			s.announced[ev.Tid] = true
		}
		rec.Kind, rec.Origin, rec.Threads, rec.Announce = event.Traced, origin(ev.Origin), ev.Threads, say
		rec.Argv = ev.Argv
		if ev.Forked {
			rec.Argv = s.argvs[ev.Parent]
		}
		if s.opts.ProcessInfo && rec.Argv != nil && ev.Pid == ev.Tid {
			s.argvs[ev.Tid] = rec.Argv
		}
		if ev.Pid != 0 {
			rec.Proc.Pid = ev.Pid
		}
		if ev.Parent != 0 {
			rec.Proc.PPid = ev.Parent
		}
	case ptrace.Detached:
		// strace says "Process N detached" of every process -b detaches,
		// the command too.
		rec.Kind, rec.Announce = event.Untraced, s.announced[ev.Tid] || (ev.OnExec && s.opts.Announce)
		delete(s.announced, ev.Tid)
	case ptrace.Superseded:
		rec.Kind, rec.Former = event.Superseded, ev.Former
	case ptrace.Exec:
		rec.Kind, rec.Argv = event.Executed, ev.Argv
		if s.opts.ProcessInfo && ev.Argv != nil {
			s.argvs[rec.Proc.Pid] = ev.Argv
		}
	default:
		return nil
	}
	if s.names != nil && s.names.ns != nil && (ev.Kind == ptrace.Exited || ev.Kind == ptrace.Killed || ev.Kind == ptrace.Detached) {
		s.names.ns.forget(ev.Tid)
	}
	if s.names != nil && s.names.pids {
		rec.Proc.Comm = s.names.name(ev.Tid)
		if ev.Kind == ptrace.Exited || ev.Kind == ptrace.Killed || ev.Kind == ptrace.Detached {
			delete(s.names.last, ev.Tid) // its last record is made
		}
	}
	s.annotate(ev, rec)
	if ev.Kind == ptrace.Exited || ev.Kind == ptrace.Killed {
		s.forget(ev.Tid)
	}
	return rec
}

// memory is the tracee's memory for the decoders (tests count its reads).
func (s *Session) memory(m ptrace.Memory) decode.Memory {
	if s.countReads != nil {
		return countingMemory{m, s.countReads}
	}
	return m
}

// countingMemory counts the reads of tracee memory (tests).
type countingMemory struct {
	decode.Memory
	n *int
}

func (c countingMemory) ReadMemory(addr uint64, p []byte) error {
	*c.n++
	return c.Memory.ReadMemory(addr, p)
}
