/*
 * traceme: can a traced program still debug its own children?
 *
 * Forks a child that calls PTRACE_TRACEME and raises SIGSTOP; the parent
 * waits for that stop, PTRACE_CONTs the child and collects its exit
 * status 5.  Untraced, and under a tracer that does not follow forks,
 * this works.  Under `strace -f` the child is already traced by strace,
 * so PTRACE_TRACEME fails with EPERM.
 *
 * The child reports PTRACE_TRACEME's result through a pipe before it
 * stops; if TRACEME failed it does not stop (nobody could resume it) and
 * just exits 5.
 *
 * Prints one line:  traceme=ok stop=SIGSTOP cont=ok exit=5
 *              or:  traceme=EPERM exit=5
 * Exit status: 0  TRACEME worked and the whole stop/cont/exit-5 sequence
 *                 was seen;
 *              1  PTRACE_TRACEME failed with EPERM;
 *              2  anything else (message on stderr).
 * An alarm (10 s) turns a hang into exit 2.
 *
 * Build: cc -O2 -Wall -o traceme traceme.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static void
on_alarm(int sig)
{
	(void) sig;
	static const char msg[] = "traceme: timed out\n";
	(void) !write(2, msg, sizeof(msg) - 1);
	_exit(2);
}

int
main(void)
{
	int pfd[2], status, err = 0;
	pid_t pid;

	signal(SIGALRM, on_alarm);
	alarm(10);
	if (pipe(pfd) < 0) {
		perror("pipe");
		return 2;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			err = errno;
		(void) !write(pfd[1], &err, sizeof(err));
		close(pfd[1]);
		if (err)
			_exit(5);
		raise(SIGSTOP);
		_exit(5);
	}
	close(pfd[1]);
	if (read(pfd[0], &err, sizeof(err)) != sizeof(err)) {
		fprintf(stderr, "traceme: no report from child\n");
		return 2;
	}
	if (err) {
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			return 2;
		}
		printf("traceme=%s exit=%d\n", err == EPERM ? "EPERM" : strerror(err),
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return err == EPERM ? 1 : 2;
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 2;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		fprintf(stderr, "traceme: expected a SIGSTOP stop, status %#x\n",
			status);
		return 2;
	}
	if (ptrace(PTRACE_CONT, pid, 0, 0) < 0) {
		perror("PTRACE_CONT");
		return 2;
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 2;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 5) {
		fprintf(stderr, "traceme: expected exit 5, status %#x\n", status);
		return 2;
	}
	printf("traceme=ok stop=SIGSTOP cont=ok exit=5\n");
	return 0;
}
