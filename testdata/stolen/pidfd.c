/*
 * A stolen child, by pidfd: the process opens a pidfd for its child, a
 * wait for any child reaps it, then waitid(P_PIDFD) on the pidfd fails
 * with ECHILD (the pidfd's fdinfo then says "Pid: -1").
 *
 * Prints "child=PID parent=PID"; exits 0 when waitid got ECHILD, 77 if
 * not (and 0 with "skip" if the kernel has no pidfd_open).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define KEEP __attribute__((noinline, noclone))

KEEP pid_t reap_any(void)
{
	return waitpid(-1, NULL, 0);
}

KEEP int wait_pidfd(int fd)
{
	siginfo_t si;

	return waitid(P_PIDFD, fd, &si, WEXITED);
}

int main(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return 77;
	if (pid == 0) {
		usleep(20000);
		_exit(0);
	}
	int fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		printf("skip: pidfd_open: %d\n", errno);
		return 0;
	}
	if (reap_any() != pid)
		return 77;
	printf("child=%d parent=%d\n", (int)pid, (int)getpid());
	fflush(stdout);
	if (wait_pidfd(fd) != -1 || errno != ECHILD)
		return 77;
	return 0;
}
