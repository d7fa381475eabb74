/*
 * The timeline's end-to-end fixture: a parent that makes each thing the
 * timeline shows happen once, and writes what it made (pids, tids) to the
 * file named by argv[1], for the test to compare with what Chrome DevTools'
 * trace model reads from the timeline.
 *
 *   exit3   execs "sh -c 'exit 3'"; left a zombie for 50 ms, then reaped
 *           by wait4 (a flow from it to that call)
 *   term    killed by SIGTERM; waitid(WNOWAIT) peeks, waitid reaps
 *   stop    stops itself with SIGSTOP (a group-stop); wait4(WUNTRACED)
 *           sees the stop, SIGCONT, then wait4 reaps it
 *   worker  a second thread forks and execs /bin/true with an argument
 *           that is not UTF-8, then blocks in wait4 until it is reaped
 *   finally wait4(-1) fails with ECHILD
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static FILE *account;

static void die(const char *what)
{
	perror(what);
	exit(100);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void *worker(void *arg)
{
	(void)arg;
	pid_t c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		execl("/bin/true", "true", "caf\xe9", (char *)NULL);
		_exit(101);
	}
	int st;
	if (wait4(c, &st, 0, NULL) != c)
		die("worker wait4");
	fprintf(account, "worker %ld %d\n", (long)syscall(SYS_gettid), (int)c);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s ACCOUNT-FILE\n", argv[0]);
		return 2;
	}
	account = fopen(argv[1], "w");
	if (!account)
		die(argv[1]);
	int st;

	pid_t c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
		_exit(101);
	}
	sleep_ms(50); /* it exits meanwhile: a zombie for a while */
	if (wait4(c, &st, 0, NULL) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
		die("wait4 exit3");
	fprintf(account, "exit3 %d\n", (int)c);

	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		pause();
		_exit(102);
	}
	kill(c, SIGTERM);
	siginfo_t si;
	if (waitid(P_PID, c, &si, WEXITED | WNOWAIT) != 0)
		die("waitid WNOWAIT");
	if (waitid(P_PID, c, &si, WEXITED) != 0 || si.si_code != CLD_KILLED)
		die("waitid term");
	fprintf(account, "term %d\n", (int)c);

	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	if (wait4(c, &st, WUNTRACED, NULL) != c || !WIFSTOPPED(st))
		die("wait4 WUNTRACED");
	kill(c, SIGCONT);
	if (wait4(c, &st, 0, NULL) != c || !WIFEXITED(st))
		die("wait4 stop");
	fprintf(account, "stop %d\n", (int)c);

	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		die("pthread_create");
	pthread_join(t, NULL);

	if (wait4(-1, NULL, 0, NULL) != -1)
		die("wait4 -1");
	fprintf(account, "parent %d\n", (int)getpid());
	fclose(account);
	return 0;
}
