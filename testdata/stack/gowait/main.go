// Command gowait is a fixture for package stack: main -> supervise -> reap
// -> syscall.Wait4, a Go program's own frames under the runtime's system
// call path.
//
// The main goroutine stays on the main thread (the only one a tracer
// without PTRACE_O_TRACECLONE follows).
package main

import (
	"os"
	"runtime"
	"syscall"
)

func init() { runtime.LockOSThread() }

//go:noinline
func reap(pid int) int {
	var ws syscall.WaitStatus
	got, err := syscall.Wait4(pid, &ws, 0, nil)
	if err != nil || got != pid {
		os.Exit(2)
	}
	return ws.ExitStatus()
}

//go:noinline
func supervise() int {
	pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 7"}, &syscall.ProcAttr{Env: []string{}})
	if err != nil {
		os.Exit(3)
	}
	return reap(pid)
}

func main() {
	if supervise() != 7 {
		os.Exit(1)
	}
}
