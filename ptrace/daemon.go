package ptrace

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Daemonized tracing (-D, strace's --daemonize): the process the shell
// started, waittrace itself, becomes the command, and the tracer runs as
// its grandchild. The shell then waits for the command itself, and the
// command has no tracer between it and its parent: its getppid(), its
// parent's wait and its exit status are as untraced.
//
// Three processes take part:
//
//   - P, waittrace as started. It stays the shell's child, is seized by T
//     while it waits on its socket, and then execs the command.
//   - I, a child of P that only starts T and exits: P reaps it before the
//     exec, so the command has no child it did not make itself.
//   - T, I's child, orphaned when I exits: the tracer. It runs waittrace's
//     command line again (RunDaemonTracer) with P as the command; with
//     -DD it leads a process group of its own, with -DDD a session.
//
// I and T are waittrace re-executed with argv[0] daemonName, each with a
// socket at helperFd that its parent made, checked as the helper checks
// its own (SO_PEERCRED): nothing in the environment can give waittrace
// these roles. P and T talk over the socket P made, which I hands on to T
// at daemonPeerFd; T learns P's pid from it (SO_PEERCRED again).
//
// P and T speak the helper's protocol, with one message more first: T
// tells P its pid (for Yama's PR_SET_PTRACER: the tracer is no ancestor
// of P) and the seccomp calls; P installs the filter, says "s" or "p" and
// why not, as the helper does; T seizes P and says "g" (or "u": the seize
// failed, run untraced, as strace -D does); P closes the socket and execs.
const (
	daemonName   = "waittrace-daemon"
	daemonPeerFd = 4
)

// Daemon levels: strace's -D, -DD and -DDD.
const (
	DaemonGrandchild = 1
	DaemonPgroup     = 2
	DaemonSession    = 3
)

func init() {
	// With -D, waittrace's own process execs the command, from the main
	// goroutine, after the tracer has seized its main thread: an execve
	// from another thread would pass the process on to that thread,
	// untraced. Locked here, in init, the main goroutine stays on the
	// main thread; the engine locks its thread anyway while it runs.
	runtime.LockOSThread()
}

// daemonHeader starts the message to I (from P) and to T (from I).
type daemonHeader struct {
	// Stage is "fork" for I and "trace" for T.
	Stage string `json:"stage"`
	Level int    `json:"level"`
	// Args is how many messages follow on P's socket, one per argument of
	// waittrace's command line (each prefixed with 'a': an empty message
	// would read as the end).
	Args int `json:"args"`
}

// daemonHello is T's first message to P.
type daemonHello struct {
	Tracer  int                 `json:"tracer"`
	Seccomp map[uint32][]uint64 `json:"seccomp,omitempty"`
}

// DaemonExec is what P needs to become the command (-D).
type DaemonExec struct {
	// Path (resolved), Argv, Env, Credential and ClosedStdio of the
	// command, as for Spec.
	Path        string
	Argv, Env   []string
	Credential  *Credential
	ClosedStdio [3]bool
	// Level is DaemonGrandchild, DaemonPgroup or DaemonSession.
	Level int
	// Args is waittrace's command line without argv[0], for the tracer.
	Args []string
	// Debug, if set, is told what P decides (-d).
	Debug func(format string, args ...any)
}

// ErrTracerGone: the tracer of -D ended before it seized the command (it
// said why on stderr); the command was not run.
var ErrTracerGone = errors.New("the tracer ended before it traced the command")

// Daemonize makes waittrace's own process the command of a daemonized
// trace (-D): it starts the tracer as a grandchild, lets it seize this
// process, and execs the command. It returns only if that failed.
func Daemonize(d DaemonExec) error {
	if d.Level < DaemonGrandchild || d.Level > DaemonSession {
		return fmt.Errorf("-D: level %d: use 1, 2 or 3", d.Level)
	}
	debug := d.Debug
	if debug == nil {
		debug = func(string, ...any) {}
	}
	// I's exit must leave no SIGCHLD pending across the execve: SIG_DFL
	// has the kernel discard it, as a C program's default would (Go's
	// runtime handler would take it later). wait4 still reports I.
	sigDefault(unix.SIGCHLD)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("-D: socketpair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "daemon"), os.NewFile(uintptr(fds[1]), "daemon")
	defer ours.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		theirs.Close()
		return fmt.Errorf("-D: %w", err)
	}
	// The tracer holds no pipe of the command's open: it gets /dev/null
	// for stdin and stdout (strace does the same), and writes to stderr.
	proc, err := os.StartProcess(selfExe(), []string{daemonName}, &os.ProcAttr{
		Files: []*os.File{null, null, os.Stderr, theirs},
	})
	null.Close()
	theirs.Close()
	if err != nil {
		return fmt.Errorf("-D: start the tracer: %w", err)
	}
	sock := int(ours.Fd())
	msg, _ := json.Marshal(daemonHeader{Stage: "fork", Level: d.Level, Args: len(d.Args)})
	err = send(sock, msg)
	for _, a := range d.Args {
		if err != nil {
			break
		}
		err = send(sock, append([]byte{'a'}, a...))
	}
	// Reap I whatever happened: the command must not inherit it.
	st, werr := proc.Wait()
	if err != nil {
		return fmt.Errorf("-D: %w", err)
	}
	if werr != nil {
		return fmt.Errorf("-D: %w", werr)
	}
	if !st.Success() {
		return fmt.Errorf("-D: the tracer could not be started (%v)", st)
	}

	buf := make([]byte, 1<<16)
	n, err := readFull(sock, buf)
	var hello daemonHello
	if err != nil || json.Unmarshal(buf[:n], &hello) != nil || hello.Tracer <= 0 {
		return ErrTracerGone
	}
	// Yama's ptrace_scope 1 lets only ancestors trace a process, and the
	// tracer is none: allow it by name (strace allows anyone). EINVAL
	// means no Yama, and nothing to allow.
	if err := unix.Prctl(unix.PR_SET_PTRACER, uintptr(hello.Tracer), 0, 0, 0); err != nil {
		debug("prctl(PR_SET_PTRACER, %d): %v (no Yama: nothing to allow)", hello.Tracer, err)
	} else {
		debug("prctl(PR_SET_PTRACER, %d): the tracer may attach to %d", hello.Tracer, os.Getpid())
	}
	ready := "p"
	if hello.Seccomp != nil {
		// On this thread, the one that execs (init locked it).
		if err := installCalls(hello.Seccomp); err != nil {
			ready = "p" + err.Error()
		} else {
			ready = "s"
		}
	}
	if err := send(sock, []byte(ready)); err != nil {
		return ErrTracerGone
	}
	if n, err := readFull(sock, buf[:1]); err != nil || n != 1 || (buf[0] != 'g' && buf[0] != 'u') {
		return ErrTracerGone
	}
	if buf[0] == 'u' {
		debug("not traced: running %s untraced, as strace -D does", d.Path)
	}
	ours.Close()
	for fd, closed := range d.ClosedStdio {
		if closed {
			unix.Close(fd)
		}
	}
	if d.Credential != nil {
		if err := dropTo(d.Credential); err != nil {
			fmt.Fprintf(os.Stderr, "waittrace: cannot run as %s: %v\n", d.Credential, err)
			os.Exit(126)
		}
	}
	env := d.Env
	if env == nil {
		env = os.Environ()
	}
	err = unix.Exec(d.Path, d.Argv, env)
	// Traced, or with the filter in place: nothing but exiting is safe now.
	fmt.Fprintf(os.Stderr, "waittrace: exec %s: %v\n", d.Path, err)
	if err == unix.ENOENT {
		os.Exit(127)
	}
	os.Exit(126)
	return nil
}

// send writes one message, with no SIGPIPE if the other end is gone.
func send(fd int, msg []byte) error {
	for {
		err := unix.Sendmsg(fd, msg, nil, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return err
		}
	}
}

// DaemonCommand is the command of a daemonized trace as the tracer sees
// it: process Pid, waiting on sock to be seized before it execs.
type DaemonCommand struct {
	Pid  int
	sock *os.File
}

// RunDaemonRole runs the roles of -D that waittrace may have been
// re-executed in. Not in one, it returns ok false and does nothing. As I,
// it starts T and exits. As T, it returns the command (P) and waittrace's
// command line to trace it with.
func RunDaemonRole() (cmd *DaemonCommand, args []string, ok bool) {
	if len(os.Args) == 0 || os.Args[0] != daemonName || !parentMadeSocket(helperFd) {
		return nil, nil, false
	}
	buf := make([]byte, 1<<16)
	n, err := readFull(helperFd, buf)
	var h daemonHeader
	if err != nil || json.Unmarshal(buf[:n], &h) != nil || h.Level < DaemonGrandchild || h.Level > DaemonSession {
		os.Exit(126)
	}
	switch h.Stage {
	case "fork":
		os.Exit(startDaemonTracer(h))
	case "trace":
	default:
		os.Exit(126)
	}
	// T: let I go (it waited for this, so that the check above saw it as
	// our parent), then take P's socket.
	if send(helperFd, []byte{'k'}) != nil {
		os.Exit(126)
	}
	unix.Close(helperFd)
	unix.CloseOnExec(daemonPeerFd)
	cred, err := unix.GetsockoptUcred(daemonPeerFd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil || int(cred.Uid) != os.Getuid() || cred.Pid <= 0 {
		os.Exit(126)
	}
	args = make([]string, 0, h.Args)
	for range h.Args {
		n, err := readFull(daemonPeerFd, buf)
		if err != nil || n == 0 || buf[0] != 'a' {
			os.Exit(126)
		}
		args = append(args, string(buf[1:n]))
	}
	return &DaemonCommand{Pid: int(cred.Pid), sock: os.NewFile(daemonPeerFd, "daemon")}, args, true
}

// parentMadeSocket reports whether fd is a socket made by our parent, of
// our user: the proof that waittrace started us in a role.
func parentMadeSocket(fd int) bool {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	return err == nil && int(cred.Pid) == os.Getppid() && int(cred.Uid) == os.Getuid()
}

// startDaemonTracer is I: it starts T with a socket of its own at
// helperFd and P's at daemonPeerFd, waits until T has checked that I is
// its parent, and returns I's exit status.
func startDaemonTracer(h daemonHeader) int {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "waittrace: -D: socketpair: %v\n", err)
		return 1
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "daemon"), os.NewFile(uintptr(fds[1]), "daemon")
	peer := os.NewFile(helperFd, "daemon")
	h.Stage = "trace"
	msg, _ := json.Marshal(h)
	if _, err := ours.Write(msg); err != nil {
		fmt.Fprintf(os.Stderr, "waittrace: -D: %v\n", err)
		return 1
	}
	_, err = os.StartProcess(selfExe(), []string{daemonName}, &os.ProcAttr{
		Env:   os.Environ(),
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, theirs, peer},
		Sys: &unix.SysProcAttr{
			// -DD: not killed by a kill(0, ...) or a terminal's ^C to the
			// command's group; -DDD: nor by the end of its session.
			Setpgid: h.Level == DaemonPgroup,
			Setsid:  h.Level == DaemonSession,
		},
	})
	theirs.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "waittrace: -D: start the tracer: %v\n", err)
		return 1
	}
	buf := make([]byte, 1)
	if n, err := readFull(int(ours.Fd()), buf); err != nil || n != 1 || buf[0] != 'k' {
		return 1
	}
	return 0
}

// adopt makes the command of a daemonized trace a tracee: the helper's
// protocol (launch) with P, which is no child of ours.
func (t *Tracer) adopt(d *DaemonCommand) error {
	defer d.sock.Close()
	sock := int(d.sock.Fd())
	hello := daemonHello{Tracer: os.Getpid()}
	if t.opts.Seccomp {
		hello.Seccomp = t.opts.SeccompCalls
	}
	msg, err := json.Marshal(hello)
	if err != nil {
		return err
	}
	if err := send(sock, msg); err != nil {
		return fmt.Errorf("-D: the command's process is gone: %w", err)
	}
	buf := make([]byte, 4096)
	n, err := readFull(sock, buf)
	if err != nil || n == 0 {
		return fmt.Errorf("-D: the command's process is gone before it was ready")
	}
	filtered := buf[0] == 's'
	t.result.Seccomp = filtered
	if t.opts.Seccomp && !filtered {
		t.result.SeccompError = errors.New(string(buf[1:n]))
		if t.opts.SeccompRefused != nil {
			t.opts.SeccompRefused(t.result.SeccompError)
		}
	}
	if err := seize(d.Pid, t.ptraceOptions(true, false, filtered)); err != nil {
		if !filtered {
			// As strace -D: the command runs, untraced. (Filtered, its
			// wait calls would fail: then it is not run at all.)
			_ = send(sock, []byte{'u'})
		}
		return fmt.Errorf("attach: ptrace(PTRACE_SEIZE, %d): %w", d.Pid, errors.Unwrap(err))
	}
	if err := send(sock, []byte{'g'}); err != nil {
		return fmt.Errorf("-D: the command's process is gone: %w", err)
	}
	t.debug("seized %d, the command's process (-D): it execs the command now", d.Pid)
	// Attached, as strace -D says ("Process N attached"); hidden until
	// its exec, as a launched command is.
	t.tracees[d.Pid] = &tracee{tid: d.Pid, hidden: true, origin: Attached, filtered: filtered, forked: true}
	return nil
}

// kernelSigaction is the kernel's struct sigaction on amd64 and arm64; all
// zeros is SIG_DFL.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// sigDefault sets sig's disposition to SIG_DFL behind the Go runtime's back.
func sigDefault(sig unix.Signal) {
	var act kernelSigaction
	_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, unsafe.Sizeof(act.mask), 0, 0)
}
