/*
 * exitcode fixture: ends the way argv[1] says and first prints the lines
 * the tracer writes for that ending:
 *   exitcode N     exit with status N
 *   exitcode term  killed by SIGTERM (sent to itself with kill)
 *   exitcode segv  killed by SIGSEGV from a real fault, core limit 0
 * A second argument "-f" says the tracer runs with -f (pid prefixes).
 * The tracer must then end the same way (same exit status, or killed by
 * the same signal).
 */
#include "fixture.h"

int
main(int argc, char **argv)
{
	pid_t me = getpid();

	if (argc < 2 || argc > 3)
		FAIL("usage: exitcode N|term|segv [-f]");
	follow_mode = argc == 3 && strcmp(argv[2], "-f") == 0;
	if (strcmp(argv[1], "term") == 0) {
		emit_line(me, xasprintf("--- SIGTERM {si_signo=SIGTERM"
					", si_code=SI_USER, si_pid=%d"
					", si_uid=%u} ---", me, getuid()));
		emit_line(me, "+++ killed by SIGTERM +++");
		fflush(stdout);
		kill(me, SIGTERM);
		FAIL("survived SIGTERM");
	}
	if (strcmp(argv[1], "segv") == 0) {
		struct rlimit rl = { 0, 0 };

		CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
		emit_line(me, "--- SIGSEGV {si_signo=SIGSEGV"
			      ", si_code=SEGV_MAPERR, si_addr=0x8} ---");
		emit_line(me, "+++ killed by SIGSEGV +++");
		fflush(stdout);
		*(volatile int *) 8 = 1;
		FAIL("survived SIGSEGV");
	}
	emit_exit(atoi(argv[1]));
	return atoi(argv[1]);
}
