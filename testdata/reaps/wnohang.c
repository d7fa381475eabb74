/*
 * A WNOHANG polling loop: waitpid(child, WNOHANG) every 5 ms until the
 * child (which sleeps 100 ms) is reaped, then one wait that fails with
 * ECHILD. Prints "child=<pid> zeros=<polls that returned 0>".
 */
#include "../fixture.h"

int main(void)
{
	pid_t c = fork();
	if (c < 0)
		return 77;
	if (c == 0) {
		struct timespec ts = {0, 100 * 1000000};
		nanosleep(&ts, NULL);
		_exit(0);
	}
	int zeros = 0, st;
	for (;;) {
		pid_t r = waitpid(c, &st, WNOHANG);
		if (r == c)
			break;
		if (r != 0)
			return 77;
		zeros++;
		struct timespec ts = {0, 5 * 1000000};
		nanosleep(&ts, NULL);
	}
	if (waitpid(-1, &st, 0) != -1 || errno != ECHILD)
		return 77;
	printf("child=%d zeros=%d\n", c, zeros);
	return 0;
}
