/*
 * SIGCHLD set to SIG_IGN: the kernel discards the child's status and the
 * wait blocks until the child is gone, then fails with ECHILD (wait(2)
 * NOTES). Prints "child=<pid>".
 */
#include "../fixture.h"

int main(void)
{
	signal(SIGCHLD, SIG_IGN);
	pid_t c = fork();
	if (c < 0)
		return 77;
	if (c == 0)
		_exit(0);
	if (wait(NULL) != -1 || errno != ECHILD)
		return 77;
	printf("child=%d\n", c);
	return 0;
}
