package ptrace

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// The helper is waittrace re-executed by itself, in one of two roles:
// launching the command (it is seized while it waits, and only then execs
// the command, so that the command is traced from its first instruction)
// or waking the engine (a sleeping child the engine traces: a signal sent
// to it is a stop that ends the engine's wait4).
//
// A process is the helper only if its argv[0] is helperName and descriptor
// helperFd is one end of a socket pair made by its parent, of the same
// user: nothing in the environment can make waittrace act as its helper,
// and the helper's parameters (the seccomp calls, the credential) come
// through that socket, never through variables that would reach the
// command.
const (
	helperName = "waittrace-helper"
	helperFd   = 3
)

// helperParams is what the tracer tells the helper.
type helperParams struct {
	Wake bool `json:"wake,omitempty"`
	// Seccomp: the filter's calls per AUDIT_ARCH_*.
	// Empty but not nil: a filter that stops no wait call (-e trace=none)
	// still stops clone with CLONE_UNTRACED and clone3.
	Seccomp map[uint32][]uint64 `json:"seccomp"`
	// Credential to drop to before the execve (-u).
	Credential *Credential `json:"credential,omitempty"`
	// Closed lists the standard descriptors to close before the execve:
	// they were closed when waittrace started (Go's runtime opened them
	// on /dev/null).
	Closed []int `json:"closed,omitempty"`
}

func init() {
	// The helper must call execve from the main thread: an execve from
	// another thread changes tids under the tracer. Locking the main
	// goroutine in init keeps it on the main thread.
	if len(os.Args) > 0 && os.Args[0] == helperName {
		runtime.LockOSThread()
	}
}

// IsHelper reports whether this process is waittrace's helper, started by
// a waittrace of the same user; main must then call RunHelper before
// anything else.
func IsHelper() bool {
	if len(os.Args) == 0 || os.Args[0] != helperName {
		return false
	}
	cred, err := unix.GetsockoptUcred(helperFd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	return err == nil && int(cred.Pid) == os.Getppid() && int(cred.Uid) == os.Getuid()
}

// RunHelper runs the helper and never returns.
func RunHelper() {
	buf := make([]byte, 1<<16)
	n, err := readFull(helperFd, buf)
	var p helperParams
	if err != nil || json.Unmarshal(buf[:n], &p) != nil {
		os.Exit(126)
	}
	if p.Wake {
		// Sleep until the tracer closes its end (or dies).
		_, _ = readFull(helperFd, buf)
		os.Exit(0)
	}
	// Tell the tracer we run, and whether the seccomp filter is in place:
	// "s", or "p" and why not.
	ready := "p"
	if p.Seccomp != nil {
		if err := installCalls(p.Seccomp); err != nil {
			ready = "p" + err.Error()
		} else {
			ready = "s"
		}
	}
	for {
		_, err := unix.Write(helperFd, []byte(ready))
		if err != unix.EINTR {
			break
		}
	}
	// Wait for the tracer to have seized us ("g"), or to give up (EOF).
	if n, err := readFull(helperFd, buf[:1]); err != nil || n != 1 || buf[0] != 'g' {
		os.Exit(126)
	}
	unix.Close(helperFd)
	for _, fd := range p.Closed {
		unix.Close(fd)
	}
	if p.Credential != nil {
		if err := dropTo(p.Credential); err != nil {
			fmt.Fprintf(os.Stderr, "waittrace: cannot run as %s: %v\n", p.Credential, err)
			os.Exit(126)
		}
	}
	if len(os.Args) < 3 {
		os.Exit(126)
	}
	err = unix.Exec(os.Args[1], os.Args[2:], os.Environ())
	fmt.Fprintf(os.Stderr, "waittrace: exec %s: %v\n", os.Args[1], err)
	if err == unix.ENOENT {
		os.Exit(127)
	}
	os.Exit(126)
}

// readFull reads one message (or up to EOF) from fd, retrying on EINTR.
func readFull(fd int, buf []byte) (int, error) {
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err == nil && n == 0 {
			return 0, errors.New("EOF")
		}
		return n, err
	}
}

func (c *Credential) String() string {
	return fmt.Sprintf("uid %d gid %d", c.Uid, c.Gid)
}

// dropTo sets groups, gid and uid (all three ids each) as cred says. Go's
// Setres*id apply to every thread of the helper.
func dropTo(cred *Credential) error {
	groups := make([]int, len(cred.Groups))
	for i, g := range cred.Groups {
		groups[i] = int(g)
	}
	if err := unix.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := unix.Setresgid(int(cred.Gid), int(cred.Gid), int(cred.Gid)); err != nil {
		return fmt.Errorf("setresgid: %w", err)
	}
	if err := unix.Setresuid(int(cred.Uid), int(cred.Uid), int(cred.Uid)); err != nil {
		return fmt.Errorf("setresuid: %w", err)
	}
	return nil
}

func selfExe() string { return "/proc/self/exe" }

// helper is a started helper: its pid and the tracer's end of the socket.
type helper struct {
	pid  int
	sock *os.File
}

// startHelper starts a helper with p, argv after helperName, the given
// environment and standard files. The helper's socket end is at helperFd.
func startHelper(p helperParams, argv, env []string, stdio [3]*os.File) (*helper, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "helper"), os.NewFile(uintptr(fds[1]), "helper")
	defer theirs.Close()
	msg, err := json.Marshal(p)
	if err != nil {
		ours.Close()
		return nil, err
	}
	if _, err := ours.Write(msg); err != nil {
		ours.Close()
		return nil, fmt.Errorf("helper: %w", err)
	}
	proc, err := os.StartProcess(selfExe(), append([]string{helperName}, argv...), &os.ProcAttr{
		Env:   env,
		Files: []*os.File{stdio[0], stdio[1], stdio[2], theirs},
	})
	if err != nil {
		ours.Close()
		return nil, err
	}
	pid := proc.Pid
	_ = proc.Release()
	return &helper{pid: pid, sock: ours}, nil
}

// reap collects a helper that failed or is no longer needed.
func (h *helper) reap(kill bool) unix.WaitStatus {
	if kill {
		_ = unix.Kill(h.pid, unix.SIGKILL)
	}
	h.sock.Close()
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(h.pid, &ws, unix.WALL, nil)
		if err != unix.EINTR {
			return ws
		}
	}
}

// launch starts the command through the helper so that it is traced from its
// first instruction: the helper is seized while it waits on its socket, and
// only then execs the command.
func (t *Tracer) launch(spec Spec) error {
	env := spec.Env
	if env == nil {
		env = os.Environ()
	}
	p := helperParams{Credential: spec.Credential}
	if t.opts.Seccomp {
		p.Seccomp = t.opts.SeccompCalls
	}
	stdio := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	for fd, closed := range spec.ClosedStdio {
		if closed {
			// Passed open (a nil entry would leave the helper's runtime to
			// open /dev/null itself), closed just before the execve.
			p.Closed = append(p.Closed, fd)
		}
	}
	h, err := startHelper(p, append([]string{spec.Path}, spec.Argv...), env, stdio)
	if err != nil {
		return fmt.Errorf("launch %s: %w", spec.Path, err)
	}
	buf := make([]byte, 4096)
	n, err := readFull(int(h.sock.Fd()), buf)
	if err != nil || n == 0 {
		ws := h.reap(true)
		return fmt.Errorf("launch %s: the helper died before it was ready: %v", spec.Path, ws)
	}
	ready := buf[:n]
	filtered := ready[0] == 's'
	t.result.Seccomp = filtered
	if t.opts.Seccomp && !filtered {
		t.result.SeccompError = errors.New(string(ready[1:]))
		if t.opts.SeccompRefused != nil {
			t.opts.SeccompRefused(t.result.SeccompError)
		}
	}
	if err := seize(h.pid, t.ptraceOptions(true, false, filtered)); err != nil {
		h.reap(true)
		return fmt.Errorf("launch %s: %w", spec.Path, err)
	}
	if _, err := h.sock.Write([]byte{'g'}); err != nil {
		h.reap(true)
		return fmt.Errorf("launch %s: %w", spec.Path, err)
	}
	h.sock.Close()
	t.launched = h.pid
	t.result.Launched = true
	t.tracees[h.pid] = &tracee{tid: h.pid, pid: h.pid, parentPid: os.Getpid(), hidden: true, origin: Launched, filtered: filtered, forked: true}
	return nil
}

// startWaker starts the waker and seizes it: from then on a signal sent to
// it (Tracer.wake) ends the engine's wait4. It stays in waittrace's process
// group: a signal sent to the group (a terminal's Ctrl-C) reaches it too,
// which is how Forward tells such a signal from one sent to waittrace
// alone.
func (t *Tracer) startWaker() error {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("waker: %w", err)
	}
	defer null.Close()
	h, err := startHelper(helperParams{Wake: true}, nil, []string{}, [3]*os.File{null, null, null})
	if err != nil {
		return fmt.Errorf("waker: %w", err)
	}
	t.waker = h
	t.wakerTids = map[int]bool{}
	// Every thread of the waker is seized, and the threads it makes later
	// too (PTRACE_O_TRACECLONE): a signal sent to the process may be taken
	// by any of them, and only a traced one stops for the engine to see
	// (the waker is a Go program, with several threads).
	for stable := false; !stable; {
		stable = true
		tids, err := tasks(h.pid)
		if err != nil {
			return fmt.Errorf("waker: %w", err)
		}
		for _, tid := range tids {
			if t.wakerTids[tid] {
				continue
			}
			if err := seize(tid, unix.PTRACE_O_EXITKILL|unix.PTRACE_O_TRACECLONE); err != nil {
				if tid == h.pid {
					h.reap(true)
					t.waker = nil
					return fmt.Errorf("waker: %w", err)
				}
				continue // the thread is gone
			}
			t.wakerTids[tid], stable = true, false
		}
	}
	return nil
}

// isWaker reports whether tid is a thread of the waker. A thread the waker
// made is seen first either at its own stop or at the clone event.
func (t *Tracer) isWaker(tid int) bool {
	if t.waker == nil {
		return false
	}
	if t.wakerTids[tid] {
		return true
	}
	if _, known := t.tracees[tid]; known {
		return false
	}
	if pid, _ := procIDs(tid); pid == t.waker.pid {
		t.wakerTids[tid] = true
		return true
	}
	return false
}

// stopWaker ends the waker. Killed, it cannot be collected before each
// of its traced threads is, and a thread the waker made lately may not
// have been seen yet: whatever reports from now on is collected, for a
// while, until the waker itself is (the trace is over, so it can only be
// the waker's, or an abandoned tracee's, handled as before).
func (t *Tracer) stopWaker() {
	if t.waker == nil {
		return
	}
	_ = unix.Kill(t.waker.pid, unix.SIGKILL)
	t.waker.sock.Close()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			deadline = time.Time{} // no child left
		case tid == t.waker.pid && (ws.Exited() || ws.Signaled()):
			deadline = time.Time{}
		case tid == 0:
			time.Sleep(time.Millisecond)
		case t.abandoned[tid]:
			t.handleStop(tid, ws)
		}
	}
	t.waker = nil
}

// wake makes the engine's wait4 return soon: safe from any goroutine.
func (t *Tracer) wake() {
	t.mu.Lock()
	pid := t.wakerPid
	t.mu.Unlock()
	if pid != 0 {
		_ = unix.Kill(pid, unix.SIGUSR1)
	}
}

// ClosedStdio reports which standard descriptors were closed when waittrace
// started. Go's runtime opens /dev/null read-write in their place before
// main runs, so that is what is looked for: /dev/null open O_RDWR with no
// other flag. (A shell's "<>/dev/null" looks the same, and is taken for a
// closed descriptor too.)
func ClosedStdio() (closed [3]bool) {
	var null unix.Stat_t
	if unix.Stat(os.DevNull, &null) != nil {
		return closed
	}
	for fd := range closed {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != null.Rdev {
			continue
		}
		info, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
		if err != nil {
			continue
		}
		// The kernel shows O_LARGEFILE (0100000 on amd64 and arm64) among
		// the flags of every file a 64-bit process opens; x/sys says 0.
		const kernelLargefile = 0o100000
		flags, err := strconv.ParseUint(statusField(string(info), "flags:"), 8, 32)
		closed[fd] = err == nil && flags&^kernelLargefile == unix.O_RDWR
	}
	return closed
}

// installCalls installs the filter that stops calls, on the helper's main
// thread, which then execs.
func installCalls(calls map[uint32][]uint64) error {
	prog, err := buildFilter(calls, false)
	if err != nil {
		return err
	}
	return installFilter(prog)
}
