package session

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// debug writes one line of -d: a decision of waittrace's own. Called from
// the engine's thread and from the signal handler's goroutine.
func (s *Session) debug(format string, a ...any) {
	if !s.opts.Debug || s.opts.Messages == nil {
		return
	}
	line := fmt.Sprintf("waittrace: debug: "+format+"\n", a...)
	s.debugMu.Lock()
	defer s.debugMu.Unlock()
	_, _ = io.WriteString(s.opts.Messages, line)
}

// debugFunc is the engine's Options.Debug: nil without -d, so that the
// engine does not even format its lines.
func (s *Session) debugFunc() func(string, ...any) {
	if !s.opts.Debug {
		return nil
	}
	return s.debug
}

// stopMode decides whether the launched command gets the seccomp filter
// (stops at the traced calls only) or stops at every system call, says
// why not where strace says it, and with -d says what was chosen.
func (s *Session) stopMode() bool {
	c := s.opts.Command
	seccomp := s.opts.Seccomp && c != nil
	var why string
	switch {
	case c == nil:
		why = "no command: processes attached with -p always stop at every call"
	case !s.opts.Seccomp && s.opts.Follow:
		why = "--seccomp-bpf=false, or -n (the number on a \"+++\" line is the process's last call's, which only a stop at every call knows)"
	case !s.opts.Seccomp:
		why = "--seccomp-bpf is off (it is the default only with -f)"
	case s.opts.DetachOnExec:
		// A process detached at its exec would keep the filter with no
		// tracer: its wait calls would fail with ENOSYS. strace checks
		// this before -f, and says so only if the filter was asked for.
		if s.opts.SeccompAsked {
			s.warn("--seccomp-bpf is not enabled because it is not compatible with -b")
		}
		seccomp, why = false, "-b execve detaches processes, which would keep the filter without a tracer"
	case !s.opts.Follow:
		// Every descendant inherits the filter, and without a tracer its
		// wait calls would fail: strace refuses it too.
		s.warn("--seccomp-bpf cannot be used without -f/--follow-forks, disabling")
		seccomp, why = false, "without -f the command's children would carry the filter untraced"
	}
	if seccomp {
		var calls []string
		for _, c := range s.opts.Calls {
			calls = append(calls, c.String())
		}
		s.debug("stop mode: seccomp filter: the command and its children stop only at %s (and clone, to keep children traced)", strings.Join(calls, ","))
		if len(s.opts.Pids) > 0 {
			s.debug("stop mode: processes attached with -p stop at every system call: a filter cannot be added to a running process")
		}
	} else {
		s.debug("stop mode: every system call: %s", why)
	}
	s.debug("-I %d (%s)", s.opts.Interruptible, interruptibleMeaning(s.opts.Interruptible))
	return seccomp
}

// interruptibleMeaning says what an -I level does with a fatal signal.
func interruptibleMeaning(i Interruptible) string {
	switch i {
	case Anywhere, WhileWaiting:
		return "SIGINT, SIGTERM, SIGHUP, SIGQUIT end the trace: every tracee is detached"
	case Never:
		return "SIGINT, SIGTERM, SIGHUP, SIGQUIT do not end the trace"
	case NeverTSTP:
		return "SIGINT, SIGTERM, SIGHUP, SIGQUIT do not end the trace, and SIGTSTP is ignored"
	}
	return "unset"
}

// signalDebug says (-d) what becomes of a fatal signal waittrace received.
func (s *Session) signalDebug(sig os.Signal, launched bool) {
	if !s.opts.Debug {
		return
	}
	name := unix.SignalName(sig.(syscall.Signal))
	switch sig {
	case unix.SIGPIPE:
		s.debug("received %s: the trace's reader is gone; writing it fails (said once), tracing goes on", name)
		return
	case unix.SIGTSTP:
		s.debug("received %s: ignored (-I %d)", name, s.opts.Interruptible)
		return
	}
	pass := "no command of waittrace's to pass it on to"
	if launched {
		pass = "passed on to the command unless its process group got it too (the engine decides)"
	}
	end := "the trace goes on"
	if s.opts.Interruptible <= WhileWaiting {
		end = "the trace ends: every tracee is detached"
	}
	s.debug("received %s: %s; -I %d: %s", name, pass, s.opts.Interruptible, end)
}
