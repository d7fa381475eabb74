/*
 * A zombie left behind: the child exits at once and this process never
 * waits for it; it sleeps argv[1] milliseconds (default 300) and exits.
 * Prints "child=<pid>".
 */
#include "../fixture.h"

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 300;
	pid_t c = fork();
	if (c < 0)
		return 77;
	if (c == 0)
		_exit(0);
	printf("child=%d\n", c);
	fflush(stdout);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
	return 0;
}
