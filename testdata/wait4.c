/*
 * wait4 fixture: makes wait4 calls and prints the exact lines that
 * `strace -e trace=wait4,waitid,waitpid` writes for them.
 * Run with "-v" as argv[1] when the tracer runs with -v (full rusage).
 */
#include "fixture.h"

int
main(int argc, char **argv)
{
	int *s = tail_alloc(sizeof(*s));
	struct rusage *ru = tail_alloc(sizeof(*ru));
	pid_t me = getpid();
	pid_t pid;
	long rc;
	char *a, *b, *c;

	verbose_mode = argc > 1 && strcmp(argv[1], "-v") == 0;
	block_sigchld();

	/* Exit code 0, NULL rusage, through glibc. */
	pid = spawn_exit(0);
	CHECK(wait4(pid, s, 0, NULL) == pid);
	a = xasprintf("wait4(%d, %s, 0, NULL)", pid, sprint_status(*s));
	emit_call(me, a, xasprintf("%d", pid));

	/* Exit code 3 with rusage; garbage in the upper 32 bits of pid and
	 * options, which the kernel (and the tracer) must ignore. */
	pid = spawn_exit(3);
	rc = raw_wait4(pid, s, __WALL, ru);
	CHECK(rc == pid);
	a = xasprintf("wait4(%d, %s, __WALL, %s)", pid, sprint_status(*s),
		      sprint_rusage(ru));
	emit_call(me, a, xasprintf("%d", pid));

	/* Killed by SIGTERM. */
	pid = spawn_pause();
	CHECK(kill(pid, SIGTERM) == 0);
	CHECK(wait4(pid, s, 0, ru) == pid);
	a = xasprintf("wait4(%d, %s, 0, %s)", pid, sprint_status(*s),
		      sprint_rusage(ru));
	emit_call(me, a, xasprintf("%d", pid));

	/* Killed by SIGSEGV from a real fault, with a core dump if the
	 * system lets one be written (printed honestly either way). */
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_CORE, &rl) == 0) {
			rlim_t want = 64 << 20;

			if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
				want = rl.rlim_max;
			rl.rlim_cur = want;
			setrlimit(RLIMIT_CORE, &rl);
		}
		*(volatile int *) 8 = 1;
		_exit(99);
	}
	CHECK(wait4(pid, s, 0, NULL) == pid);
	CHECK(WIFSIGNALED(*s) && WTERMSIG(*s) == SIGSEGV);
	a = xasprintf("wait4(%d, %s, 0, NULL)", pid, sprint_status(*s));
	emit_call(me, a, xasprintf("%d", pid));
	unlink("core");
	unlink(b = xasprintf("core.%d", pid));

	/* Stopped, polled with WNOHANG, continued, then killed; NULL status. */
	pid = spawn_pause();
	CHECK(wait4(pid, s, WNOHANG, ru) == 0);
	a = xasprintf("wait4(%d, %p, WNOHANG, %p)", pid, s, ru);
	emit_call(me, a, "0");
	CHECK(kill(pid, SIGSTOP) == 0);
	CHECK(wait4(pid, s, WSTOPPED, NULL) == pid);
	a = xasprintf("wait4(%d, %s, WSTOPPED, NULL)", pid, sprint_status(*s));
	emit_call(me, a, xasprintf("%d", pid));
	CHECK(wait4(pid, s, WNOHANG | WSTOPPED | WCONTINUED, NULL) == 0);
	a = xasprintf("wait4(%d, %p, WNOHANG|WSTOPPED|WCONTINUED, NULL)", pid, s);
	emit_call(me, a, "0");
	CHECK(kill(pid, SIGCONT) == 0);
	CHECK(wait4(pid, s, WCONTINUED, NULL) == pid);
	a = xasprintf("wait4(%d, %s, WCONTINUED, NULL)", pid, sprint_status(*s));
	emit_call(me, a, xasprintf("%d", pid));
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(wait4(pid, NULL, 0, NULL) == pid);
	a = xasprintf("wait4(%d, NULL, 0, NULL)", pid);
	emit_call(me, a, xasprintf("%d", pid));

	/* Status pointer into an unmapped page: EFAULT (the child is reaped). */
	pid = spawn_zombie(0);
	b = bad_after(s, sizeof(*s));
	rc = wait4(pid, (int *) b, 0, NULL);
	CHECK(rc == -1 && errno == EFAULT);
	a = xasprintf("wait4(%d, %p, 0, NULL)", pid, b);
	emit_call(me, a, errno_ret(EFAULT));

	/* rusage pointer into an unmapped page: EFAULT as well. */
	pid = spawn_zombie(4);
	c = bad_after(ru, sizeof(*ru));
	rc = wait4(pid, s, 0, (struct rusage *) c);
	CHECK(rc == -1 && errno == EFAULT);
	a = xasprintf("wait4(%d, %p, 0, %p)", pid, s, c);
	emit_call(me, a, errno_ret(EFAULT));

	/* Unknown option bit: EINVAL. */
	pid = spawn_zombie(5);
	rc = raw_wait4(pid, s, 0x10, NULL);
	CHECK(rc == -1 && errno == EINVAL);
	a = xasprintf("wait4(%d, %p, 0x10 /* W??? */, NULL)", pid, s);
	emit_call(me, a, errno_ret(EINVAL));
	rc = raw_wait4(pid, s, WNOHANG | 0x100, NULL);
	CHECK(rc == -1 && errno == EINVAL);
	a = xasprintf("wait4(%d, %p, WNOHANG|0x100, NULL)", pid, s);
	emit_call(me, a, errno_ret(EINVAL));

	/* __WCLONE does not match a fork()ed child. */
	rc = wait4(pid, s, __WCLONE, NULL);
	CHECK(rc == -1 && errno == ECHILD);
	a = xasprintf("wait4(%d, %p, __WCLONE, NULL)", pid, s);
	emit_call(me, a, errno_ret(ECHILD));

	/* ... but __WALL|__WNOTHREAD does; pid 0 = own process group. */
	rc = wait4(0, s, __WALL | __WNOTHREAD | WNOHANG, NULL);
	CHECK(rc == pid);
	a = xasprintf("wait4(0, %s, WNOHANG|__WALL|__WNOTHREAD, NULL)",
		      sprint_status(*s));
	emit_call(me, a, xasprintf("%d", pid));

	/* A clone child with no exit signal needs __WCLONE. */
	drain_sigchld();
	fflush(stdout);
	rc = syscall(SYS_clone, 0UL, 0UL, 0UL, 0UL, 0UL);
	CHECK(rc >= 0);
	if (rc == 0)
		_exit(6);
	pid = rc;
	rc = wait4(pid, s, 0, NULL);
	CHECK(rc == -1 && errno == ECHILD);
	a = xasprintf("wait4(%d, %p, 0, NULL)", pid, s);
	emit_call(me, a, errno_ret(ECHILD));
	rc = raw_wait4(-getpgrp(), s, __WCLONE, ru);
	CHECK(rc == pid);
	a = xasprintf("wait4(%d, %s, __WCLONE, %s)", -getpgrp(),
		      sprint_status(*s), sprint_rusage(ru));
	emit_call(me, a, xasprintf("%d", pid));

	/* No children left. */
	rc = wait4(-1, s, 0, NULL);
	CHECK(rc == -1 && errno == ECHILD);
	a = xasprintf("wait4(-1, %p, 0, NULL)", s);
	emit_call(me, a, errno_ret(ECHILD));
	rc = wait4(-1, NULL, WNOHANG, ru);
	CHECK(rc == -1 && errno == ECHILD);
	a = xasprintf("wait4(-1, NULL, WNOHANG, %p)", ru);
	emit_call(me, a, errno_ret(ECHILD));

	emit_exit(0);
	return 0;
}
