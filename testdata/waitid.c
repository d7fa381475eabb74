/*
 * waitid fixture: makes waitid calls and prints the exact lines that
 * `strace -e trace=wait4,waitid,waitpid` writes for them.
 * Run with "-v" as argv[1] when the tracer runs with -v (full rusage).
 *
 * Note: the kernel's waitid writes only si_signo, si_errno, si_code,
 * si_pid, si_uid and si_status; si_utime and si_stime keep whatever the
 * memory held before, and a tracer prints exactly that.  So the siginfo
 * is zeroed before each call (clear_si), except once where those two
 * fields are preset to 250 and 7 ticks -- a tracer must not invent
 * values, and must print clock_t as "250 (slash-star) 2.50 s (star-slash)".
 */
#include "fixture.h"

static siginfo_t *si;
static struct rusage *ru;
static pid_t me;

static void
clear_si(void)
{
	memset(si, 0, sizeof(*si));
}

static void
ok(const char *idtype, long id, const char *opts, int with_ru)
{
	char *call = xasprintf("waitid(%s, %ld, %s, %s, %s)", idtype, id,
			       sprint_siginfo(si), opts,
			       with_ru ? sprint_rusage(ru) : "NULL");

	emit_call(me, call, "0");
}

static void
bad(const char *idtype, long id, void *info, const char *opts, void *r,
    int err)
{
	char *call = info ? xasprintf("waitid(%s, %ld, %p, %s, ", idtype, id,
				      info, opts)
			  : xasprintf("waitid(%s, %ld, NULL, %s, ", idtype, id,
				      opts);
	char *full = r ? xasprintf("%s%p)", call, r)
		       : xasprintf("%sNULL)", call);

	emit_call(me, full, errno_ret(err));
}

int
main(int argc, char **argv)
{
	pid_t pid;
	long rc;
	int fd;

	verbose_mode = argc > 1 && strcmp(argv[1], "-v") == 0;
	si = tail_alloc(sizeof(*si));
	ru = tail_alloc(sizeof(*ru));
	me = getpid();
	block_sigchld();

	/* P_PID, exited 0, through glibc (rusage NULL). */
	pid = spawn_exit(0);
	clear_si();
	CHECK(waitid(P_PID, pid, si, WEXITED) == 0);
	CHECK(si->si_code == CLD_EXITED && si->si_pid == pid);
	ok("P_PID", pid, "WEXITED", 0);

	/* P_PGID of our own group, exited 3, raw syscall with rusage and
	 * garbage in the upper halves of the int arguments. */
	pid = spawn_exit(3);
	clear_si();
	si->si_utime = 250;	/* not written by the kernel */
	si->si_stime = 7;
	CHECK(raw_waitid(P_PGID, getpgrp(), si, WEXITED, ru) == 0);
	CHECK(si->si_status == 3);
	ok("P_PGID", getpgrp(), "WEXITED", 1);

	/* P_ALL, killed by SIGTERM. */
	pid = spawn_pause();
	CHECK(kill(pid, SIGTERM) == 0);
	clear_si();
	CHECK(raw_waitid(P_ALL, 0, si, WEXITED, NULL) == 0);
	CHECK(si->si_code == CLD_KILLED);
	ok("P_ALL", 0, "WEXITED", 0);

	/* Killed by SIGSEGV, CLD_DUMPED if a core could be written. */
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
	clear_si();
	CHECK(raw_waitid(P_PID, pid, si, WEXITED, ru) == 0);
	CHECK(si->si_code == CLD_DUMPED || si->si_code == CLD_KILLED);
	ok("P_PID", pid, "WEXITED", 1);
	unlink("core");
	unlink(xasprintf("core.%d", pid));

	/* Stopped, WNOHANG with nothing to report ({}), continued. */
	pid = spawn_pause();
	clear_si();
	CHECK(waitid(P_PID, pid, si, WNOHANG | WEXITED | WSTOPPED) == 0);
	CHECK(si->si_signo == 0);
	ok("P_PID", pid, "WNOHANG|WEXITED|WSTOPPED", 0);
	CHECK(kill(pid, SIGSTOP) == 0);
	clear_si();
	CHECK(raw_waitid(P_PID, pid, si, WSTOPPED, ru) == 0);
	CHECK(si->si_code == CLD_STOPPED);
	ok("P_PID", pid, "WSTOPPED", 1);
	CHECK(kill(pid, SIGCONT) == 0);
	clear_si();
	CHECK(waitid(P_PID, pid, si, WCONTINUED) == 0);
	CHECK(si->si_code == CLD_CONTINUED);
	ok("P_PID", pid, "WCONTINUED", 0);

	/* Missing WEXITED/WSTOPPED/WCONTINUED, and an unknown bit: EINVAL. */
	clear_si();
	rc = raw_waitid(P_PID, pid, si, 0, NULL);
	CHECK(rc == -1 && errno == EINVAL);
	bad("P_PID", pid, si, "0", NULL, EINVAL);
	clear_si();
	rc = raw_waitid(P_PID, pid, si, WEXITED | 0x10, NULL);
	CHECK(rc == -1 && errno == EINVAL);
	bad("P_PID", pid, si, "WEXITED|0x10", NULL, EINVAL);

	/* Unknown idtype: EINVAL. */
	clear_si();
	rc = raw_waitid(0x77, pid, si, WEXITED, ru);
	CHECK(rc == -1 && errno == EINVAL);
	bad("0x77 /* P_??? */", pid, si, "WEXITED", ru, EINVAL);

	CHECK(kill(pid, SIGKILL) == 0);
	/* WNOWAIT leaves the zombie in place; a second call reaps it. */
	clear_si();
	CHECK(waitid(P_PID, pid, si, WEXITED | WNOWAIT) == 0);
	CHECK(si->si_code == CLD_KILLED);
	ok("P_PID", pid, "WEXITED|WNOWAIT", 0);
	clear_si();
	CHECK(raw_waitid(P_PID, pid, si, WEXITED | __WALL, ru) == 0);
	ok("P_PID", pid, "WEXITED|__WALL", 1);

	/* P_PIDFD. */
	pid = spawn_zombie(7);
	fd = syscall(SYS_pidfd_open, pid, 0);
	CHECK(fd >= 0);
	clear_si();
	CHECK(raw_waitid(P_PIDFD, fd, si, WEXITED | WNOWAIT, NULL) == 0);
	ok("P_PIDFD", fd, "WEXITED|WNOWAIT", 0);
	clear_si();
	CHECK(waitid(P_PIDFD, fd, si, WEXITED) == 0);
	CHECK(si->si_pid == pid && si->si_status == 7);
	ok("P_PIDFD", fd, "WEXITED", 0);
	/* The pidfd of a reaped process: ECHILD. */
	clear_si();
	rc = raw_waitid(P_PIDFD, fd, si, WEXITED | WNOHANG, NULL);
	CHECK(rc == -1 && errno == ECHILD);
	bad("P_PIDFD", fd, si, "WNOHANG|WEXITED", NULL, ECHILD);
	close(fd);

	/* NULL siginfo is allowed. */
	pid = spawn_zombie(1);
	clear_si();
	CHECK(raw_waitid(P_PID, pid, NULL, WEXITED, NULL) == 0);
	emit_call(me, xasprintf("waitid(P_PID, %d, NULL, WEXITED, NULL)", pid),
		  "0");

	/* siginfo in an unmapped page: EFAULT (the child is reaped). */
	pid = spawn_zombie(2);
	clear_si();
	rc = raw_waitid(P_PID, pid, bad_after(si, sizeof(*si)), WEXITED, NULL);
	CHECK(rc == -1 && errno == EFAULT);
	bad("P_PID", pid, bad_after(si, sizeof(*si)), "WEXITED", NULL, EFAULT);

	/* No children left: ECHILD. */
	clear_si();
	rc = raw_waitid(P_ALL, 0, si, WEXITED, ru);
	CHECK(rc == -1 && errno == ECHILD);
	bad("P_ALL", 0, si, "WEXITED", ru, ECHILD);

	emit_exit(0);
	return 0;
}
