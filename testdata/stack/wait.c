/*
 * Fixture for package stack: main -> supervise -> reap -> waitpid, each a
 * function of its own that the compiler may neither inline nor turn into a
 * tail call, so that the stack at the wait4 system call holds them in order.
 * Built by the tests with and without frame pointers.
 *
 * With the argument "handler" the wait is in a SIGCHLD handler instead:
 * main -> supervise_async -> sigsuspend, interrupted by the signal, whose
 * handler on_sigchld -> reap -> waitpid; the stack then goes through libc's
 * signal trampoline.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP __attribute__((noinline, noclone))

/* Stores to sink after each call keep the calls from being tail calls. */
volatile int sink;
static volatile sig_atomic_t done;
static pid_t child;

KEEP int reap(pid_t pid)
{
	int status = 0;
	pid_t got = waitpid(pid, &status, 0);

	if (got != pid)
		abort();
	sink = status;
	return WEXITSTATUS(status);
}

KEEP int supervise(void)
{
	pid_t pid = fork();

	if (pid < 0)
		abort();
	if (pid == 0)
		_exit(7);
	int code = reap(pid);

	sink = code;
	return code;
}

KEEP void on_sigchld(int sig)
{
	int code = reap(child);

	sink = code + sig - SIGCHLD;
	done = 1;
}

KEEP int supervise_async(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	signal(SIGCHLD, on_sigchld);
	sigprocmask(SIG_BLOCK, &block, &old);
	child = fork();
	if (child < 0)
		abort();
	if (child == 0)
		_exit(7);
	while (!done)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return sink;
}

int main(int argc, char **argv)
{
	int code = argc > 1 && strcmp(argv[1], "handler") == 0 ? supervise_async() : supervise();

	sink = code;
	return code == 7 ? 0 : 1;
}
