/*
 * sigcount: counts the terminal-ish signals a program receives, to check
 * that a tracer delivers exactly what an untraced run would.
 *
 * It installs SA_SIGINFO handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGPIPE and SIGCONT, records for each delivery the signal, si_code and
 * si_pid, and waits until one of:
 *   - -t MS milliseconds have passed since it started (default 3000);
 *   - it receives SIGUSR1;
 *   - -n N counted signals (not SIGCONT) have arrived, and then -g MS more
 *     milliseconds (default 200, to catch a duplicate) have passed.
 * Then it writes ONE line, with a single write(2), to the -o FILE (default
 * stdout):
 *
 *   INT=1 TERM=0 HUP=0 QUIT=0 PIPE=0 CONT=0 senders=INT:SI_USER:1234@512 \
 *     end=timeout ms=3001 tracer=0 status=0
 *
 *   senders   every delivery in order, SIG:si_code:si_pid@ms ("-": none);
 *             ms = milliseconds since start at delivery
 *   end       timeout | usr1 | count
 *   ms        milliseconds since start when it ended
 *   tracer    TracerPid of /proc/self/status at the end (0 = not traced)
 *   status    the exit status it is about to exit with
 *
 * -b        busy: spin on the CPU (signals unblocked) instead of sleeping
 *           in ppoll, like a compute-bound program; changes which task
 *           wins the races between a tracer and its tracee.
 * -r FILE   once the handlers are installed, write "PID PGID SID\n" to
 *           FILE.tmp and rename it to FILE (a test polls for FILE).
 * -e N      exit status when the counts are as expected (default 0).
 * -x SPEC   expected counts, e.g. "INT=1,CONT=0,TERM=0"; signals left out
 *           are not checked.  On a mismatch the line gets " MISMATCH"
 *           and the exit status is 99.  Bad usage: 2.
 *
 * Usage (a): in its own process group, signalled as a terminal would:
 *   setsid env --default-signal strace -o /tmp/t ./sigcount -r /tmp/ready \
 *       -o /tmp/res -x INT=1,CONT=0 &
 *   (wait for /tmp/ready)  kill -INT -- -<pgid of strace = $!>
 * Usage (b): only the tracer signalled: kill -INT <strace pid>.
 * ("env --default-signal": a background job of a non-interactive shell
 * starts with SIGINT and SIGQUIT ignored, which the tracer would inherit.
 * setsid does not fork there, so $! is the tracer's pid and pgid.)
 * matrix.sh in this directory runs the whole experiment matrix.
 *
 * Build: cc -O2 -Wall -o sigcount sigcount.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { S_INT, S_TERM, S_HUP, S_QUIT, S_PIPE, S_CONT, NSIG_COUNTED };

static const int signo_of[NSIG_COUNTED] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCONT
};
static const char *const name_of[NSIG_COUNTED] = {
	"INT", "TERM", "HUP", "QUIT", "PIPE", "CONT"
};

#define MAXEV 64
static volatile sig_atomic_t counts[NSIG_COUNTED];
static volatile sig_atomic_t nev;
static volatile sig_atomic_t usr1;
static int ev_idx[MAXEV], ev_code[MAXEV], ev_pid[MAXEV];
static long long ev_ms[MAXEV];
static struct timespec t_start;

static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t_start.tv_sec) * 1000LL +
	       (t.tv_nsec - t_start.tv_nsec) / 1000000;
}

static void
on_signal(int sig, siginfo_t *si, void *uc)
{
	(void) uc;
	for (int i = 0; i < NSIG_COUNTED; i++) {
		if (signo_of[i] != sig)
			continue;
		counts[i]++;
		if (nev < MAXEV) {
			ev_idx[nev] = i;
			ev_code[nev] = si->si_code;
			ev_pid[nev] = si->si_pid;
			ev_ms[nev] = now_ms();
			nev++;
		}
	}
}

static void
on_usr1(int sig)
{
	(void) sig;
	usr1 = 1;
}

static const char *
code_name(int code, char *buf, size_t len)
{
	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_KERNEL: return "SI_KERNEL";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_TKILL: return "SI_TKILL";
	case SI_TIMER: return "SI_TIMER";
	case SI_MESGQ: return "SI_MESGQ";
	case SI_ASYNCIO: return "SI_ASYNCIO";
	case SI_SIGIO: return "SI_SIGIO";
	}
	snprintf(buf, len, "%d", code);
	return buf;
}

static int
tracer_pid(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "TracerPid:");
	return p ? atoi(p + 10) : -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sigcount [-b] [-o FILE] [-r READYFILE] [-t MS] "
		"[-n N] [-g MS] [-e STATUS] [-x INT=1,CONT=0,...]\n");
	exit(2);
}

/* Parses "INT=1,CONT=0"; expect[i] = -1 when not checked. */
static void
parse_expect(const char *spec, int expect[NSIG_COUNTED])
{
	char *copy = strdup(spec), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int i;

		if (!eq)
			usage();
		*eq = '\0';
		if (!strncmp(tok, "SIG", 3))
			tok += 3;
		for (i = 0; i < NSIG_COUNTED; i++)
			if (!strcmp(tok, name_of[i]))
				break;
		if (i == NSIG_COUNTED)
			usage();
		expect[i] = atoi(eq + 1);
	}
	free(copy);
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *ready = NULL;
	long long limit_ms = 3000, grace_ms = 200, count_done_ms = -1;
	int want_n = 0, status_ok = 0, busy = 0, opt;
	int expect[NSIG_COUNTED];
	sigset_t block, waitmask;
	struct sigaction sa;
	const char *end = "timeout";

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	for (int i = 0; i < NSIG_COUNTED; i++)
		expect[i] = -1;

	while ((opt = getopt(argc, argv, "bo:r:t:n:g:e:x:")) != -1) {
		switch (opt) {
		case 'b': busy = 1; break;
		case 'o': out = optarg; break;
		case 'r': ready = optarg; break;
		case 't': limit_ms = atoll(optarg); break;
		case 'n': want_n = atoi(optarg); break;
		case 'g': grace_ms = atoll(optarg); break;
		case 'e': status_ok = atoi(optarg); break;
		case 'x': parse_expect(optarg, expect); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	/* Handlers run with all the counted signals blocked. */
	sigemptyset(&block);
	for (int i = 0; i < NSIG_COUNTED; i++)
		sigaddset(&block, signo_of[i]);
	sigaddset(&block, SIGUSR1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sa.sa_mask = block;
	for (int i = 0; i < NSIG_COUNTED; i++)
		if (sigaction(signo_of[i], &sa, NULL) < 0) {
			perror("sigaction");
			return 2;
		}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_mask = block;
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigaction");
		return 2;
	}

	/* Signals are only taken inside ppoll, so the loop below is race-free. */
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGUSR1);
	for (int i = 0; i < NSIG_COUNTED; i++)
		sigdelset(&waitmask, signo_of[i]);

	if (ready) {
		char tmp[4096], line[64];
		int fd, len;

		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		len = snprintf(line, sizeof(line), "%d %d %d\n", (int) getpid(),
			       (int) getpgrp(), (int) getsid(0));
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, line, len) != len || close(fd) < 0 ||
		    rename(tmp, ready) < 0) {
			perror(ready);
			return 2;
		}
	}

	for (;;) {
		long long now = now_ms(), wake = limit_ms;
		int total = 0;
		struct timespec ts;

		for (int i = 0; i < NSIG_COUNTED; i++)
			if (signo_of[i] != SIGCONT)
				total += counts[i];
		if (usr1) {
			end = "usr1";
			break;
		}
		if (want_n > 0 && total >= want_n && count_done_ms < 0)
			count_done_ms = now + grace_ms;
		if (count_done_ms >= 0) {
			if (now >= count_done_ms) {
				end = "count";
				break;
			}
			if (count_done_ms < wake)
				wake = count_done_ms;
		}
		if (now >= limit_ms)
			break;
		if (busy) {
			/* Spin for ~1 ms with the signals deliverable. */
			sigprocmask(SIG_SETMASK, &waitmask, NULL);
			for (long long t = now_ms(); now_ms() - t < 1;)
				;
			sigprocmask(SIG_BLOCK, &block, NULL);
			continue;
		}
		ts.tv_sec = (wake - now) / 1000;
		ts.tv_nsec = ((wake - now) % 1000) * 1000000;
		ppoll(NULL, 0, &ts, &waitmask);
	}

	/* Build the result line. Signals stay blocked from here on. */
	char line[8192], codebuf[16];
	size_t len = 0;
	int mismatch = 0, status;

	for (int i = 0; i < NSIG_COUNTED; i++) {
		len += snprintf(line + len, sizeof(line) - len, "%s%s=%d",
				i ? " " : "", name_of[i], (int) counts[i]);
		if (expect[i] >= 0 && expect[i] != counts[i])
			mismatch = 1;
	}
	len += snprintf(line + len, sizeof(line) - len, " senders=");
	if (nev == 0)
		len += snprintf(line + len, sizeof(line) - len, "-");
	for (int e = 0; e < nev && len < sizeof(line) - 100; e++)
		len += snprintf(line + len, sizeof(line) - len, "%s%s:%s:%d@%lld",
				e ? "," : "", name_of[ev_idx[e]],
				code_name(ev_code[e], codebuf, sizeof(codebuf)),
				ev_pid[e], ev_ms[e]);
	status = mismatch ? 99 : status_ok;
	len += snprintf(line + len, sizeof(line) - len,
			" end=%s ms=%lld tracer=%d status=%d%s\n", end, now_ms(),
			tracer_pid(), status, mismatch ? " MISMATCH" : "");

	int fd = 1;
	if (out) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			perror(out);
			return 2;
		}
	}
	if (write(fd, line, len) != (ssize_t) len)
		return 2;
	if (out)
		close(fd);
	return status;
}
