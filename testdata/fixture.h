/*
 * Shared helpers for waittrace's self-checking fixtures.
 *
 * Every fixture makes real wait-family system calls and prints to stdout
 * the exact lines that `strace -e trace=wait4,waitid,waitpid` (and so
 * waittrace) must write for them, using the real pids, pointers and
 * values the fixture just saw -- the style of strace's own tests/wait4.c.
 * The integration test diffs the tracer's -o file against this stdout.
 *
 * Conventions:
 *  - SIGCHLD is kept blocked (block_sigchld) so that no unpredictable
 *    "--- SIGCHLD ... ---" lines appear; a fixture that wants such a line
 *    unblocks it at a point of its choosing (deliver_sigchld).
 *  - Children never touch stdio; they leave with _exit().
 *  - Any unexpected result is reported on stderr and the fixture exits 77.
 */
#ifndef WAITTRACE_FIXTURE_H
#define WAITTRACE_FIXTURE_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Not every fixture uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

#ifndef __WNOTHREAD
#define __WNOTHREAD 0x20000000
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Set to 1 by fixtures traced with -f: every line gets a "%-5d " prefix. */
static int follow_mode;

#define FAIL(...)                                                         \
	do {                                                              \
		fflush(stdout);                                           \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);           \
		fprintf(stderr, __VA_ARGS__);                             \
		fprintf(stderr, " (errno %d: %s)\n", errno, strerror(errno)); \
		exit(77);                                                 \
	} while (0)

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond))                                              \
			FAIL("check failed: %s", #cond);                  \
	} while (0)

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		FAIL("vasprintf");
	va_end(ap);
	return s;
}

static char *
prefix(pid_t pid)
{
	return follow_mode ? xasprintf("%-5d ", (int) pid) : xasprintf("%s", "");
}

/* A line without a return value: signal and exit lines. */
static void
emit_line(pid_t pid, const char *text)
{
	char *p = prefix(pid);

	printf("%s%s\n", p, text);
	free(p);
}

/*
 * A complete syscall line: strace pads the call to column 40 before
 * " = " (its -a default), counting the pid prefix.
 */
static void
emit_call(pid_t pid, const char *call, const char *ret)
{
	char *p = prefix(pid);
	int col = (int) (strlen(p) + strlen(call));

	if (col < 40)
		printf("%s%s%*s= %s\n", p, call, 40 - col, "", ret);
	else
		printf("%s%s = %s\n", p, call, ret);
	free(p);
}

static const char *
errno_ret(int err)
{
	switch (err) {
	case ECHILD: return "-1 ECHILD (No child processes)";
	case EINVAL: return "-1 EINVAL (Invalid argument)";
	case EFAULT: return "-1 EFAULT (Bad address)";
	case ESRCH: return "-1 ESRCH (No such process)";
	case EBADF: return "-1 EBADF (Bad file descriptor)";
	}
	FAIL("unexpected errno %d", err);
}

static const char *const signames[] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

static const char *
signame(int sig)
{
	if (sig > 0 && sig < (int) (sizeof(signames) / sizeof(signames[0])) &&
	    signames[sig])
		return signames[sig];
	FAIL("no name for signal %d", sig);
}

/* strace's rendering of a wait status that was written. */
static char *
sprint_status(int s)
{
	if (WIFEXITED(s))
		return xasprintf("[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]",
				 WEXITSTATUS(s));
	if (WIFSIGNALED(s))
		return xasprintf("[{WIFSIGNALED(s) && WTERMSIG(s) == %s%s}]",
				 signame(WTERMSIG(s)),
				 WCOREDUMP(s) ? " && WCOREDUMP(s)" : "");
	if (WIFSTOPPED(s))
		return xasprintf("[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]",
				 signame(WSTOPSIG(s)));
	if (WIFCONTINUED(s))
		return xasprintf("[{WIFCONTINUED(s)}]");
	FAIL("unexpected status %#x", s);
}

/* Set to 1 (by "-v" in argv) when the tracer runs with -v. */
static int verbose_mode;

static char *
sprint_rusage(const struct rusage *ru)
{
	char *tail;
	char *s;

	if (verbose_mode)
		tail = xasprintf(", ru_maxrss=%ld, ru_ixrss=%ld, ru_idrss=%ld"
				 ", ru_isrss=%ld, ru_minflt=%ld, ru_majflt=%ld"
				 ", ru_nswap=%ld, ru_inblock=%ld"
				 ", ru_oublock=%ld, ru_msgsnd=%ld"
				 ", ru_msgrcv=%ld, ru_nsignals=%ld"
				 ", ru_nvcsw=%ld, ru_nivcsw=%ld}",
				 ru->ru_maxrss, ru->ru_ixrss, ru->ru_idrss,
				 ru->ru_isrss, ru->ru_minflt, ru->ru_majflt,
				 ru->ru_nswap, ru->ru_inblock, ru->ru_oublock,
				 ru->ru_msgsnd, ru->ru_msgrcv, ru->ru_nsignals,
				 ru->ru_nvcsw, ru->ru_nivcsw);
	else
		tail = xasprintf(", ...}");
	s = xasprintf("{ru_utime={tv_sec=%lld, tv_usec=%lld}"
		      ", ru_stime={tv_sec=%lld, tv_usec=%lld}%s",
		      (long long) ru->ru_utime.tv_sec,
		      (long long) ru->ru_utime.tv_usec,
		      (long long) ru->ru_stime.tv_sec,
		      (long long) ru->ru_stime.tv_usec, tail);
	free(tail);
	return s;
}

static const char *
cld_code(int code)
{
	switch (code) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_TRAPPED: return "CLD_TRAPPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	}
	FAIL("unexpected si_code %d", code);
}

/*
 * strace prints clock_t values (si_utime, si_stime) as the number of
 * clock ticks, followed, when nonzero, by the time in seconds at
 * USER_HZ=100: "250 (slash-star) 2.50 s (star-slash)".
 */
static char *
sprint_clock(unsigned long long v)
{
	if (v == 0)
		return xasprintf("0");
	return xasprintf("%llu /* %llu.%02llu s */", v, v / 100, v % 100);
}

/* strace's rendering of a SIGCHLD siginfo (from waitid or a signal). */
static char *
sprint_siginfo(const siginfo_t *si)
{
	char *status;
	char *s;

	if (si->si_signo == 0)
		return xasprintf("{}");
	CHECK(si->si_signo == SIGCHLD);
	if (si->si_code == CLD_EXITED)
		status = xasprintf("%d", si->si_status);
	else
		status = xasprintf("%s", signame(si->si_status));
	s = xasprintf("{si_signo=SIGCHLD, si_code=%s, si_pid=%d, si_uid=%u"
		      ", si_status=%s, si_utime=%s, si_stime=%s}",
		      cld_code(si->si_code), (int) si->si_pid,
		      (unsigned) si->si_uid, status,
		      sprint_clock((unsigned long) si->si_utime),
		      sprint_clock((unsigned long) si->si_stime));
	free(status);
	return s;
}

/*
 * Memory for an object of the given size that ends exactly where an
 * inaccessible page begins, so any over-read or over-write faults.
 */
static void *
tail_alloc(size_t size)
{
	size_t page = (size_t) sysconf(_SC_PAGESIZE);
	size_t len = (size + page - 1) / page * page;
	char *p = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		FAIL("mmap");
	if (mprotect(p + len, page, PROT_NONE))
		FAIL("mprotect");
	memset(p, 0xbd, len);
	return p + len - size;
}

/* An address inside the inaccessible page following an object. */
static void *
bad_after(void *obj, size_t size)
{
	return (char *) obj + size;
}

static void
block_sigchld(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		FAIL("sigprocmask");
}

/*
 * Discard a pending SIGCHLD without delivering it (rt_sigtimedwait is
 * not traced, and a consumed signal is never reported by a tracer).
 */
static void
drain_sigchld(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	while (sigtimedwait(&set, NULL, &zero) == SIGCHLD)
		;
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Wait (without any wait-family call) until SIGCHLD is pending, i.e. a
 * child changed state.  Under a tracer the real parent is notified of a
 * traced child's death only after the tracer has reaped it, so once this
 * returns the tracer has already printed the child's "+++ ... +++" line.
 * SIGCHLD must be blocked and should have been drained beforehand.
 */
static void
await_sigchld(void)
{
	sigset_t set;

	for (int i = 0; i < 20000; i++) {
		if (sigpending(&set))
			FAIL("sigpending");
		if (sigismember(&set, SIGCHLD)) {
			drain_sigchld();
			return;
		}
		msleep(1);
	}
	FAIL("timed out waiting for SIGCHLD");
}

/* fork a child that exits with the given code at once. */
static pid_t
spawn_exit(int code)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		FAIL("fork");
	if (pid == 0)
		_exit(code);
	return pid;
}

/* fork a child that sits in pause() until a signal ends it. */
static pid_t
spawn_pause(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		FAIL("fork");
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* spawn_exit, then wait until the child is a zombie. */
static pid_t
spawn_zombie(int code)
{
	pid_t pid;

	drain_sigchld();
	pid = spawn_exit(code);
	await_sigchld();
	return pid;
}

/* Raw wait4 with garbage in the upper halves of the int arguments. */
static long
raw_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	unsigned long hi = 0xfacefeed00000000UL;

	return syscall(SYS_wait4, hi | (unsigned int) pid, status,
		       hi | (unsigned int) options, ru);
}

/* Raw waitid with garbage in the upper halves and a rusage argument. */
static long
raw_waitid(int idtype, int id, siginfo_t *si, int options, struct rusage *ru)
{
	unsigned long hi = 0xdeadbeef00000000UL;

	return syscall(SYS_waitid, hi | (unsigned int) idtype,
		       hi | (unsigned int) id, si,
		       hi | (unsigned int) options, ru);
}

static void
emit_exit(int code)
{
	char *line = xasprintf("+++ exited with %d +++", code);

	emit_line(getpid(), line);
	free(line);
	fflush(stdout);
}

#endif
