package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/waittrace/waittrace/decode"
	"github.com/waittrace/waittrace/output"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// glue turns engine events into output.Events for the active writer: it
// decodes calls (text, and structures for JSON and the table), filters
// signals (-e signal=) and looks up process names and users in /proc.
type glue struct {
	w output.Writer
	// signals selects the signals printed; nil prints all.
	signals map[int]bool
	// procInfo: fill Pid, PPid, Uid and Comm (JSON and table).
	procInfo bool
	// structured: decode arguments as structures too.
	structured bool
	procs      map[int]output.Process
	// names annotates pids (-Y) and fds (-y) from /proc; nil: neither.
	names *procNames
}

// procNames answers decode.Names from /proc for the calling thread tid.
type procNames struct {
	pids, fds bool
	tid       int
	// last is the last name read of each pid, for the prefix of a line
	// about a process already gone from /proc (its exit, once reaped).
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

// prefixComm names a line's process for the text writer's -Y prefix.
func (n *procNames) prefixComm(tid int) (string, bool) {
	comm, ok := n.Comm(tid)
	if !ok {
		comm, ok = n.last[tid]
	}
	return decode.Quote(comm), ok
}

// decodeConfig is p.cfg with the -Y/-y annotations for thread tid.
func (g *glue) decodeConfig(cfg decode.Config, tid int) decode.Config {
	if g.names != nil {
		g.names.tid = tid
		cfg.Names = g.names
	}
	return cfg
}

func newGlue(w output.Writer, signals map[int]bool, structured bool) *glue {
	return &glue{w: w, signals: signals, procInfo: structured, structured: structured, procs: map[int]output.Process{}}
}

// process returns what is known of tid, from /proc, cached per thread.
func (g *glue) process(tid int) output.Process {
	if !g.procInfo {
		return output.Process{Tid: tid, Pid: tid, Uid: -1}
	}
	if p, ok := g.procs[tid]; ok {
		return p
	}
	p := readProc(tid)
	g.procs[tid] = p
	return p
}

// readProc reads a thread's process, parent, real uid and name from
// /proc/TID/status and /proc/TID/comm. Unknown values stay -1 (uid) or
// zero.
func readProc(tid int) output.Process {
	p := output.Process{Tid: tid, Pid: tid, Uid: -1}
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

func origin(o ptrace.Origin) output.Origin {
	switch o {
	case ptrace.Launched:
		return output.Launched
	case ptrace.Followed:
		return output.Forked
	}
	return output.Attached
}

// event handles one engine event for printer p.
func (g *glue) event(p *printer, ev *ptrace.Event) {
	switch ev.Kind {
	case ptrace.NewTracee, ptrace.Exec:
		delete(g.procs, ev.Tid) // a new process, or a new name
	}
	out := &output.Event{Time: ev.Time, Proc: g.process(ev.Tid)}
	switch ev.Kind {
	case ptrace.SyscallEntry:
		per, _ := personality(ev.Arch)
		c := p.sets[ev.Arch][ev.Nr]
		out.Kind, out.Syscall = output.CallEntry, c.String()
		out.EntryText = decode.EntryWith(c, per, ev.Args, g.decodeConfig(p.cfg, ev.Tid))
		if g.structured {
			out.Args = args(decode.Values(c, per, ev.Args, 0, false, nil))
		}
	case ptrace.SyscallExit:
		per, _ := personality(ev.Arch)
		c := p.sets[ev.Arch][ev.Nr]
		rval := ev.Rval
		if per == syscalls.I386 {
			rval = int64(int32(rval))
		}
		out.Kind, out.Syscall = output.CallExit, c.String()
		cfg := g.decodeConfig(p.cfg, ev.Tid)
		out.EntryText = decode.EntryWith(c, per, ev.Args, cfg)
		out.RetText, out.IsErr = decode.Return(rval)
		out.ExitText = decode.Exit(c, per, ev.Args, rval, ev.Mem, cfg)
		out.Return = rval
		if out.IsErr {
			out.Return, out.Errno = -1, int(-rval)
			out.ErrName, out.ErrMsg = decode.Errno(out.Errno)
			if out.ErrName == "" {
				out.ErrName = "errno " + strconv.Itoa(out.Errno)
			}
		}
		if g.structured {
			out.Args = args(decode.Values(c, per, ev.Args, rval, true, ev.Mem))
		}
	case ptrace.Signal, ptrace.GroupStop:
		if g.signals != nil && !g.signals[ev.Sig] {
			return
		}
		out.Kind, out.Signal, out.SigNum = output.SignalDelivered, decode.Signal(ev.Sig), ev.Sig
		if ev.Kind == ptrace.GroupStop {
			out.Kind = output.GroupStopped
			break
		}
		if si, err := decode.ParseSiginfo(ev.Siginfo, syscalls.AMD64); err == nil {
			out.SigInfoText = si.Format(g.decodeConfig(p.cfg, ev.Tid).Names)
			if g.structured {
				out.SigInfo = si.Fields()
			}
		}
	case ptrace.Exited:
		out.Kind, out.ExitCode = output.ProcessExited, ev.Status
	case ptrace.Killed:
		out.Kind, out.Signal, out.SigNum, out.Core = output.ProcessKilled, decode.Signal(ev.Sig), ev.Sig, ev.Core
	case ptrace.NewTracee:
		// strace announces processes it attaches to and children it
		// follows, but not the command it launches nor each thread of an
		// attached process.
		say := p.announce && (ev.Origin == ptrace.Followed || ev.Threads > 0)
		if say {
			p.announced[ev.Tid] = true
		}
		out.Kind, out.Origin, out.Threads, out.Announce = output.Traced, origin(ev.Origin), ev.Threads, say
		out.Argv = ev.Argv
		if ev.Pid != 0 {
			out.Proc.Pid = ev.Pid
		}
		if ev.Parent != 0 {
			out.Proc.PPid = ev.Parent
		}
	case ptrace.Detached:
		out.Kind, out.Announce = output.Untraced, p.announce && p.announced[ev.Tid]
	case ptrace.Superseded:
		out.Kind, out.Former = output.Superseded, ev.Former
	case ptrace.Exec:
		out.Kind, out.Argv = output.Executed, ev.Argv
	default:
		return
	}
	g.w.Print(out)
	if g.names != nil && (ev.Kind == ptrace.Exited || ev.Kind == ptrace.Killed || ev.Kind == ptrace.Detached) {
		delete(g.names.last, ev.Tid) // its last line is printed
	}
}

func args(vs []decode.ArgValue) []output.Arg {
	out := make([]output.Arg, len(vs))
	for i, v := range vs {
		out[i] = output.Arg{Name: v.Name, Type: v.Type, Value: v.Value, Raw: v.Raw}
	}
	return out
}

// parseSignalSet reads -e signal=SET: names with or without "SIG",
// numbers, "all", "none", and a leading "!" to negate. It returns nil for
// all signals.
func parseSignalSet(set string) (map[int]bool, error) {
	negate := strings.HasPrefix(set, "!")
	set = strings.TrimPrefix(set, "!")
	in := map[int]bool{}
	all := false
	for _, name := range strings.Split(set, ",") {
		name = strings.TrimSpace(name)
		switch strings.ToLower(name) {
		case "all":
			all = true
			continue
		case "none":
			continue
		}
		sig, ok := signalNumber(name)
		if !ok {
			return nil, fmt.Errorf("invalid signal %q", name)
		}
		in[sig] = true
	}
	sel := map[int]bool{}
	for sig := 1; sig <= 64; sig++ {
		if (all || in[sig]) != negate {
			sel[sig] = true
		}
	}
	if len(sel) == 64 {
		return nil, nil
	}
	return sel, nil
}

func signalNumber(name string) (int, bool) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, n >= 1 && n <= 64
	}
	up := strings.ToUpper(name)
	if !strings.HasPrefix(up, "SIG") {
		up = "SIG" + up
	}
	for sig := 1; sig <= 64; sig++ {
		if decode.Signal(sig) == up {
			return sig, true
		}
	}
	return 0, false
}

// text returns the strace-style Text being written, or nil for JSON, the
// table and -ff.
func (g *glue) text() *output.Text {
	if tw, ok := g.w.(*output.TextWriter); ok {
		return tw.Text()
	}
	return nil
}

// err returns the writer's first write error.
func (g *glue) err() error {
	if e, ok := g.w.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}
