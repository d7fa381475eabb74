/*
 * A stolen child: a second thread's wait(NULL) reaps the child that the
 * main thread then waits for by its pid, and gets ECHILD (threads share
 * their process's children).
 *
 * Prints "child=PID parent=PID"; exits 0 when main got ECHILD, 77 if not.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP __attribute__((noinline, noclone))

static pid_t stolen;

KEEP void *reaper(void *arg)
{
	(void)arg;
	stolen = wait(NULL);
	return NULL;
}

KEEP pid_t wait_for(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0);
}

int main(void)
{
	pthread_t t;
	pid_t pid = fork();

	if (pid < 0)
		return 77;
	if (pid == 0) {
		usleep(20000);
		_exit(0);
	}
	if (pthread_create(&t, NULL, reaper, NULL) != 0 || pthread_join(t, NULL) != 0 || stolen != pid)
		return 77;
	printf("child=%d parent=%d\n", (int)pid, (int)getpid());
	fflush(stdout);
	if (wait_for(pid) != -1 || errno != ECHILD)
		return 77;
	return 0;
}
