/*
 * untraced: the launched command's descendants carry waittrace's seccomp
 * filter even when they are not followed (no -f), and a child made with
 * CLONE_UNTRACED (through clone or clone3) escapes automatic tracing. Their
 * wait calls must still return what they return untraced -- ECHILD or a
 * child's status, never ENOSYS. Each child checks its own result and exits
 * with a code the parent verifies (exit 77 on any difference); the parent
 * prints the exact trace of its own calls, the only ones traced without -f.
 */
#include "fixture.h"
#include <linux/sched.h>

#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

/* In a child: a wait with no children must fail with ECHILD. */
static int
lonely_wait(void)
{
	long rc = syscall(SYS_wait4, -1, NULL, 0, NULL);

	if (rc == -1 && errno == ECHILD)
		return 0;
	return rc == -1 ? errno : 99;
}

/* In a child: reap a grandchild that exits 5 and pass its status on. */
static int
reap_grandchild(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(5);
	if (pid < 0 || syscall(SYS_wait4, pid, &status, 0, NULL) != pid)
		return 90 + (errno & 7);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

static void
reap(pid_t pid, int want)
{
	int status;
	long rc = syscall(SYS_wait4, pid, &status, 0, NULL);
	char *call;

	if (rc != pid)
		FAIL("wait4(%d) = %ld", pid, rc);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want) {
		fflush(stdout);
		fprintf(stderr, "child %d ended with status %#x, want exit %d\n",
			pid, status, want);
		exit(77);
	}
	call = xasprintf("wait4(%d, [{WIFEXITED(s) && WEXITSTATUS(s) == %d}], 0, NULL)",
			 pid, want);
	emit_call(getpid(), call, xasprintf("%d", pid));
	free(call);
}

int
main(void)
{
	struct clone_args args;
	pid_t pid;

	block_sigchld();

	/* A plain child that reaps a grandchild of its own. */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(reap_grandchild());
	reap(pid, 5);

	/* clone(CLONE_UNTRACED): a fork-like child the kernel would not attach. */
	fflush(stdout);
	pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		FAIL("clone");
	if (pid == 0)
		_exit(lonely_wait());
	reap(pid, 0);

	/* clone3 with CLONE_UNTRACED: the flag is in memory, out of BPF's reach. */
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_UNTRACED;
	args.exit_signal = SIGCHLD;
	fflush(stdout);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS) {
		/* A kernel without clone3 (before 5.3): nothing to check. */
	} else {
		if (pid < 0)
			FAIL("clone3");
		if (pid == 0)
			_exit(lonely_wait());
		reap(pid, 0);
	}

	emit_exit(0);
	return 0;
}
