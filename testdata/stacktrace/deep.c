/*
 * Fixture for -k: waitpid at the bottom of a recursion 300 calls deep,
 * past strace's limit of 256 frames, after which strace -k prints
 * " > too many stack frames".
 */
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP __attribute__((noinline, noclone))

volatile int sink;

KEEP int down(int n, pid_t pid)
{
	int r, status;

	if (n == 0)
		r = waitpid(pid, &status, 0) == pid ? 0 : 1;
	else
		r = down(n - 1, pid);
	sink = r; /* not a tail call */
	return r;
}

int main(void)
{
	pid_t pid = fork();

	if (pid < 0)
		abort();
	if (pid == 0)
		_exit(0);
	return down(300, pid);
}
