/*
 * names: calls whose pids and pidfd -Y and -y annotate, compared with
 * strace's output by the test: a child with a hostile name (escape
 * sequence, quote, newline) reaped by pid, a zombie seen through a pidfd
 * with WNOWAIT (si_pid named) and then reaped (si_pid gone, not named),
 * P_PGID (never named) and the caller's own pid.
 */
#include "fixture.h"
#include <sys/prctl.h>

static pid_t
spawn_named(const char *name, int code)
{
	pid_t pid;

	drain_sigchld();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		FAIL("fork");
	if (pid == 0) {
		prctl(PR_SET_NAME, name);
		_exit(code);
	}
	await_sigchld(); /* a zombie now: its name stays readable */
	return pid;
}

int
main(void)
{
	siginfo_t si;
	int status, fd;
	pid_t pid;

	block_sigchld();

	pid = spawn_named("a\033[1m\"b\n", 3);
	if (raw_wait4(pid, &status, 0, NULL) != pid)
		FAIL("wait4");

	pid = spawn_named("b", 4);
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		FAIL("pidfd_open");
	if (raw_waitid(P_PIDFD, fd, &si, WEXITED | WNOWAIT, NULL))
		FAIL("waitid WNOWAIT");
	if (raw_waitid(P_PIDFD, fd, &si, WEXITED, NULL))
		FAIL("waitid");
	raw_waitid(P_PGID, getpgid(0), &si, WEXITED, NULL);
	raw_wait4(getpid(), &status, 0, NULL);
	return 0;
}
