/*
 * A fixed set of wait calls for the -c tests (e2e/summary_test.go):
 *
 *   wait4   4 calls, 1 error (ECHILD)
 *   waitid  3 calls, 2 errors (ECHILD, EINVAL)
 *
 * and two calls whose times differ by which clock -c reads:
 *
 *   - a wait4 blocks 300 ms for a child that sleeps: wall-clock time, next
 *     to no system time;
 *   - a waitid reaps a child that has spent 200 ms of system CPU time: the
 *     kernel adds the child's time to the caller's at the reap, so the
 *     call's system time (strace -c, read from the rusage of its stops)
 *     is about 200 ms, while it waits only for the child to become a
 *     zombie after closing the pipe, next to no wall-clock time.
 *
 * So sorted by time, waitid comes first with system time and wait4 first
 * with -w. Prints "ok"; any surprise exits 77.
 */
#include "../fixture.h"

/* burn spends system CPU time reading /dev/zero until 200 ms are spent. */
static void burn(void)
{
	static char buf[1 << 20];
	int fd = open("/dev/zero", O_RDONLY);
	if (fd < 0)
		_exit(77);
	for (;;) {
		struct rusage ru;
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			_exit(77);
		getrusage(RUSAGE_SELF, &ru);
		if (ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec >= 200000)
			_exit(0);
	}
}

static pid_t spawn(void (*f)(void))
{
	pid_t c = fork();
	if (c < 0)
		exit(77);
	if (c == 0) {
		f();
		_exit(0);
	}
	return c;
}

static void nap(void)
{
	struct timespec ts = {0, 300 * 1000000};
	nanosleep(&ts, NULL);
}

static void quit(void) {}

static void expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "calls: %s: %s\n", what, strerror(errno));
		exit(77);
	}
}

int main(void)
{
	int st;
	siginfo_t si;

	/* wait4 #1: 300 ms of wall-clock time, no CPU. */
	pid_t c = spawn(nap);
	expect(wait4(c, &st, 0, NULL) == c, "wait4 napper");

	/* waitid #1: the burner's 200 ms of system time. The pipe's write end
	 * closes when the burner exits, before it becomes a zombie. */
	int p[2];
	expect(pipe(p) == 0, "pipe");
	c = fork();
	expect(c >= 0, "fork");
	if (c == 0) {
		close(p[0]);
		burn();
	}
	close(p[1]);
	char b;
	expect(read(p[0], &b, 1) == 0, "read");
	expect(waitid(P_PID, c, &si, WEXITED) == 0 && si.si_pid == c, "waitid burner");

	/* wait4 #2 and #3. */
	for (int i = 0; i < 2; i++) {
		c = spawn(quit);
		expect(wait4(c, &st, 0, NULL) == c, "wait4 child");
	}
	/* wait4 #4: ECHILD. */
	expect(wait4(-1, &st, 0, NULL) == -1 && errno == ECHILD, "wait4 ECHILD");
	/* waitid #2: ECHILD; #3: EINVAL (no WEXITED, WSTOPPED or WCONTINUED). */
	expect(waitid(P_ALL, 0, &si, WEXITED) == -1 && errno == ECHILD, "waitid ECHILD");
	expect(waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL, "waitid EINVAL");
	printf("ok\n");
	return 0;
}
