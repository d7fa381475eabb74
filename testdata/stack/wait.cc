// Fixture for package stack: main -> fixture::Supervisor<int>::supervise ->
// fixture::Supervisor<int>::reap(int, std::string const&) -> waitpid, with
// mangled names (a namespace, a template, a reference to std::string) so that
// the stack shows whether symbols are demangled as strace demangles them.
#include <cstdlib>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fixture {

// Stores to sink after each call keep the calls from being tail calls.
volatile int sink;

template <typename T> struct Supervisor {
	T runs;

	__attribute__((noinline)) int reap(pid_t pid, const std::string &why)
	{
		int status = 0;
		if (waitpid(pid, &status, 0) != pid)
			std::abort();
		sink = status + static_cast<int>(why.size());
		return WEXITSTATUS(status);
	}

	__attribute__((noinline)) int supervise()
	{
		pid_t pid = fork();
		if (pid < 0)
			std::abort();
		if (pid == 0)
			_exit(7);
		runs++;
		int code = reap(pid, std::string("child exited"));
		sink = code;
		return code;
	}
};

template struct Supervisor<int>;

} // namespace fixture

int main()
{
	fixture::Supervisor<int> s{0};
	int code = s.supervise();
	fixture::sink = code;
	return code == 7 ? 0 : 1;
}
