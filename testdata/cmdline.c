/*
 * cmdline: the fixture of the command-line differential test
 * (e2e/cmdline_test.go). It runs the same argv under strace and under
 * waittrace and compares the traces; this program makes the wait calls
 * those traces show, in an order no scheduling can change.
 *
 * Modes (argv[1]):
 *   calls    (default) children forked one at a time and reaped by wait4,
 *            waitid (P_PID, P_ALL, P_PIDFD) and waitpid; a WNOHANG poll
 *            that returns 0; a wait4 that blocks while its child sleeps
 *            (<unfinished ...> with -f); ECHILD and EINVAL failures.
 *   signals  the same kind of calls with signals delivered at fixed
 *            points: SIGUSR1 to itself, a SIGCHLD it unblocks, a child
 *            killed by SIGTERM.
 *   exec     a child that executes /bin/true (for -b execve).
 *
 * SIGCHLD stays blocked (except where "signals" unblocks it on purpose),
 * and each child is reaped only once it is a zombie, so the tracer has
 * printed its "+++ exited +++" line before the wait call that reaps it.
 *
 * Stdout says what each call returned, without pids: it must be the same
 * under both tracers. The pids go to the file named by $CMDLINE_PIDS,
 * one "NAME PID" a line, for the test to mask them. The process exits 7.
 */
#include "fixture.h"

static FILE *pidfile;

static void
note(const char *name, pid_t pid)
{
	if (!pidfile)
		return;
	fprintf(pidfile, "%s %d\n", name, (int) pid);
	fflush(pidfile);
}

/* The outcome of a call: its return value relative to the child's pid. */
static void
report(const char *what, long ret, pid_t child, int status)
{
	int err = errno;

	if (ret == child && child > 0)
		printf("%s = child, status %#x\n", what, status);
	else if (ret < 0)
		printf("%s = -1 errno %d\n", what, err);
	else
		printf("%s = %ld\n", what, ret);
}

static void
report_si(const char *what, long ret, const siginfo_t *si, pid_t child)
{
	int err = errno;

	if (ret < 0)
		printf("%s = -1 errno %d\n", what, err);
	else
		printf("%s = %ld, si_code %d, si_status %d, si_pid %s\n", what,
		       ret, si->si_code, si->si_status,
		       si->si_pid == child ? "child" : "other");
}

/* Whether process pid is blocked in a wait call: 1, 0, or -1 if /proc
 * does not say. */
static int
in_wait(pid_t pid)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int) pid);
	if (!(f = fopen(path, "r")))
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (!strcmp(buf, "0") || !buf[0])
		return -1;
	return !strcmp(buf, "do_wait");
}

/*
 * Wait until process pid is in system call nr (pause), as
 * /proc/PID/syscall says; if it does not say, go on after a while.
 * A signal then finds it there, and -n prints nr on its lines.
 */
static void
await_syscall(pid_t pid, long nr)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int) pid);
	for (int i = 0; i < 10000; i++) {
		FILE *f = fopen(path, "r");
		long got = -1;

		if (!f)
			break;
		if (fscanf(f, "%ld", &got) != 1)
			got = -1;
		fclose(f);
		if (got == nr)
			return;
		msleep(1);
	}
	msleep(100);
}

/*
 * fork a child that, once running, tells us through a pipe, then sleeps
 * forever (ms < 0), or exits with code once we are blocked in a wait call
 * (ms > 0; after ms milliseconds if /proc does not say). A child runs
 * only once a tracer following forks has announced it ("Process N
 * attached"), so that message comes before any later line of ours; and
 * the tracer has printed our wait call's entry before the child exits.
 */
static pid_t
spawn_ready(long ms, int code)
{
	int p[2];
	char c;
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
		close(p[1]);
		if (ms < 0)
			for (;;)
				pause();
		for (long i = 0; i < 10000 && in_wait(getppid()) == 0; i++)
			msleep(1);
		if (in_wait(getppid()) < 0)
			msleep(ms);
		_exit(code);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		FAIL("read");
	close(p[0]);
	if (ms < 0)
		await_syscall(pid, SYS_pause);
	return pid;
}

static void
calls(void)
{
	struct rusage ru;
	siginfo_t si;
	int status = 0, fd;
	long ret;
	pid_t pid;

	/* wait4 on a zombie, with a rusage. */
	pid = spawn_zombie(3);
	note("A", pid);
	ret = wait4(pid, &status, 0, &ru);
	report("wait4 A", ret, pid, status);

	/* waitid P_PID. */
	pid = spawn_zombie(0);
	note("B", pid);
	memset(&si, 0, sizeof(si));
	ret = waitid(P_PID, pid, &si, WEXITED);
	report_si("waitid B", ret, &si, pid);

	/* waitpid: glibc makes it wait4(pid, &status, 0, NULL). */
	pid = spawn_zombie(5);
	note("C", pid);
	ret = waitpid(pid, &status, 0);
	report("waitpid C", ret, pid, status);

	/* A WNOHANG poll that finds nothing, then P_ALL after SIGKILL. */
	drain_sigchld();
	pid = spawn_ready(-1, 0);
	note("D", pid);
	ret = wait4(-1, &status, WNOHANG, NULL);
	report("wait4 WNOHANG", ret, pid, status);
	if (kill(pid, SIGKILL))
		FAIL("kill");
	await_sigchld();
	memset(&si, 0, sizeof(si));
	ret = syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, &ru);
	report_si("waitid D", ret, &si, pid);

	/* waitid P_PIDFD (for -y), with WNOWAIT first. */
	pid = spawn_zombie(4);
	note("E", pid);
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		FAIL("pidfd_open");
	memset(&si, 0, sizeof(si));
	ret = waitid(P_PIDFD, fd, &si, WEXITED | WNOWAIT);
	report_si("waitid E WNOWAIT", ret, &si, pid);
	memset(&si, 0, sizeof(si));
	ret = waitid(P_PIDFD, fd, &si, WEXITED);
	report_si("waitid E", ret, &si, pid);
	close(fd);

	/* A wait4 that blocks until its child, asleep, exits. */
	pid = spawn_ready(100, 1);
	note("F", pid);
	ret = wait4(pid, &status, 0, NULL);
	report("wait4 F", ret, pid, status);

	/* Failures: ECHILD, and EINVAL for an unknown idtype. */
	ret = wait4(-1, &status, 0, NULL);
	report("wait4 none", ret, 0, status);
	ret = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
	report_si("waitid none", ret, &si, 0);
	ret = syscall(SYS_waitid, 7, 0, &si, WEXITED, NULL);
	report_si("waitid 7", ret, &si, 0);
}

static volatile sig_atomic_t caught[NSIG];

static void
handler(int sig)
{
	caught[sig]++;
}

static void
signals(void)
{
	struct sigaction sa;
	sigset_t chld;
	int status = 0;
	long ret;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGCHLD, &sa, NULL))
		FAIL("sigaction");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);

	/* SIGUSR1 to itself, delivered as kill returns. */
	if (kill(getpid(), SIGUSR1))
		FAIL("kill");
	printf("SIGUSR1 caught %d\n", (int) caught[SIGUSR1]);

	/* A child's SIGCHLD, delivered when it is unblocked. */
	drain_sigchld();
	pid = spawn_exit(2);
	note("A", pid);
	for (int i = 0;; i++) {
		sigset_t pending;

		if (sigpending(&pending))
			FAIL("sigpending");
		if (sigismember(&pending, SIGCHLD))
			break;
		if (i == 20000)
			FAIL("no SIGCHLD");
		msleep(1);
	}
	if (sigprocmask(SIG_UNBLOCK, &chld, NULL) ||
	    sigprocmask(SIG_BLOCK, &chld, NULL))
		FAIL("sigprocmask");
	printf("SIGCHLD caught %d\n", (int) caught[SIGCHLD]);
	ret = wait4(pid, &status, 0, NULL);
	report("wait4 A", ret, pid, status);

	/* A child killed by SIGTERM. */
	drain_sigchld();
	pid = spawn_ready(-1, 0);
	note("B", pid);
	if (kill(pid, SIGTERM))
		FAIL("kill");
	await_sigchld();
	ret = wait4(pid, &status, 0, NULL);
	report("wait4 B", ret, pid, status);

	/* SIGUSR1 once more, then ECHILD. */
	if (kill(getpid(), SIGUSR1))
		FAIL("kill");
	printf("SIGUSR1 caught %d\n", (int) caught[SIGUSR1]);
	ret = wait4(-1, &status, WNOHANG, NULL);
	report("wait4 none", ret, 0, status);
}

static void
execs(void)
{
	int status = 0;
	long ret;
	pid_t pid;

	drain_sigchld();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		FAIL("fork");
	if (pid == 0) {
		execl("/bin/true", "true", (char *) NULL);
		_exit(99);
	}
	note("A", pid);
	await_sigchld();
	ret = wait4(pid, &status, 0, NULL);
	report("wait4 A", ret, pid, status);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "calls";
	const char *path = getenv("CMDLINE_PIDS");
	const char *var = getenv("CMDLINE_VAR");

	block_sigchld();
	if (path && !(pidfile = fopen(path, "a")))
		FAIL("fopen %s", path);
	note("P", getpid());
	printf("mode %s, uid %d, CMDLINE_VAR %s\n", mode, (int) getuid(),
	       var ? var : "unset");
	if (!strcmp(mode, "calls"))
		calls();
	else if (!strcmp(mode, "signals"))
		signals();
	else if (!strcmp(mode, "exec"))
		execs();
	else
		FAIL("unknown mode %s", mode);
	fflush(stdout);
	return 7;
}
