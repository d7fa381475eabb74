/* blockfix: forks a child that exits 7 once fd 3 reaches end of file, says
 * "ready" on stdout, and blocks in wait4 for it. Exits with the child's exit
 * status, or 100+ if wait4 did not return the child. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t c = fork();
	if (c < 0)
		return 100;
	if (c == 0) {
		char b;
		for (;;) {
			ssize_t n = read(3, &b, 1);
			if (n == 0 || (n < 0 && errno != EINTR))
				break;
		}
		_exit(7);
	}
	close(3);
	if (write(1, "ready\n", 6) != 6)
		return 101;
	int st;
	pid_t r = wait4(c, &st, 0, NULL);
	if (r < 0)
		return errno == EINTR ? 102 : 103;
	if (r != c)
		return 104;
	if (!WIFEXITED(st))
		return 105;
	return WEXITSTATUS(st);
}
