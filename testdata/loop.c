/*
 * loop fixture, for attaching with -p: forever forks a child that exits
 * 0 at once, reaps it with waitpid (wait4 on x86_64), bumps a counter
 * kept as text in the file argv[1], and sleeps 50 ms.  Prints nothing.
 * SIGCHLD stays blocked, so an attached tracer sees only wait4 lines.
 */
#include "fixture.h"

int
main(int argc, char **argv)
{
	unsigned long n = 0;
	int fd;

	if (argc != 2)
		FAIL("usage: loop COUNTERFILE");
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		FAIL("open %s", argv[1]);
	block_sigchld();
	for (;;) {
		char buf[32];
		int len;
		int status;
		pid_t pid = spawn_exit(0);

		if (waitpid(pid, &status, 0) != pid)
			FAIL("waitpid");
		len = snprintf(buf, sizeof(buf), "%lu\n", ++n);
		if (pwrite(fd, buf, len, 0) != len)
			FAIL("pwrite");
		drain_sigchld();
		msleep(50);
	}
}
