/*
 * lsan: a program that leaks, built with AddressSanitizer, whose
 * LeakSanitizer report must appear (on stderr) when it runs as a
 * descendant of a tracer.
 *
 * LeakSanitizer stops the world by ptrace-attaching to the program's own
 * threads from a helper task.  When the program is itself ptraced
 * (strace without -f tracing it directly, or with -f as any descendant)
 * that attach fails and LSan prints "LeakSanitizer has encountered a
 * fatal error" ("LeakSanitizer does not work under ptrace") instead of
 * the report.
 *
 *   lsan        leak 4242 bytes and exit: LSan's report (or its failure)
 *               goes to stderr; exit status 23 either way (set below),
 *               0 only if LSan did not run at all.
 *   lsan -c     self-check: run "lsan" (this binary, via /proc/self/exe)
 *               as a child with its stderr on a pipe, copy that stderr
 *               to our stderr, and exit
 *                 0  the report ("ERROR: LeakSanitizer: detected memory
 *                    leaks") was there;
 *                 1  LSan said it cannot work under ptrace / had a fatal
 *                    error;
 *                 2  neither (or an error).
 *               Prints "lsan: report" / "lsan: ptrace-failure" /
 *               "lsan: none" on stdout.
 *
 * Build: cc -g -fsanitize=address -o lsan lsan.c
 *   libasan.so.8 comes from Debian package libasan8 (gcc 12; pulled in
 *   by libgcc-12-dev, a dependency of gcc-12).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "exitcode=23";
}

void *volatile sink;

static int
check(void)
{
	int pfd[2], status;
	static char buf[1 << 16];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0)
		return 2;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execl("/proc/self/exe", "lsan", (char *) NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	waitpid(pid, &status, 0);
	fputs(buf, stderr);
	if (strstr(buf, "ERROR: LeakSanitizer: detected memory leaks")) {
		printf("lsan: report\n");
		return 0;
	}
	if (strstr(buf, "does not work under ptrace") ||
	    strstr(buf, "LeakSanitizer has encountered a fatal error")) {
		printf("lsan: ptrace-failure\n");
		return 1;
	}
	printf("lsan: none\n");
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "-c")) {
		int rc = check();

		/* _exit: skip LSan's own atexit leak check of the checker,
		 * which would fail (and override the status) when the
		 * checker itself is ptraced. */
		fflush(NULL);
		_exit(rc);
	}

	char *p = malloc(4242);

	memset(p, 'x', 4242);
	sink = p;
	sink = NULL;	/* the only pointer is gone: a definite leak */
	return 0;
}
