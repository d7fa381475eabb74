/*
 * Stolen children of a process group, which a group wait does not fail
 * for while another member lives: it blocks for that one instead.
 *
 * Two children, A and B, in a process group of their own (A's); each
 * exits when told through its pipe.
 *
 *   group signal: main blocks in waitpid(-A); a second thread, once main
 *       is blocked (its wchan is do_wait), sends it SIGUSR1, whose handler
 *       tells A to exit and reaps it with waitpid(-1); it then tells B to
 *       exit, and main's waitpid(-A), restarted, collects B alone.
 *   group after: main tells A to exit and reaps it with waitpid(-1), then
 *       waits with waitpid(-A), which blocks until B exits.
 *
 * Prints "stolen=A other=B parent=PID"; exits 0 when the group wait got B
 * and A went to the other call, 77 if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEEP __attribute__((noinline, noclone))

static int pipe_a[2], pipe_b[2];
static pid_t a, b, reaped;
static pid_t main_tid;

static pid_t child(pid_t group, int *p)
{
	pid_t pid = fork();
	char c;

	if (pid < 0)
		exit(77);
	if (pid == 0) {
		setpgid(0, group);
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(3);
		_exit(0);
	}
	setpgid(pid, group ? group : pid);
	close(p[0]);
	return pid;
}

static void tell(int *p)
{
	if (write(p[1], "x", 1) != 1)
		exit(77);
}

KEEP pid_t reap_any(void)
{
	return waitpid(-1, NULL, 0);
}

KEEP void on_usr1(int sig)
{
	int saved = errno;

	(void)sig;
	tell(pipe_a);
	reaped = reap_any();
	tell(pipe_b);
	errno = saved;
}

KEEP pid_t wait_group(pid_t group)
{
	int status;

	return waitpid(-group, &status, 0);
}

/* kicker waits until main blocks in a wait, then signals it. */
static void *kicker(void *arg)
{
	char path[64], wchan[64];

	(void)arg;
	snprintf(path, sizeof path, "/proc/self/task/%d/wchan", (int)main_tid);
	for (int i = 0; i < 10000; i++) {
		FILE *f = fopen(path, "r");
		size_t n = 0;

		if (f) {
			n = fread(wchan, 1, sizeof wchan - 1, f);
			fclose(f);
		}
		wchan[n] = 0;
		if (strcmp(wchan, "do_wait") == 0) {
			syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
			return NULL;
		}
		usleep(1000);
	}
	exit(77);
}

int main(int argc, char **argv)
{
	int after = argc > 1 && strcmp(argv[1], "after") == 0;
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	pthread_t t;

	if (pipe(pipe_a) || pipe(pipe_b))
		return 77;
	a = child(0, pipe_a);
	b = child(a, pipe_b);
	printf("stolen=%d other=%d parent=%d\n", (int)a, (int)b, (int)getpid());
	fflush(stdout);
	main_tid = gettid();
	if (after) {
		tell(pipe_a);
		reaped = reap_any();
		if (fork() == 0) {
			/* B exits a moment after main blocks. */
			usleep(100000);
			tell(pipe_b);
			_exit(0);
		}
	} else {
		sigaction(SIGUSR1, &sa, NULL);
		if (pthread_create(&t, NULL, kicker, NULL) != 0)
			return 77;
	}
	pid_t got = wait_group(a);
	if (got != b || reaped != a)
		return 77;
	return 0;
}
