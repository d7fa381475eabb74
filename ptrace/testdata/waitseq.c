/* waitseq: a deterministic sequence of wait calls, for comparing the two ways
 * the engine reads syscall stops. SIGCHLD is blocked so that no wait call is
 * interrupted (and restarted) depending on timing. Exits 0 if every call
 * returned what it should. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return 10;

	pid_t a = fork();
	if (a < 0)
		return 11;
	if (a == 0)
		_exit(3);
	int st;
	if (wait4(a, &st, 0, NULL) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
		return 12;

	pid_t b = fork();
	if (b < 0)
		return 13;
	if (b == 0)
		_exit(4);
	siginfo_t si = {0};
	if (waitid(P_PID, b, &si, WEXITED) != 0 || si.si_pid != b || si.si_code != CLD_EXITED || si.si_status != 4)
		return 14;

	/* No child left: ECHILD. */
	if (wait4(-1, &st, 0, NULL) != -1 || errno != ECHILD)
		return 15;
	return 0;
}
