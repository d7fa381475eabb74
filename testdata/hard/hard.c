/*
 * hard: the difficult cases of the hardening tests (hardening_*_test.go)
 * and of `make stress` (stress/main.go), in one program.
 *
 *   hard LOG MODE [N]
 *
 * Every wait-family call made by any process or thread of the fixture
 * is logged to LOG (opened O_APPEND, one write(2) per line, so lines
 * of concurrent writers never mix) as "TID CALL RET", after it
 * returns: the tests compare that log with the trace, call for call.
 * Other facts go to LOG as "TID note WORD [VALUE]".  Calls are raw
 * system calls (wait4, waitid), so the names in the trace are known.
 * On an unexpected result it prints why on stderr and exits 77.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...)                                                         \
	do {                                                              \
		fprintf(stderr, "hard:%d: ", __LINE__);                   \
		fprintf(stderr, __VA_ARGS__);                             \
		fprintf(stderr, " (errno %d: %s)\n", errno, strerror(errno)); \
		_exit(77);                                                \
	} while (0)
#define CHECK(c)                                                          \
	do {                                                              \
		if (!(c))                                                 \
			FAIL("check failed: %s", #c);                     \
	} while (0)

static int logfd = -1;

static void
logline(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(logfd, buf, n) != n)
		FAIL("write log");
}

static long
xwait4(pid_t pid, int *s, int opts, struct rusage *ru)
{
	int saved;
	long r = syscall(SYS_wait4, pid, s, opts, ru);

	saved = errno;
	logline("%d wait4 %ld\n", (int) gettid(), r);
	errno = saved;
	return r;
}

static long
xwaitid(int idtype, id_t id, siginfo_t *si, int opts, struct rusage *ru)
{
	int saved;
	long r = syscall(SYS_waitid, idtype, id, si, opts, ru);

	saved = errno;
	logline("%d waitid %ld\n", (int) gettid(), r);
	errno = saved;
	return r;
}

static void
note(const char *what, long v)
{
	logline("%d note %s %ld\n", (int) gettid(), what, v);
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static pid_t
xfork(void)
{
	pid_t p = fork();

	if (p < 0)
		FAIL("fork");
	return p;
}

/* Reap pid (or anything, -1) with wait4 and check it exited with code. */
static void
reap_exit(pid_t pid, int code)
{
	int s;
	long r = xwait4(pid, &s, 0, NULL);

	CHECK(r > 0 && (pid < 0 || r == pid));
	CHECK(WIFEXITED(s) && (code < 0 || WEXITSTATUS(s) == code));
}

static void
expect_echild(void)
{
	int s;

	CHECK(xwait4(-1, &s, 0, NULL) == -1 && errno == ECHILD);
}

/* One child reaped by the call-th of three ways. */
static void
reap_any(int call, pid_t pid, int code)
{
	int s;
	siginfo_t si;
	long r;

	switch (call % 3) {
	case 0:
		r = xwait4(pid, &s, 0, NULL);
		CHECK(r > 0 && (pid < 0 || r == pid) && WIFEXITED(s));
		CHECK(pid < 0 || WEXITSTATUS(s) == code);
		break;
	case 1:
		r = xwait4(-1, &s, 0, NULL);
		CHECK(r > 0 && WIFEXITED(s));
		break;
	default:
		memset(&si, 0, sizeof(si));
		r = xwaitid(pid < 0 ? P_ALL : P_PID, pid < 0 ? 0 : pid, &si, WEXITED, NULL);
		CHECK(r == 0 && si.si_code == CLD_EXITED && (pid < 0 || si.si_pid == pid));
		CHECK(pid < 0 || si.si_status == code);
		break;
	}
}

/* N short-lived children, forked in batches and reaped three ways. */
static int
mode_burst(int n)
{
	int done = 0;

	while (done < n) {
		int batch = n - done < 50 ? n - done : 50;
		pid_t pids[50];

		for (int i = 0; i < batch; i++) {
			pids[i] = xfork();
			if (pids[i] == 0)
				_exit((done + i) & 0x7f);
		}
		/* by pid first (wait4 and waitid P_PID), then any (wait4 -1, waitid P_ALL) */
		for (int i = 1; i < batch; i += 2)
			reap_any(i % 4 == 1 ? 0 : 2, pids[i], (done + i) & 0x7f);
		for (int i = 0; i < batch; i += 2)
			reap_any(i % 4 == 0 ? 1 : 2, -1, 0);
		done += batch;
	}
	expect_echild();
	note("children", n);
	return 0;
}

/* Threads that fork and reap at the same time. */
static int rounds = 20;

static void *
thread_main(void *arg)
{
	long idx = (long) arg;

	for (int i = 0; i < rounds; i++) {
		pid_t p = xfork();
		int s;

		if (p == 0) {
			msleep(i % 3);
			_exit(idx);
		}
		CHECK(xwait4(p, &s, 0, NULL) == p);
		CHECK(WIFEXITED(s) && WEXITSTATUS(s) == idx);
	}
	return NULL;
}

static int
mode_threads(int n)
{
	pthread_t th[64];

	CHECK(n > 0 && n <= 64);
	for (long i = 0; i < n; i++)
		CHECK(pthread_create(&th[i], NULL, thread_main, (void *) (i + 1)) == 0);
	for (int i = 0; i < n; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	expect_echild();
	return 0;
}

/* A thread other than the leader calls execve. */
static char *self_log;

static void *
exec_thread(void *arg)
{
	pid_t p = xfork();
	char *argv[] = { "hard", self_log, "after-exec", NULL };

	(void) arg;
	if (p == 0)
		_exit(2);
	reap_exit(p, 2);
	note("exec-from", gettid());
	execv("/proc/self/exe", argv);
	FAIL("execv");
}

static int
mode_thread_exec(void)
{
	pthread_t th;
	pid_t p = xfork();

	if (p == 0)
		_exit(1);
	reap_exit(p, 1);
	CHECK(pthread_create(&th, NULL, exec_thread, NULL) == 0);
	for (;;)
		pause(); /* ended by the other thread's execve */
}

static int
mode_after_exec(void)
{
	pid_t p = xfork();

	if (p == 0)
		_exit(3);
	reap_exit(p, 3);
	expect_echild();
	note("exec-done", getpid());
	return 5;
}

static int
mode_vfork(void)
{
	pid_t p = vfork();

	if (p < 0)
		FAIL("vfork");
	if (p == 0)
		_exit(4);
	reap_exit(p, 4);
	p = vfork();
	if (p == 0) {
		char *argv[] = { "hard", self_log, "exit", NULL };

		execv("/proc/self/exe", argv);
		_exit(127);
	}
	reap_exit(p, 6);
	expect_echild();
	return 0;
}

/* A child creates, with CLONE_PARENT, a sibling: ours to reap, not its. */
static int
mode_clone_parent(void)
{
	pid_t a = xfork();
	int s;

	if (a == 0) {
		long b = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);

		if (b < 0)
			FAIL("clone(CLONE_PARENT)");
		if (b == 0) {
			msleep(20);
			_exit(7);
		}
		note("sibling", b);
		CHECK(xwait4(b, &s, 0, NULL) == -1 && errno == ECHILD);
		_exit(0);
	}
	reap_exit(-1, -1);
	reap_exit(-1, -1);
	expect_echild();
	return 0;
}

/* Whether tid is blocked in system call nr (from /proc, no wait call). */
static int
blocked_in(pid_t tid, long nr)
{
	char path[64], buf[128];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int) tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtol(buf, NULL, 10) == nr && strncmp(buf, "running", 7);
}

/* A child is SIGKILLed while it is blocked in wait4. */
static int
mode_killed_in_wait(void)
{
	int fds[2], s;
	pid_t a, c;

	CHECK(pipe(fds) == 0);
	a = xfork();
	if (a == 0) {
		c = xfork();
		if (c == 0) {
			for (;;)
				pause();
		}
		CHECK(write(fds[1], &c, sizeof(c)) == sizeof(c));
		xwait4(c, &s, 0, NULL); /* never returns */
		_exit(99);
	}
	CHECK(read(fds[0], &c, sizeof(c)) == sizeof(c));
	for (int i = 0; !blocked_in(a, SYS_wait4); i++) {
		if (i > 10000)
			FAIL("child never blocked in wait4");
		msleep(1);
	}
	msleep(20);
	note("killed", a);
	CHECK(kill(a, SIGKILL) == 0);
	CHECK(xwait4(a, &s, 0, NULL) == a);
	CHECK(WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL);
	CHECK(kill(c, SIGKILL) == 0);
	expect_echild();
	return 0;
}

/* A tracee that is itself a tracer: its waitpid sees ptrace stops. */
static int
mode_tracer(void)
{
	int fds[2], s;
	char r = 0;
	pid_t c;

	CHECK(pipe(fds) == 0);
	c = xfork();
	if (c == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) {
			r = 'E';
			CHECK(write(fds[1], &r, 1) == 1);
			_exit(42); /* already traced (waittrace -f) */
		}
		r = 'T';
		CHECK(write(fds[1], &r, 1) == 1);
		raise(SIGSTOP);
		_exit(5);
	}
	CHECK(read(fds[0], &r, 1) == 1);
	if (r == 'E') {
		note("traceme-eperm", c);
		reap_exit(c, 42);
		expect_echild();
		return 0;
	}
	CHECK(xwait4(c, &s, 0, NULL) == c);
	CHECK(WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP);
	note("saw-ptrace-stop", c);
	CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
	reap_exit(c, 5);
	expect_echild();
	return 0;
}

/* A subreaper collects its grandchild, orphaned by its child. */
static int
mode_subreaper(void)
{
	pid_t a, b;
	int s;

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	a = xfork();
	if (a == 0) {
		b = xfork();
		if (b == 0) {
			msleep(50);
			_exit(9);
		}
		note("orphan", b);
		_exit(0);
	}
	reap_exit(a, 0);
	CHECK(xwait4(-1, &s, 0, NULL) > 0 && WIFEXITED(s) && WEXITSTATUS(s) == 9);
	expect_echild();
	return 0;
}

/* SIGCHLD ignored: children are auto-reaped and wait4 waits for them all, then ECHILD. */
static int
mode_sigign(void)
{
	int s;

	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < 3; i++) {
		if (xfork() == 0) {
			msleep(20 * (i + 1));
			_exit(i);
		}
	}
	CHECK(xwait4(-1, &s, 0, NULL) == -1 && errno == ECHILD);
	return 0;
}

/* For detach tests: blocked in wait4 on a paused child until the test
 * kills it; a SIGUSR1 handler (SA_RESTART) logs each signal it gets. */
static void
on_usr1(int sig)
{
	(void) sig;
	note("usr1", 1);
}

static int
mode_block(void)
{
	struct sigaction sa;
	pid_t c;
	int s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	c = xfork();
	if (c == 0) {
		for (;;)
			pause();
	}
	note("child", c);
	CHECK(xwait4(c, &s, 0, NULL) == c);
	note("status", s);
	return 0;
}

/* For detach tests: spins in user space, never in a system call, so that
 * a signal stops it at once in a signal-delivery-stop; logs each SIGUSR1. */
static int
mode_spin(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	setpriority(PRIO_PROCESS, 0, 19);
	note("ready", getpid());
	for (;;)
		__asm__ volatile("" ::: "memory");
}

/* vfork parent stuck (uninterruptibly) until its child exits. */
static int
mode_vfork_hold(int ms)
{
	pid_t p;

	note("ready", getpid());
	p = vfork();
	if (p < 0)
		FAIL("vfork");
	if (p == 0) {
		/* Sleeps before _exit, holding the parent: only raw system
		 * calls, nothing that touches the shared memory. */
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_exit, 0);
	}
	reap_exit(p, 0);
	expect_echild();
	note("done", 1);
	return 0;
}

/* Names and argv meant to break a terminal or forge trace lines. */
#define EVIL_COMM "\x1b[2J\n+++ x\r"

static int
mode_hostile(void)
{
	char *argv[] = { "\x1b]0;pwned\x07\x1b[31m", self_log, "hostile2",
			 "line1\n+++ exited with 0 +++\r", "\xff\xfe\xc3(bad utf8", NULL };

	execv("/proc/self/exe", argv);
	FAIL("execv");
}

static int
mode_hostile2(void)
{
	pid_t p;

	CHECK(prctl(PR_SET_NAME, EVIL_COMM) == 0);
	p = xfork();
	if (p == 0) {
		CHECK(prctl(PR_SET_NAME, "\x1b[5m\xff\n") == 0);
		_exit(1);
	}
	reap_exit(p, 1);
	expect_echild();
	return 0;
}

/* A process traced by an evilly named tracer (for -p on a traced one). */
static int
mode_evil_tracer(void)
{
	pid_t c = xfork();

	if (c == 0) {
		for (;;)
			pause();
	}
	CHECK(ptrace(PTRACE_SEIZE, c, 0, 0) == 0);
	CHECK(prctl(PR_SET_NAME, EVIL_COMM) == 0);
	note("traced", c);
	for (;;)
		pause();
}

/* Pointers into unmapped and partly mapped memory, huge and negative
 * arguments.  Two fixed pages, the second inaccessible, so that the
 * addresses are the same in every run; notes the pids of its children. */
#define AREA ((char *) 0x10000000)

static pid_t
zombie(void)
{
	pid_t p = xfork();
	siginfo_t si;

	if (p == 0)
		_exit(0);
	note("pid", p);
	CHECK(waitid(P_PID, p, &si, WEXITED | WNOWAIT) == 0); /* not logged: not raw */
	return p;
}

static int
mode_pointers(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *end;
	int *s;
	siginfo_t *si;
	struct rusage *ru;

	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	CHECK(sigprocmask(SIG_BLOCK, &chld, NULL) == 0); /* no SIGCHLD lines */
	CHECK(mmap(AREA, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == AREA);
	CHECK(mprotect(AREA + page, page, PROT_NONE) == 0);
	memset(AREA, 0x5a, page);
	end = AREA + page;
	s = (int *) AREA;
	si = (siginfo_t *) AREA;
	ru = (struct rusage *) (AREA + 256);

	/* A status straddling the page end. */
	xwait4(zombie(), (int *) (end - 2), 0, NULL);
	/* A rusage straddling the page end. */
	xwait4(zombie(), s, 0, (struct rusage *) (end - 100));
	/* A siginfo straddling the page end. */
	xwaitid(P_PID, zombie(), (siginfo_t *) (end - 64), WEXITED, NULL);
	/* A rusage straddling it, the siginfo fine. */
	xwaitid(P_ALL, 0, si, WEXITED, (struct rusage *) (end - 8));
	/* Pointers to nowhere, low and kernel-side. */
	xwait4(zombie(), (int *) 1, 0, (struct rusage *) 0xffff800000000000UL);
	xwaitid(P_PID, zombie(), (siginfo_t *) 0xfffffffffffff000UL, WEXITED, ru);
	/* Huge and negative arguments. */
	xwait4(INT_MIN, s, 0, NULL);
	xwait4(-1, s, (int) 0xffffffff, ru);
	xwait4(-2, s, WNOHANG, NULL);
	xwaitid(0x7fffffff, 0, si, WEXITED, NULL);
	xwaitid(P_PGID, (id_t) -5, si, WEXITED | WNOHANG, NULL);
	xwaitid(P_PIDFD, 0x7fffffff, si, WEXITED, NULL);
	xwaitid(P_ALL, 0, si, 0, NULL);
	/* Everything reaped in the end, and a clean status. */
	for (;;) {
		long r = xwait4(-1, s, 0, ru);

		if (r < 0)
			break;
	}
	return 0;
}

/* Stress: N fork+reap rounds after GOFILE exists (attach first). */
static int
mode_attach_go(const char *gofile, int n)
{
	struct stat st;

	note("ready", getpid());
	while (stat(gofile, &st) != 0)
		msleep(5);
	for (int i = 0; i < n; i++) {
		pid_t p = xfork();

		if (p == 0)
			_exit(i & 0x7f);
		reap_any(i, p, i & 0x7f);
	}
	expect_echild();
	return 0;
}

/* Stress: reap continuously for SECONDS: children that exit at once,
 * grandchildren collected as a subreaper, WNOHANG polls. */
static int
mode_soak(int seconds)
{
	time_t until = time(NULL) + seconds;
	unsigned long n = 0;
	siginfo_t si;
	int s;

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	while (time(NULL) < until) {
		int left = n % 5 == 0 ? 2 : 1;
		pid_t p = xfork();

		if (p == 0) {
			if (n % 5 == 0 && xfork() != 0)
				_exit(1); /* orphans a grandchild, ours to reap */
			_exit(0);
		}
		if (xwait4(-1, &s, WNOHANG, NULL) > 0)
			left--;
		while (left-- > 0) {
			if (n % 2)
				CHECK(xwaitid(P_ALL, 0, &si, WEXITED, NULL) == 0);
			else
				CHECK(xwait4(-1, &s, 0, NULL) > 0);
		}
		n++;
	}
	expect_echild();
	note("rounds", n);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode;
	int n;

	if (argc < 3)
		FAIL("usage: hard LOG MODE [N]");
	self_log = argv[1];
	logfd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (logfd < 0)
		FAIL("open %s", argv[1]);
	mode = argv[2];
	n = argc > 3 ? atoi(argv[3]) : 0;
	if (!strcmp(mode, "exec-dfl") && argc > 3) {
		/* Run argv[3...] with SIGPIPE at its default, not ignored. */
		signal(SIGPIPE, SIG_DFL);
		execv(argv[3], argv + 3);
		FAIL("execv %s", argv[3]);
	}
	if (!strcmp(mode, "burst"))
		return mode_burst(n ? n : 1000);
	if (!strcmp(mode, "threads"))
		return mode_threads(n ? n : 8);
	if (!strcmp(mode, "thread-exec"))
		return mode_thread_exec();
	if (!strcmp(mode, "after-exec"))
		return mode_after_exec();
	if (!strcmp(mode, "exit"))
		return 6;
	if (!strcmp(mode, "sleep")) {
		msleep(n);
		return 0;
	}
	if (!strcmp(mode, "usleep")) {
		struct timespec ts = { 0, (long) n * 1000 };

		nanosleep(&ts, NULL);
		return 0;
	}
	if (!strcmp(mode, "vfork"))
		return mode_vfork();
	if (!strcmp(mode, "clone-parent"))
		return mode_clone_parent();
	if (!strcmp(mode, "killed-in-wait"))
		return mode_killed_in_wait();
	if (!strcmp(mode, "tracer"))
		return mode_tracer();
	if (!strcmp(mode, "subreaper"))
		return mode_subreaper();
	if (!strcmp(mode, "sigign"))
		return mode_sigign();
	if (!strcmp(mode, "block"))
		return mode_block();
	if (!strcmp(mode, "spin"))
		return mode_spin();
	if (!strcmp(mode, "vfork-hold"))
		return mode_vfork_hold(n ? n : 1500);
	if (!strcmp(mode, "hostile"))
		return mode_hostile();
	if (!strcmp(mode, "hostile2"))
		return mode_hostile2();
	if (!strcmp(mode, "evil-tracer"))
		return mode_evil_tracer();
	if (!strcmp(mode, "pointers"))
		return mode_pointers();
	if (!strcmp(mode, "attach-go"))
		return mode_attach_go(argc > 4 ? argv[4] : "go", n ? n : 200);
	if (!strcmp(mode, "soak"))
		return mode_soak(n ? n : 60);
	FAIL("unknown mode %s", mode);
}
