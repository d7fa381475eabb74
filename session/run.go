package session

import (
	"os"
	"os/signal"
	"runtime"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/ptrace"
)

// Result is the outcome of a trace.
type Result struct {
	ptrace.Result
	// OutputFailed: a sink could not write (reported once already).
	OutputFailed bool
}

// SeccompCalls lists the numbers of calls per AUDIT_ARCH_* for a seccomp
// filter.
func (s *Session) SeccompCalls() map[uint32][]uint64 {
	calls := make(map[uint32][]uint64, len(s.sets))
	for arch, set := range s.sets {
		for nr := range set {
			calls[arch] = append(calls[arch], nr)
		}
	}
	return calls
}

func (s *Session) traced(arch uint32, nr uint64) bool {
	_, ok := s.sets[arch][nr]
	return ok
}

// Run traces until no tracee is left, and a launched command has exited,
// then settles and closes the sinks. Attach errors are reported on
// Messages as they happen, and in the result.
func (s *Session) Run() (Result, error) {
	var spec ptrace.Spec
	c := s.opts.Command
	if c != nil {
		spec = ptrace.Spec{Path: c.Path, Argv: c.Argv, Env: c.Env, Credential: c.Credential, ClosedStdio: c.ClosedStdio}
		if c.Daemon != nil {
			spec = ptrace.Spec{Daemon: c.Daemon}
		}
	}
	spec.Pids = s.opts.Pids
	seccomp := s.stopMode()
	s.tracer = ptrace.New(ptrace.Options{
		Follow: s.opts.Follow, Trace: s.traced,
		Seccomp: seccomp, SeccompCalls: s.SeccompCalls(), KillOnExit: s.opts.KillOnExit,
		ProcessInfo: s.opts.ProcessInfo, IP: s.opts.IP, StopTimes: s.opts.StopTimes,
		Regs: s.opts.Stacks, SignalRegs: s.opts.Stacks && s.opts.SignalStacks,
		SeccompRefused: func(err error) {
			s.warn("the kernel refused the seccomp filter (%v): stopping at every system call instead", err)
		},
		AttachFailed: func(err error) { s.warn("%v", err) },
		DetachOnExec: s.opts.DetachOnExec, Debug: s.debugFunc(),
	}, s.handle)
	s.wake.kick = s.tracer.Kick

	// With -D the command has its own pid: what is sent to waittrace is
	// for waittrace.
	stop := s.catchSignals(c != nil && c.Daemon == nil)
	defer stop()
	quietSIGCHLD()
	res, err := s.tracer.Run(spec)
	out := Result{Result: res}
	if err != nil {
		return out, err
	}
	if err := s.end(); err != nil {
		return out, err
	}
	out.OutputFailed = len(s.failed) > 0
	if out.KeptFiltered {
		s.warn("the processes that carry the seccomp filter were traced to their end: they cannot be detached")
	}
	return out, nil
}

// catchSignals handles the signals that end a trace (strace's -I): a fatal
// signal that waittrace gets is passed on to the launched command unless
// its process group got it too (Tracer.Forward), and, when interruptible,
// ends the trace: everything is detached and left running, and a launched
// command is still waited for. SIGPIPE means the trace's reader went
// away: the write fails with EPIPE, which is reported once, and tracing
// goes on. It returns the function that stops catching them.
func (s *Session) catchSignals(launched bool) func() {
	sigs := make(chan os.Signal, 16)
	var caught []os.Signal
	for _, sig := range []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGPIPE} {
		// SIGHUP and SIGINT ignored when waittrace started (nohup, a
		// background job of a shell) stay ignored, for waittrace and so for
		// the command, which inherits it: catching them would reset the
		// command's to the default. (Go's runtime keeps that for these two
		// only; see the README's limits.)
		if slices.Contains(s.opts.Ignored, sig) {
			continue
		}
		caught = append(caught, sig)
	}
	if s.opts.Interruptible >= NeverTSTP {
		caught = append(caught, unix.SIGTSTP)
	}
	signal.Notify(sigs, caught...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sig := range sigs {
			switch sig {
			case unix.SIGPIPE, unix.SIGTSTP:
				s.signalDebug(sig, false)
				continue
			}
			s.signalDebug(sig, launched)
			if launched {
				s.tracer.Forward(sig.(syscall.Signal))
			}
			if s.opts.Interruptible <= WhileWaiting {
				s.tracer.Detach()
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(sigs)
		<-done
		// Still no death by SIGPIPE for the last message on a closed stderr.
		signal.Ignore(unix.SIGPIPE)
	}
}

// CommandExit is how waittrace ends as the command did: its exit status,
// or death by the same signal (die non-zero).
func (r Result) CommandExit() (code int, die unix.Signal) {
	switch {
	case r.Launched && r.Reaped && r.Status.Exited():
		return r.Status.ExitStatus(), 0
	case r.Launched && r.Reaped && r.Status.Signaled():
		return 0, r.Status.Signal()
	}
	return 0, 0
}

// DieBy kills waittrace with sig so that its parent sees what the command's
// parent would have seen; it falls back to the shell's 128+sig.
func DieBy(sig unix.Signal) {
	runtime.LockOSThread()
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	signal.Reset()
	resetSignal(sig)
	os.Exit(128 + int(sig))
}
