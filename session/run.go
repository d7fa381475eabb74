package session

import (
	"os"
	"os/signal"
	"runtime"
	"sync"
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

// Run traces until no tracee is left or a signal ends the trace, then
// settles and closes the sinks. Attach errors are in the result, and
// reported on Messages as they happen.
func (s *Session) Run() (Result, error) {
	var spec ptrace.Spec
	if c := s.opts.Command; c != nil {
		spec = ptrace.Spec{Path: c.Path, Argv: c.Argv, Env: c.Env, Credential: c.Credential}
	}
	spec.Pids = s.opts.Pids
	s.tracer = ptrace.New(ptrace.Options{
		Follow: s.opts.Follow, Trace: s.traced,
		Seccomp: s.opts.Seccomp, SeccompCalls: s.SeccompCalls(),
		ProcessInfo: s.opts.ProcessInfo,
		SeccompRefused: func(err error) {
			s.warn("the kernel refused the seccomp filter (%v): stopping at every system call instead", err)
		},
	}, s.handle)
	s.wake.kick = s.tracer.Kick

	var stopQuietly sync.Once // output failure or SIGPIPE: detach once
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGPIPE)
	defer func() {
		signal.Stop(sigs)
		// Still no death by SIGPIPE for the last message on a closed stderr.
		signal.Ignore(unix.SIGPIPE)
	}()
	go func() {
		for sig := range sigs {
			if sig == unix.SIGPIPE {
				// strace detaches on SIGPIPE; so does waittrace. But a
				// closed trace pipe raises SIGPIPE too (the write then
				// fails with EPIPE, handled as an output failure), and
				// waittrace cannot tell the two apart: so nothing is passed
				// on to the command, and with the output failure this
				// counts as one interrupt, not two (which would kill).
				stopQuietly.Do(func() { s.tracer.Interrupt(0) })
				continue
			}
			s.tracer.Interrupt(sig.(syscall.Signal))
		}
	}()
	// When the trace cannot be written, stop tracing: detach, and let the
	// command run on (served silently if it carries the filter).
	s.onFailure = func() { stopQuietly.Do(func() { s.tracer.Interrupt(0) }) }

	quietSIGCHLD()
	res, err := s.tracer.Run(spec)
	for _, e := range res.AttachErrors {
		s.warn("%v", e)
	}
	out := Result{Result: res, OutputFailed: len(s.failed) > 0}
	if err != nil {
		return out, err
	}
	if err := s.end(); err != nil {
		return out, err
	}
	out.OutputFailed = len(s.failed) > 0
	return out, nil
}

// CommandExit is how waittrace ends as the command did: its exit status,
// or death by the same signal (die non-zero).
func (r Result) CommandExit() (code int, die unix.Signal) {
	switch {
	case r.Launched && r.Reaped && r.Status.Exited():
		return r.Status.ExitStatus(), 0
	case r.Launched && r.Reaped && r.Status.Signaled():
		return 0, r.Status.Signal()
	case r.Interrupted != 0 && r.Launched:
		return 0, r.Interrupted
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
