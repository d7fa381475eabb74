/*
 * tamper fixture: makes wait calls and prints what the program saw (return
 * values, errno names, signals its handler got, elapsed time), so that a
 * run under strace -e inject=... and one under waittrace -e inject=... can
 * be compared from the program's side: a tampered call must look the same
 * to it under either tracer.
 *
 * Usage: tamper MODE [ARG]
 *   eintr        wait4 on a child that exits 3 after 300ms, retried on EINTR
 *   echild       wait4(-1) until it fails, with two exited children
 *   wnohang      wait4(WNOHANG) on an exited child until it is reaped
 *   signal       blocking wait4 with a SIGUSR1 handler (no SA_RESTART)
 *   delay MS     one wait4 on an exited child; says whether it took >= MS
 *   fault        five wait4(WNOHANG) on a running child, then reaps it
 *   waitid       waitid(P_PID) on an exited child, twice, then wait4
 *
 * Nothing printed depends on pids or timing beyond the MS threshold. Its
 * own pid and its children's go to stderr ("parent N", "child N") for the
 * test to mask them in the trace. SIGCHLD is blocked so that no unpredictable SIGCHLD lines
 * appear in the trace. Unexpected failures exit 77.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...)                                                   \
	do {                                                        \
		fflush(stdout);                                     \
		fprintf(stderr, "tamper.c:%d: ", __LINE__);         \
		fprintf(stderr, __VA_ARGS__);                       \
		fprintf(stderr, " (errno %d)\n", errno);            \
		exit(77);                                           \
	} while (0)

static volatile sig_atomic_t usr1_count;
static volatile sig_atomic_t usr1_code;
static int usr1_seen;

static void
on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void) sig;
	(void) uc;
	usr1_count++;
	usr1_code = si->si_code;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* spawn forks a child that sleeps ms, then exits with code. */
static pid_t
spawn(long ms, int code)
{
	fflush(stdout);
	pid_t pid = fork();

	if (pid < 0)
		FAIL("fork");
	if (pid == 0) {
		if (ms > 0)
			sleep_ms(ms);
		_exit(code);
	}
	fprintf(stderr, "child %d\n", pid);
	return pid;
}

/* zombie waits, without a wait call, until pid has exited. */
static void
zombie(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 10000; i++) {
		FILE *f = fopen(path, "r");

		if (!f)
			FAIL("fopen %s", path);
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z') {
			/* Let a tracer report the exit before the next call. */
			sleep_ms(20);
			return;
		}
		sleep_ms(1);
	}
	FAIL("child %d never exited", pid);
}

static const char *
errname(int e)
{
	switch (e) {
	case EINTR: return "EINTR";
	case ECHILD: return "ECHILD";
	case ENOSYS: return "ENOSYS";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EAGAIN: return "EAGAIN";
	}
	static char buf[32];
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* report prints one call's result as the program saw it, and any SIGUSR1
 * its handler got meanwhile. */
static void
report(const char *call, int n, long rc, int err, pid_t child, int status, int have_status)
{
	printf("%s #%d: ", call, n);
	if (rc < 0)
		printf("-1 %s", errname(err));
	else if (rc == 0)
		printf("0");
	else if (rc == child)
		printf("child");
	else
		printf("%ld (not the child)", rc);
	if (rc > 0 && have_status) {
		if (WIFEXITED(status))
			printf(", exited %d", WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			printf(", killed by %d", WTERMSIG(status));
		else
			printf(", status %#x", status);
	}
	printf("\n");
	if (usr1_count != usr1_seen) {
		printf("  SIGUSR1 x%d, si_code %d\n", usr1_count - usr1_seen, (int) usr1_code);
		usr1_seen = usr1_count;
	}
}

static long
call_wait4(pid_t pid, int *status, int options)
{
	return syscall(SYS_wait4, pid, status, options, NULL);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int status = 0;
	long rc;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "parent %d\n", getpid());
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	if (strcmp(mode, "eintr") == 0 || strcmp(mode, "signal") == 0) {
		pid = spawn(300, 3); /* long past any delay a test injects */
		for (int n = 1; n <= 5; n++) {
			status = 0;
			rc = call_wait4(pid, &status, 0);
			report("wait4", n, rc, errno, pid, status, 1);
			if (rc == pid)
				break;
		}
	} else if (strcmp(mode, "echild") == 0) {
		pid_t a = spawn(0, 0), b = spawn(0, 0);
		zombie(a);
		zombie(b);
		int reaped = 0;
		for (int n = 1; n <= 4; n++) {
			status = 0;
			rc = call_wait4(-1, &status, 0);
			int err = errno;
			if (rc == a || rc == b) {
				reaped++;
				rc = a; /* either child: print "child" */
			}
			report("wait4", n, rc, err, a, status, 1);
			if (rc < 0)
				break;
		}
		printf("reaped %d of 2\n", reaped);
	} else if (strcmp(mode, "wnohang") == 0) {
		pid = spawn(0, 4);
		zombie(pid);
		for (int n = 1; n <= 3; n++) {
			status = 0;
			rc = call_wait4(pid, &status, WNOHANG);
			report("wait4", n, rc, errno, pid, status, 1);
			if (rc == pid)
				break;
		}
	} else if (strcmp(mode, "delay") == 0) {
		long ms = argc > 2 ? atol(argv[2]) : 100;
		pid = spawn(0, 0);
		zombie(pid);
		double t0 = now();
		rc = call_wait4(pid, &status, 0);
		double took = now() - t0;
		report("wait4", 1, rc, errno, pid, status, 1);
		printf("took >= %ldms: %s\n", ms, took * 1000 >= ms ? "yes" : "no");
	} else if (strcmp(mode, "fault") == 0) {
		int fds[2];
		if (pipe(fds) < 0)
			FAIL("pipe");
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			FAIL("fork");
		if (pid == 0) {
			char c;
			close(fds[1]);
			while (read(fds[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(6);
		}
		fprintf(stderr, "child %d\n", pid);
		close(fds[0]);
		for (int n = 1; n <= 4; n++) {
			rc = call_wait4(pid, &status, WNOHANG);
			report("wait4", n, rc, errno, pid, status, 1);
		}
		close(fds[1]);
		zombie(pid);
		status = 0;
		rc = call_wait4(pid, &status, 0);
		report("wait4", 5, rc, errno, pid, status, 1);
	} else if (strcmp(mode, "waitid") == 0) {
		pid = spawn(0, 5);
		zombie(pid);
		for (int n = 1; n <= 2; n++) {
			siginfo_t si;
			memset(&si, 0, sizeof(si));
			rc = syscall(SYS_waitid, P_PID, pid, &si, WEXITED, NULL);
			int err = errno;
			if (rc == 0 && si.si_pid == pid) {
				printf("waitid #%d: 0, child exited %d\n", n, si.si_status);
				break;
			}
			report("waitid", n, rc, err, pid, 0, 0);
		}
		status = 0;
		rc = call_wait4(pid, &status, WNOHANG);
		report("wait4", 1, rc, errno, pid, status, 1);
	} else {
		fprintf(stderr, "usage: tamper eintr|echild|wnohang|signal|delay MS|fault|waitid\n");
		return 2;
	}
	return 0;
}
