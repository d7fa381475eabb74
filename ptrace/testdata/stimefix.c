/* stimefix: a wait4 whose system time is known. A child spends at least
 * 100 ms of system CPU time reading /dev/zero and exits; the parent waits
 * for the pipe to close (the child has exited), then reaps it with wait4:
 * the kernel adds the child's time to the parent's at the reap, so the
 * rusage of the call's exit stop is at least 100 ms ahead of its entry's.
 * Then a wait4 that fails with ECHILD, of next to no system time. Exits 0
 * if every call returned what it should. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[1 << 20];

int main(void)
{
	int p[2];
	if (pipe(p))
		return 10;
	pid_t c = fork();
	if (c < 0)
		return 11;
	if (c == 0) {
		close(p[0]);
		int fd = open("/dev/zero", O_RDONLY);
		for (;;) {
			struct rusage ru;
			if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf))
				_exit(1);
			getrusage(RUSAGE_SELF, &ru);
			if (ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec >= 100000)
				_exit(0);
		}
	}
	close(p[1]);
	char b;
	if (read(p[0], &b, 1) != 0)
		return 12;
	int st;
	if (wait4(c, &st, 0, NULL) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 13;
	if (wait4(-1, &st, 0, NULL) != -1 || errno != ECHILD)
		return 14;
	return 0;
}
