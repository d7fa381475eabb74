/* stopfix: stops its child with SIGSTOP and continues it with SIGCONT,
 * checking that waitpid(WUNTRACED) and waitpid(WCONTINUED) see both, that
 * the child does not run while stopped and runs again once continued (it
 * counts in shared memory); then sends it SIGUSR1, whose handler exits 42.
 * Exits 0 if the parent saw everything it should. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usr1(int sig)
{
	(void)sig;
	_exit(42);
}

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(void)
{
	volatile unsigned long *count = mmap(NULL, sizeof *count, PROT_READ | PROT_WRITE,
					      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (count == MAP_FAILED)
		return 8;
	struct sigaction sa = {0};
	sa.sa_handler = usr1;
	if (sigaction(SIGUSR1, &sa, NULL))
		return 9;
	pid_t c = fork();
	if (c < 0)
		return 10;
	if (c == 0) {
		/* Never outlive a parent that gave up. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		for (;;)
			(*count)++;
	}
	/* Let it run a little first. */
	for (int i = 0; i < 500 && *count == 0; i++)
		nap(10);
	if (*count == 0)
		return 20;

	int st;
	if (kill(c, SIGSTOP))
		return 11;
	if (waitpid(c, &st, WUNTRACED) != c)
		return 12;
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
		return 13;
	/* Stopped means not running. */
	unsigned long before = *count;
	nap(100);
	if (*count != before)
		return 21;

	if (kill(c, SIGCONT))
		return 14;
	if (waitpid(c, &st, WCONTINUED) != c)
		return 15;
	if (!WIFCONTINUED(st))
		return 16;
	/* Continued means running again. */
	for (int i = 0; i < 500 && *count == before; i++)
		nap(10);
	if (*count == before)
		return 22;

	if (kill(c, SIGUSR1))
		return 17;
	if (waitpid(c, &st, 0) != c)
		return 18;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 42)
		return 19;
	return 0;
}
