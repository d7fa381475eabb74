/*
 * follow fixture, for `-f`: a parent whose children wait for their own
 * children, so the trace holds several processes, each line prefixed
 * with "%-5d " (the pid), plus "+++ exited/killed +++" and
 * "--- SIG... ---" lines.  Prints the exact expected trace.
 *
 * Determinism: at any time only one process does anything a tracer
 * reports; the others sit in untraced calls (read on a pipe, sigpending
 * polls).  A real parent learns of a traced child's death only after the
 * tracer has reaped it (and printed its "+++" line), so waiting for a
 * pending SIGCHLD before calling wait4 orders the lines for certain.
 */
#include "fixture.h"

static int *s;

static void
child_ready_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		FAIL("read");
	close(fd);
}

/* fork a child that tells us through a pipe that it is in pause(). */
static pid_t
spawn_ready_pause(void)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		FAIL("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		FAIL("fork");
	if (pid == 0) {
		close(p[0]);
		if (write(p[1], "r", 1) != 1)
			_exit(98);
		for (;;)
			pause();
	}
	close(p[1]);
	child_ready_wait(p[0]);
	return pid;
}

/* First child: reaps three grandchildren of its own, then exits 0. */
static void
first_child(void)
{
	pid_t me = getpid();
	pid_t g;
	siginfo_t *si = tail_alloc(sizeof(*si));

	/* A grandchild that exits with 3, reaped once it is a zombie. */
	g = spawn_zombie(3);
	emit_line(g, "+++ exited with 3 +++");
	CHECK(wait4(g, s, 0, NULL) == g);
	emit_call(me, xasprintf("wait4(%d, %s, 0, NULL)", g,
				sprint_status(*s)), xasprintf("%d", g));

	/* A grandchild killed by SIGKILL (no signal-delivery line). */
	g = spawn_ready_pause();
	drain_sigchld();
	CHECK(kill(g, SIGKILL) == 0);
	await_sigchld();
	emit_line(g, "+++ killed by SIGKILL +++");
	memset(si, 0, sizeof(*si));
	CHECK(waitid(P_PID, g, si, WEXITED) == 0);
	emit_call(me, xasprintf("waitid(P_PID, %d, %s, WEXITED, NULL)", g,
				sprint_siginfo(si)), "0");

	/* A grandchild killed by SIGTERM: the tracer shows the signal. */
	g = spawn_ready_pause();
	drain_sigchld();
	CHECK(kill(g, SIGTERM) == 0);
	await_sigchld();
	emit_line(g, xasprintf("--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER"
			       ", si_pid=%d, si_uid=%u} ---", me, getuid()));
	emit_line(g, "+++ killed by SIGTERM +++");
	CHECK(wait4(-1, s, 0, NULL) == g);
	emit_call(me, xasprintf("wait4(-1, %s, 0, NULL)", sprint_status(*s)),
		  xasprintf("%d", g));

	CHECK(wait4(-1, s, WNOHANG, NULL) == -1 && errno == ECHILD);
	emit_call(me, xasprintf("wait4(-1, %p, WNOHANG, NULL)", s),
		  errno_ret(ECHILD));
	emit_exit(0);
	_exit(0);
}

/* Read the first field (syscall number) of /proc/PID/syscall and the
 * state letter of /proc/PID/stat. */
static int
blocked_in(pid_t pid, long nr)
{
	char buf[512];
	char *p;
	int fd;
	ssize_t n;
	long cur;

	fd = open(xasprintf("/proc/%d/syscall", pid), O_RDONLY);
	if (fd < 0)
		FAIL("open /proc/%d/syscall", pid);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%ld", &cur) != 1 || cur != nr)
		return 0;
	fd = open(xasprintf("/proc/%d/stat", pid), O_RDONLY);
	if (fd < 0)
		FAIL("open /proc/%d/stat", pid);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static volatile sig_atomic_t got_sigchld;
static siginfo_t handled;

static void
on_sigchld(int sig, siginfo_t *info, void *uc)
{
	(void) sig;
	(void) uc;
	handled = *info;
	got_sigchld = 1;
}

int
main(void)
{
	struct rusage *ru = tail_alloc(sizeof(*ru));
	pid_t me = getpid();
	pid_t pid;
	sigset_t chld;

	follow_mode = 1;
	s = tail_alloc(sizeof(*s));
	block_sigchld();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);

	/* 1. A child that reaps grandchildren; we stay quiet meanwhile. */
	drain_sigchld();
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		first_child();
	await_sigchld();
	CHECK(wait4(-1, s, 0, NULL) == pid);
	emit_call(me, xasprintf("wait4(-1, %s, 0, NULL)", sprint_status(*s)),
		  xasprintf("%d", pid));

	/* 2. A wait4 that really blocks: the child exits only once we are
	 * asleep inside wait4, so the tracer has printed the call's start
	 * and must mark it unfinished, then resume it. */
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (int i = 0; !blocked_in(me, SYS_wait4); i++) {
			if (i > 20000)
				_exit(97);
			msleep(1);
		}
		_exit(5);
	}
	CHECK(wait4(pid, s, 0, ru) == pid);
	emit_line(me, xasprintf("wait4(%d,  <unfinished ...>", pid));
	emit_line(pid, "+++ exited with 5 +++");
	emit_call(me, xasprintf("<... wait4 resumed>%s, 0, %s)",
				sprint_status(*s), sprint_rusage(ru)),
		  xasprintf("%d", pid));

	/* 3. A SIGCHLD delivered at a point of our choosing, its siginfo
	 * (including si_utime/si_stime) taken from our own handler. */
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigchld;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	}
	drain_sigchld();
	pid = spawn_exit(4);
	for (int i = 0;; i++) {
		sigset_t pend;

		CHECK(sigpending(&pend) == 0);
		if (sigismember(&pend, SIGCHLD))
			break;
		CHECK(i < 20000);
		msleep(1);
	}
	CHECK(sigprocmask(SIG_UNBLOCK, &chld, NULL) == 0);
	CHECK(sigprocmask(SIG_BLOCK, &chld, NULL) == 0);
	CHECK(got_sigchld && handled.si_pid == pid);
	emit_line(pid, "+++ exited with 4 +++");
	emit_line(me, xasprintf("--- SIGCHLD %s ---", sprint_siginfo(&handled)));
	CHECK(wait4(pid, s, WNOHANG, NULL) == pid);
	emit_call(me, xasprintf("wait4(%d, %s, WNOHANG, NULL)", pid,
				sprint_status(*s)), xasprintf("%d", pid));

	CHECK(wait4(-1, s, 0, NULL) == -1 && errno == ECHILD);
	emit_call(me, xasprintf("wait4(-1, %p, 0, NULL)", s), errno_ret(ECHILD));
	emit_exit(0);
	return 0;
}
