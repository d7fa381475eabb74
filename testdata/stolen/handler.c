/*
 * A stolen child, the classic form: a SIGCHLD handler reaps with
 * waitpid(-1, WNOHANG) the child that main then waits for by its pid, and
 * main's waitpid fails with ECHILD.
 *
 * Prints "child=PID parent=PID"; exits 0 when main got ECHILD, 77 if not.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP __attribute__((noinline, noclone))

static volatile sig_atomic_t reaped;

KEEP void on_sigchld(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		reaped = 1;
	errno = saved;
}

KEEP pid_t wait_for(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART };
	sigset_t block, old;

	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t pid = fork();
	if (pid < 0)
		return 77;
	if (pid == 0)
		_exit(0);
	while (!reaped)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("child=%d parent=%d\n", (int)pid, (int)getpid());
	fflush(stdout);
	if (wait_for(pid) != -1 || errno != ECHILD)
		return 77;
	return 0;
}
