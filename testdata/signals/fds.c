/*
 * fds: which file descriptors does a program start with?
 *
 * Scans fds 0..63 with fcntl(F_GETFD) BEFORE opening anything, then for
 * each open one prints
 *   fd=N cloexec=0|1 mode=r|w|rw -> TARGET
 * (TARGET from readlink /proc/self/fd/N), then a summary line
 *   open=0,1,2
 * to the -o FILE (opened after the scan, default stdout; with stdout
 * closed and no -o nothing is printed, only the exit status tells).
 *
 * -x LIST  the expected set of open fds, default "0,1,2"; "" = none.
 * Exit status: 0 the set of open fds is exactly LIST, 1 it is not,
 *              2 usage/error.
 *
 * Build: cc -O2 -Wall -o fds fds.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXFD 64

int
main(int argc, char **argv)
{
	int flags[MAXFD], fl[MAXFD], want[MAXFD] = { 0 }, opt, bad = 0;
	const char *out = NULL, *expect = "0,1,2";
	char targets[MAXFD][256];

	/* Scan first: nothing has been opened by us yet. */
	for (int fd = 0; fd < MAXFD; fd++) {
		flags[fd] = fcntl(fd, F_GETFD);
		fl[fd] = flags[fd] >= 0 ? fcntl(fd, F_GETFL) : -1;
		targets[fd][0] = '\0';
		if (flags[fd] >= 0) {
			char path[64];
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			n = readlink(path, targets[fd], sizeof(targets[fd]) - 1);
			targets[fd][n > 0 ? n : 0] = '\0';
		}
	}

	while ((opt = getopt(argc, argv, "o:x:")) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'x': expect = optarg; break;
		default:
			return 2;
		}
	}
	for (const char *p = expect; *p;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p || v < 0 || v >= MAXFD)
			return 2;
		want[v] = 1;
		p = *end == ',' ? end + 1 : end;
	}

	FILE *f = stdout;
	if (out) {
		f = fopen(out, "we");
		if (!f)
			return 2;
	} else if (flags[1] < 0) {
		f = NULL;
	}

	char summary[512] = "";
	size_t len = 0;
	for (int fd = 0; fd < MAXFD; fd++) {
		int open_ = flags[fd] >= 0;

		if (open_ != want[fd])
			bad = 1;
		if (!open_)
			continue;
		len += snprintf(summary + len, sizeof(summary) - len, "%s%d",
				len ? "," : "", fd);
		if (f) {
			int acc = fl[fd] & O_ACCMODE;

			fprintf(f, "fd=%d cloexec=%d mode=%s -> %s\n", fd,
				(flags[fd] & FD_CLOEXEC) ? 1 : 0,
				acc == O_RDONLY ? "r" : acc == O_WRONLY ? "w" : "rw",
				targets[fd]);
		}
	}
	if (f) {
		fprintf(f, "open=%s%s\n", len ? summary : "none",
			bad ? " UNEXPECTED" : "");
		fclose(f);
	}
	return bad;
}
