/*
 * mintrace: the least a seccomp-based ptrace tracer of the wait calls can
 * do, for `make bench` to show where the floor of such tracers lies. It
 * installs a filter that stops wait4 and waitid (x86_64 and aarch64
 * numbers), follows forks, catches each wait call's exit with one
 * PTRACE_SYSCALL, passes signals on, and nothing else: no decoding, no
 * memory reads, no output, no clone3 or CLONE_UNTRACED handling.
 *
 *   mintrace CMD [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "x86_64 or aarch64 only"
#endif

static void
filter(void)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_wait4, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_waitid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { sizeof(prog) / sizeof(prog[0]), prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog)) {
		perror("mintrace: seccomp");
		_exit(127);
	}
}

int
main(int argc, char **argv)
{
	int status, code = 0;
	pid_t pid, cmd;

	if (argc < 2) {
		fprintf(stderr, "usage: mintrace CMD [ARGS...]\n");
		return 2;
	}
	cmd = fork();
	if (cmd == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		filter();
		execvp(argv[1], argv + 1);
		perror("mintrace: exec");
		_exit(127);
	}
	if (waitpid(cmd, &status, 0) != cmd || !WIFSTOPPED(status)) {
		perror("mintrace: waitpid");
		return 1;
	}
	ptrace(PTRACE_SETOPTIONS, cmd, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL |
	       PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC);
	ptrace(PTRACE_CONT, cmd, 0, 0);
	while ((pid = waitpid(-1, &status, __WALL)) > 0) {
		int sig = 0, event = status >> 16;
		long req = PTRACE_CONT;

		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == cmd)
				code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (event == PTRACE_EVENT_SECCOMP)
			req = PTRACE_SYSCALL; /* to its exit stop, then PTRACE_CONT again */
		else if (event == 0 && WSTOPSIG(status) != (SIGTRAP | 0x80) && WSTOPSIG(status) != SIGSTOP)
			sig = WSTOPSIG(status);
		/* Event stops (fork, exec) and syscall exits: just go on. SIGSTOP
		 * is a new child's first stop (the load sends none). */
		ptrace(req, pid, 0, sig);
	}
	if (errno != ECHILD)
		perror("mintrace: waitpid");
	return code;
}
