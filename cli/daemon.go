package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/session"
)

// MainDaemon runs waittrace as the tracer of -D (strace's --daemonize):
// the command line is the one waittrace was started with, and the command
// is cmd, waittrace's first process, which execs it once seized. The exit
// status is nobody's concern: the shell waits for the command itself.
func MainDaemon(cmd *ptrace.DaemonCommand, args []string, stdout, stderr io.Writer) int {
	inv := &invocation{stdout: stdout, stderr: stderr, daemon: cmd}
	return inv.main(append([]string{"waittrace"}, args...))
}

// daemonize becomes the command of a daemonized trace (-D, -DD, -DDD):
// the tracer starts as a grandchild and seizes this process, which then
// execs the command. It returns only if that failed.
func (inv *invocation) daemonize(s *settings, c *session.Command) (int, error) {
	d := ptrace.DaemonExec{
		Path: c.Path, Argv: c.Argv, Env: c.Env, Credential: c.Credential, ClosedStdio: c.ClosedStdio,
		Level: s.daemonize, Args: inv.args[1:],
	}
	if s.debug {
		d.Debug = func(format string, a ...any) {
			fmt.Fprintf(inv.stderr, "waittrace: debug: "+format+"\n", a...)
		}
	}
	err := ptrace.Daemonize(d)
	if errors.Is(err, ptrace.ErrTracerGone) {
		// The tracer said why on stderr; the command did not run.
		return 0, fail(ExitFailure, "-D: %v: %s was not run", err, c.Argv[0])
	}
	return 0, fail(ExitFailure, "%v", err)
}
