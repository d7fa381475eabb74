/* memfix: maps two pages, unmaps the second, writes a 32-byte pattern
 * (0xa0, 0xa1, ...) at the very end of the first, and calls wait4 with no
 * child and the pattern's address as the status pointer, so that a tracer
 * stopped at the call's entry finds the address in the second argument. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 10;
	if (munmap(p + pg, pg))
		return 11;
	unsigned char *end = p + pg;
	for (int i = 0; i < 32; i++)
		end[-32 + i] = 0xa0 + i;
	/* ECHILD, without writing through the pointer. */
	long r = syscall(SYS_wait4, -1, end - 32, 0, NULL);
	return r == -1 ? 0 : 12;
}
