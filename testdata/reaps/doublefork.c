/*
 * Double fork: B forks C and exits at once, so C is orphaned and
 * reparented. With "subreaper" this process is C's new parent
 * (PR_SET_CHILD_SUBREAPER) and reaps it; otherwise init reaps it, outside
 * the trace. Prints "B=<pid> C=<pid>".
 */
#include "../fixture.h"
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	int sub = argc > 1 && !strcmp(argv[1], "subreaper");
	int fds[2];
	if (sub && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		return 77;
	if (pipe(fds))
		return 77;
	pid_t b = fork();
	if (b < 0)
		return 77;
	if (b == 0) {
		pid_t c = fork();
		if (c < 0)
			_exit(77);
		if (c == 0) {
			struct timespec ts = {0, 100 * 1000000};
			nanosleep(&ts, NULL);
			_exit(7);
		}
		if (write(fds[1], &c, sizeof(c)) != sizeof(c))
			_exit(77);
		_exit(0);
	}
	pid_t c;
	if (read(fds[0], &c, sizeof(c)) != sizeof(c))
		return 77;
	int st;
	if (waitpid(b, &st, 0) != b || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 77;
	if (sub) {
		if (waitpid(-1, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
			return 77;
	} else {
		struct timespec ts = {0, 300 * 1000000};
		nanosleep(&ts, NULL);
	}
	printf("B=%d C=%d\n", b, c);
	return 0;
}
