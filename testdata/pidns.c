/*
 * pidns: run as pid 1 of a pid namespace of its own (unshare --pid
 * --fork), it makes the wait calls whose pids strace --pidns-translation
 * translates: a group (wait4(-2)), a stopped child returned alive (= 2),
 * a zombie's si_pid (waitid WNOWAIT), a reaped child (= 2, gone: not
 * translated) and its own group (waitid P_PGID, 1). SIGCHLD stays blocked.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(void)
{
	sigset_t set;
	siginfo_t si;
	int status;
	pid_t child;

	if (getpid() != 1)
		return 77;
	setpgid(0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	child = fork();
	if (child < 0)
		return 77;
	if (child == 0) {
		setpgid(0, 0);
		raise(SIGSTOP);
		_exit(5);
	}
	setpgid(child, child);
	if (syscall(SYS_wait4, -child, &status, WUNTRACED, NULL) != child)
		return 77;
	kill(child, SIGCONT);
	if (syscall(SYS_waitid, P_PID, child, &si, WEXITED | WNOWAIT, NULL) != 0)
		return 77;
	if (syscall(SYS_wait4, child, &status, 0, NULL) != child)
		return 77;
	syscall(SYS_waitid, P_PGID, getpgrp(), &si, WEXITED | WNOHANG, NULL);
	return 0;
}
