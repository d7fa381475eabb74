/*
 * mintrace-syscall: the least a ptrace tracer of one launched process can
 * do when it stops that process at every system call, as waittrace does
 * without -f (no seccomp filter, no fork following). It is the reference
 * of `make bench` (f): what the stops themselves cost.
 *
 * It seizes the command before its execve (PTRACE_SEIZE), resumes it with
 * PTRACE_SYSCALL at every stop, reads each syscall stop with one
 * PTRACE_GET_SYSCALL_INFO (a tracer must learn the call, and whether this
 * is its entry or its exit, to decide whether to report it: this is the
 * cheapest correct way), passes signals on, and nothing else: no decoding,
 * no memory reads, no output, no group-stop handling (PTRACE_LISTEN), no
 * fallback for kernels before 5.3. The command's children run untraced.
 *
 *   mintrace-syscall CMD [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct __ptrace_syscall_info info;
	int status, code = 0, go[2];
	long waits = 0;
	pid_t pid, cmd;

	if (argc < 2) {
		fprintf(stderr, "usage: mintrace-syscall CMD [ARGS...]\n");
		return 2;
	}
	if (pipe(go) != 0) {
		perror("mintrace-syscall: pipe");
		return 1;
	}
	cmd = fork();
	if (cmd == 0) {
		/* Wait until seized (EOF on the pipe), then become the command. */
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 0)
			_exit(127);
		close(go[0]);
		execvp(argv[1], argv + 1);
		perror("mintrace-syscall: exec");
		_exit(127);
	}
	close(go[0]);
	/* The exec event is the first stop; from it on, every call stops. */
	if (cmd < 0 || ptrace(PTRACE_SEIZE, cmd, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) {
		perror("mintrace-syscall: fork or PTRACE_SEIZE");
		return 1;
	}
	close(go[1]);
	while ((pid = waitpid(-1, &status, __WALL)) > 0) {
		int sig = 0;

		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			/* A syscall stop: learn what it is, as a tracer must. */
			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info) > 0 &&
			    info.op == PTRACE_SYSCALL_INFO_ENTRY &&
			    (info.entry.nr == SYS_wait4 || info.entry.nr == SYS_waitid))
				waits++; /* a tracer would report it here */
		} else if (status >> 16 == 0) {
			sig = WSTOPSIG(status); /* a signal-delivery stop: pass it on */
		}
		/* Event stops (exec, group-stop): just go on. */
		ptrace(PTRACE_SYSCALL, pid, 0, sig);
	}
	if (errno != ECHILD)
		perror("mintrace-syscall: waitpid");
	if (getenv("MINTRACE_VERBOSE"))
		fprintf(stderr, "mintrace-syscall: %ld wait calls\n", waits);
	return code;
}
