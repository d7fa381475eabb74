/*
 * tracerpid: what TracerPid do a program, its child and its grandchild
 * see in /proc/self/status?
 *
 * The program forks a child, which forks a grandchild; each reads its own
 * TracerPid.  The grandchild reports through a pipe to the child, the
 * child through a pipe to the program.  Untraced all three are 0; under a
 * tracer without -f only the program's is nonzero; with -f all are.
 *
 * Prints one line:  self=N child=N grandchild=N
 * Exit status: 0  the grandchild saw TracerPid 0 (it looks untraced);
 *              1  the grandchild saw a tracer;
 *              2  error.
 *
 * Build: cc -O2 -Wall -o tracerpid tracerpid.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int
tracer_pid(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "TracerPid:");
	return p ? atoi(p + 10) : -1;
}

int
main(void)
{
	int p1[2], vals[2] = { -1, -1 }, self = tracer_pid();
	pid_t c;

	if (pipe(p1) < 0)
		return 2;
	fflush(stdout);
	c = fork();
	if (c < 0)
		return 2;
	if (c == 0) {
		int p2[2], g = -1, me;
		pid_t gc;

		close(p1[0]);
		if (pipe(p2) < 0)
			_exit(2);
		gc = fork();
		if (gc < 0)
			_exit(2);
		if (gc == 0) {
			close(p2[0]);
			g = tracer_pid();
			(void) !write(p2[1], &g, sizeof(g));
			_exit(0);
		}
		close(p2[1]);
		if (read(p2[0], &g, sizeof(g)) != sizeof(g))
			g = -1;
		waitpid(gc, NULL, 0);
		me = tracer_pid();
		int v[2] = { me, g };
		(void) !write(p1[1], v, sizeof(v));
		_exit(0);
	}
	close(p1[1]);
	if (read(p1[0], vals, sizeof(vals)) != sizeof(vals)) {
		fprintf(stderr, "tracerpid: no report\n");
		return 2;
	}
	waitpid(c, NULL, 0);
	printf("self=%d child=%d grandchild=%d\n", self, vals[0], vals[1]);
	if (vals[1] < 0)
		return 2;
	return vals[1] == 0 ? 0 : 1;
}
