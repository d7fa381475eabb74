/*
 * daemon: what waittrace -D must leave as it is. It prints its pid, its
 * parent, its process group and session, and whether it has a child at
 * start (it must not: -D's intermediate process is reaped before the
 * exec); then it reaps a child that exits 5 and exits 3. With "pause" it
 * waits for a signal instead of exiting. SIGCHLD stays blocked, so that
 * the trace has no signal line whose place could vary:
 *
 *	wait4(-1, 0x..., WNOHANG, NULL) = -1 ECHILD (No child processes)
 *	wait4(N, [{WIFEXITED(s) && WEXITSTATUS(s) == 5}], 0, NULL) = N
 *	+++ exited with 3 +++
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	sigset_t set;
	int status;
	long r;
	pid_t child;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("pid %d ppid %d pgid %d sid %d\n", getpid(), getppid(), getpgrp(), getsid(0));
	r = syscall(SYS_wait4, -1, &status, WNOHANG, NULL);
	printf("children %s\n", r == -1 && errno == ECHILD ? "none" : "some");
	fflush(stdout);
	child = fork();
	if (child < 0)
		return 77;
	if (child == 0)
		_exit(5);
	if (syscall(SYS_wait4, child, &status, 0, NULL) != child)
		return 77;
	if (argc > 1 && strcmp(argv[1], "pause") == 0) {
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return 3;
}
