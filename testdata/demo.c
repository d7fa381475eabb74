/*
 * demo: a tiny "supervisor" to show what waittrace prints.
 *
 *     make demo        (or: waittrace -f ./demo)
 *
 * It starts a few workers and reaps them with the whole wait family:
 * one exits 0, one exits 3, one is killed by SIGTERM, one is stopped and
 * continued before being told to quit, it polls with WNOHANG while a
 * worker is still busy, uses waitid, and finally gets ECHILD when there
 * is nobody left.  Runs in well under a second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
nap(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Start a worker running fn(arg); the worker exits with fn's result. */
static pid_t
start(int (*fn)(int), int arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

static int
quick(int code)
{
	return code;            /* exit at once with this code */
}

static int
sleeper(int ms)
{
	nap(ms);
	return 0;
}

static int
idler(int unused)
{
	(void) unused;
	for (;;)
		pause();        /* until a signal ends it */
	return 0;               /* not reached */
}

static void
report(const char *what, pid_t pid, int status)
{
	if (WIFEXITED(status))
		printf("%s %d: exited with %d\n", what, pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s %d: killed by %s\n", what, pid,
		       strsignal(WTERMSIG(status)));
	else if (WIFSTOPPED(status))
		printf("%s %d: stopped by %s\n", what, pid,
		       strsignal(WSTOPSIG(status)));
	else if (WIFCONTINUED(status))
		printf("%s %d: continued\n", what, pid);
}

int
main(void)
{
	int status;
	pid_t pid, busy, idle;
	siginfo_t info;

	/* Two quick workers: exit 0 and exit 3, reaped in order. */
	pid = start(quick, 0);
	waitpid(pid, &status, 0);
	report("worker", pid, status);
	pid = start(quick, 3);
	waitpid(pid, &status, 0);
	report("worker", pid, status);

	/* A busy worker: poll it with WNOHANG until it is done. */
	busy = start(sleeper, 100);
	while ((pid = waitpid(busy, &status, WNOHANG)) == 0) {
		printf("worker %d: still busy\n", busy);
		nap(40);
	}
	report("worker", pid, status);

	/* An idle worker: stop it, continue it, then terminate it. */
	idle = start(idler, 0);
	kill(idle, SIGSTOP);
	waitpid(idle, &status, WUNTRACED);
	report("idler", idle, status);
	kill(idle, SIGCONT);
	waitpid(idle, &status, WCONTINUED);
	report("idler", idle, status);
	kill(idle, SIGTERM);

	/* waitid gives a siginfo_t instead of a status word. */
	if (waitid(P_PID, idle, &info, WEXITED) == 0)
		printf("idler %d: waitid says code %d, status %d\n",
		       info.si_pid, info.si_code, info.si_status);

	/* Nobody left to wait for. */
	if (wait(&status) == -1 && errno == ECHILD)
		printf("no children left: %s\n", strerror(errno));
	return 0;
}
