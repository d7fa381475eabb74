/*
 * A zombie left behind: the child exits at once and this process never
 * waits for it; it sleeps argv[1] milliseconds (default 300) and exits.
 * Prints "child=<pid>".
 *
 * With argv[2], a file (the tracer's -o file): instead of sleeping, it
 * reads that file every 10 ms until it holds the zombie alert or argv[1]
 * ms have passed, making no wait call meanwhile, and prints "seen=1" or
 * "seen=0": whether the alert came while nothing traced happened.
 */
#include "../fixture.h"

static int
holds_alert(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, "ALERT zombie") != NULL;
}

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
	if (argc > 2) {
		int seen = 0;
		for (long waited = 0; waited < ms && !seen; waited += 10) {
			struct timespec tick = {0, 10 * 1000000};
			nanosleep(&tick, NULL);
			seen = holds_alert(argv[2]);
		}
		printf("seen=%d\n", seen);
		return 0;
	}
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
	return 0;
}
