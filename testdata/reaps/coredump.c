/*
 * A child killed with a core dump (SIGABRT, with RLIMIT_CORE raised; the
 * core goes to the current directory if core_pattern says so). Prints
 * "child=<pid> core=<0|1>" as the parent saw it.
 */
#include "../fixture.h"

int main(void)
{
	pid_t c = fork();
	if (c < 0)
		return 77;
	if (c == 0) {
		struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
		setrlimit(RLIMIT_CORE, &rl);
		abort();
	}
	int st;
	if (waitpid(c, &st, 0) != c || !WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		return 77;
	printf("child=%d core=%d\n", c, WCOREDUMP(st) ? 1 : 0);
	return 0;
}
