/*
 * Fixture for -k: the parent blocks in waitpid for its child, which kills
 * it with SIGKILL once it is blocked (its wchan is do_wait). The call never
 * returns: strace prints "<unfinished ...>) = ?" and no stack for it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		abort();
	if (pid == 0) {
		char path[64], wchan[64];

		snprintf(path, sizeof path, "/proc/%d/wchan", (int)parent);
		for (int i = 0; i < 10000; i++) {
			FILE *f = fopen(path, "r");
			size_t n = 0;

			if (f) {
				n = fread(wchan, 1, sizeof wchan - 1, f);
				fclose(f);
			}
			wchan[n] = 0;
			if (strcmp(wchan, "do_wait") == 0)
				break;
			usleep(1000);
		}
		kill(parent, SIGKILL);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return 1;
}
