/*
 * load: the workloads of `make bench`. Each mode times its own work with
 * CLOCK_MONOTONIC and prints "elapsed_ns N" on stdout, so tracer start-up
 * and attach are not counted.
 *
 *   load syscalls N K   N cheap system calls (getppid), with K children
 *                       forked, exiting at once and reaped by wait4 along the way
 *   load forks N        N fork + _exit + wait4
 *   load live K         K children that pause; prints "ready", waits for a
 *                       line on stdin, then kills and reaps them
 *   load attach N K     as syscalls, but first prints "ready" and waits for a
 *                       line on stdin, so a tracer can attach to it first
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
reap(pid_t pid)
{
	int status;

	if (wait4(pid, &status, 0, NULL) != pid || !WIFEXITED(status)) {
		perror("wait4");
		exit(1);
	}
}

static pid_t
spawn(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0)
		_exit(0);
	return pid;
}

static void
syscalls(long n, long k)
{
	long every = k > 0 ? n / k : n + 1;

	for (long i = 1; i <= n; i++) {
		syscall(SYS_getppid);
		if (i % every == 0)
			reap(spawn());
	}
}

static void
await_go(void)
{
	char line[16];

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(1);
}

int
main(int argc, char **argv)
{
	long long start;

	if (argc < 3) {
		fprintf(stderr, "usage: load syscalls N K | forks N | live K | attach N K\n");
		return 2;
	}
	long n = atol(argv[2]), k = argc > 3 ? atol(argv[3]) : 0;

	if (strcmp(argv[1], "live") == 0) {
		pid_t *kids = calloc(n, sizeof(*kids));

		for (long i = 0; i < n; i++) {
			kids[i] = fork();
			if (kids[i] == 0) {
				for (;;)
					pause();
			}
		}
		await_go();
		for (long i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		for (long i = 0; i < n; i++)
			waitpid(kids[i], NULL, 0);
		return 0;
	}
	if (strcmp(argv[1], "attach") == 0)
		await_go();
	start = now();
	if (strcmp(argv[1], "forks") == 0) {
		for (long i = 0; i < n; i++)
			reap(spawn());
	} else {
		syscalls(n, k);
	}
	printf("elapsed_ns %lld\n", now() - start);
	return 0;
}
