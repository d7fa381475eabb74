/* tamperfix: wait calls whose results the test tampers with; it checks what
 * it sees and exits 0 if that is what the test asked for, else with the
 * number of the failed check. SIGCHLD is blocked so that no wait call is
 * interrupted except by the test.
 *
 *   tamperfix eintr    first wait4 on a child (which exits 3) fails with
 *                      EINTR, the second reaps it
 *   tamperfix zero     wait4(WNOHANG) on an exited child returns 0, the
 *                      second reaps it
 *   tamperfix signal   a blocking wait4 is interrupted by SIGUSR1 from the
 *                      kernel (si_code SI_KERNEL), the second reaps
 *   tamperfix delay    a child makes a wait4 of its own (ECHILD) and exits
 *                      while its parent's wait4 for it is held
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, usr1_code;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void) sig;
	(void) uc;
	usr1++;
	usr1_code = si->si_code;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long w4(pid_t pid, int *st, int opt)
{
	return syscall(SYS_wait4, pid, st, opt, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	int st = 0;

	if (strcmp(mode, "eintr") == 0 || strcmp(mode, "signal") == 0) {
		pid_t pid = fork();
		if (pid < 0)
			return 10;
		if (pid == 0) {
			sleep_ms(strcmp(mode, "signal") == 0 ? 300 : 50);
			_exit(3);
		}
		if (w4(pid, &st, 0) != -1 || errno != EINTR)
			return 11;
		if (strcmp(mode, "signal") == 0 && (usr1 != 1 || usr1_code != 0x80))
			return 12;
		if (w4(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
			return 13;
		return 0;
	}
	if (strcmp(mode, "zero") == 0) {
		pid_t pid = fork();
		if (pid < 0)
			return 20;
		if (pid == 0)
			_exit(4);
		sleep_ms(100);
		if (w4(pid, &st, WNOHANG) != 0)
			return 21;
		if (w4(pid, &st, WNOHANG) != pid || WEXITSTATUS(st) != 4)
			return 22;
		return 0;
	}
	if (strcmp(mode, "delay") == 0) {
		pid_t pid = fork();
		if (pid < 0)
			return 30;
		if (pid == 0) {
			sleep_ms(50);
			_exit(w4(-1, &st, 0) == -1 && errno == ECHILD ? 5 : 6);
		}
		if (w4(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 5)
			return 31;
		return 0;
	}
	return 2;
}
