// Command waitpid386 is an i386 fixture for waittrace's integration test:
// only the 32-bit x86 ABI has a real waitpid system call (number 7).  It
// makes waitpid, wait4 (114) and waitid (284) calls through raw 32-bit
// system calls, with 32-bit struct rusage and siginfo layouts, and prints
// to stdout the exact lines that strace -e trace=wait4,waitid,waitpid
// writes for them.
//
// Build: GOARCH=386 CGO_ENABLED=0 go build ./testdata/waitpid386
// Run it with GODEBUG=asyncpreemptoff=1 so the runtime sends no SIGURG.
//
// Children are made with the raw fork system call and leave with raw
// exit_group, so the Go runtime never waits for anything itself.  The
// main goroutine is locked to the main thread (the only thread a tracer
// without -f follows), which blocks SIGCHLD and SIGURG: those go to other
// runtime threads, and the trace holds no "--- SIG... ---" lines.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

const (
	sysFork          = 2
	sysWaitpid       = 7
	sysPause         = 29
	sysKill          = 37
	sysWait4         = 114
	sysRtSigprocmask = 175
	sysExitGroup     = 252
	sysWaitid        = 284

	wNOHANG    = 1
	wSTOPPED   = 2
	wEXITED    = 4
	wCONTINUED = 8
	wNOWAIT    = 0x01000000
	wALL       = 0x40000000

	pALL = 0
	pPID = 1
)

func init() { runtime.LockOSThread() }

var pageSize = os.Getpagesize()

// tailAlloc returns size bytes ending right before an inaccessible page.
func tailAlloc(size int) uintptr {
	mem, err := syscall.Mmap(-1, 0, 2*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fail("mmap: %v", err)
	}
	if err := syscall.Mprotect(mem[pageSize:], syscall.PROT_NONE); err != nil {
		fail("mprotect: %v", err)
	}
	for i := range pageSize {
		mem[i] = 0xbd
	}
	return uintptr(unsafe.Pointer(&mem[0])) + uintptr(pageSize-size)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "waitpid386: "+format+"\n", args...)
	os.Exit(77)
}

func check(ok bool, what string) {
	if !ok {
		fail("check failed: %s", what)
	}
}

// fork makes a child that exits with code at once (code >= 0) or sits in
// pause() until killed (code < 0).  The child runs only raw syscalls.
func fork(code int) int {
	r, _, e := syscall.RawSyscall(sysFork, 0, 0, 0)
	if e != 0 {
		fail("fork: %v", e)
	}
	if r == 0 {
		if code < 0 {
			for {
				syscall.RawSyscall(sysPause, 0, 0, 0)
			}
		}
		syscall.RawSyscall(sysExitGroup, uintptr(code), 0, 0)
	}
	return int(r)
}

func kill(pid int, sig syscall.Signal) {
	if _, _, e := syscall.RawSyscall(sysKill, uintptr(pid), uintptr(sig), 0); e != 0 {
		fail("kill: %v", e)
	}
}

func sys(nr uintptr, a ...uintptr) (int, syscall.Errno) {
	for len(a) < 5 {
		a = append(a, 0)
	}
	r, _, e := syscall.Syscall6(nr, a[0], a[1], a[2], a[3], a[4], 0)
	return int(int32(r)), e
}

// i32 makes a (possibly negative) int a 32-bit syscall argument.
func i32(v int) uintptr { return uintptr(uint32(int32(v))) }

func load32(p uintptr) int32 { return *(*int32)(unsafe.Pointer(p)) }

var sigNames = map[int32]string{
	9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
}

func sigName(n int32) string {
	if s, ok := sigNames[n]; ok {
		return s
	}
	fail("no name for signal %d", n)
	return ""
}

func statusString(s int32) string {
	ws := syscall.WaitStatus(uint32(s))
	switch {
	case ws.Exited():
		return fmt.Sprintf("[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", ws.ExitStatus())
	case ws.Signaled():
		core := ""
		if ws.CoreDump() {
			core = " && WCOREDUMP(s)"
		}
		return fmt.Sprintf("[{WIFSIGNALED(s) && WTERMSIG(s) == %s%s}]", sigName(int32(ws.Signal())), core)
	case ws.Stopped():
		return fmt.Sprintf("[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]", sigName(int32(ws.StopSignal())))
	case ws.Continued():
		return "[{WIFCONTINUED(s)}]"
	}
	fail("unexpected status %#x", s)
	return ""
}

// rusageString decodes a 32-bit struct rusage (18 longs).
func rusageString(p uintptr) string {
	f := func(i int) int32 { return load32(p + uintptr(4*i)) }
	return fmt.Sprintf("{ru_utime={tv_sec=%d, tv_usec=%d}, ru_stime={tv_sec=%d, tv_usec=%d}, ...}",
		f(0), f(1), f(2), f(3))
}

func clockString(v uint32) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%d /* %d.%02d s */", v, v/100, v%100)
}

// siginfoString decodes a 32-bit SIGCHLD siginfo.
func siginfoString(p uintptr) string {
	f := func(i int) int32 { return load32(p + uintptr(4*i)) }
	if f(0) == 0 {
		return "{}"
	}
	check(f(0) == int32(syscall.SIGCHLD), "si_signo == SIGCHLD")
	codes := map[int32]string{1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 5: "CLD_STOPPED", 6: "CLD_CONTINUED"}
	code, ok := codes[f(2)]
	check(ok, "known si_code")
	status := fmt.Sprint(f(5))
	if f(2) != 1 {
		status = sigName(f(5))
	}
	return fmt.Sprintf("{si_signo=SIGCHLD, si_code=%s, si_pid=%d, si_uid=%d, si_status=%s, si_utime=%s, si_stime=%s}",
		code, f(3), uint32(f(4)), status, clockString(uint32(f(6))), clockString(uint32(f(7))))
}

func zero(p uintptr, n int) {
	for i := range n {
		*(*byte)(unsafe.Pointer(p + uintptr(i))) = 0
	}
}

// emit prints a syscall line the way strace pads it: "= " in column 40.
func emit(call, ret string) {
	if len(call) < 40 {
		fmt.Printf("%s%s= %s\n", call, strings.Repeat(" ", 40-len(call)), ret)
	} else {
		fmt.Printf("%s = %s\n", call, ret)
	}
}

func errRet(e syscall.Errno) string {
	names := map[syscall.Errno]string{syscall.ECHILD: "ECHILD", syscall.EINVAL: "EINVAL", syscall.EFAULT: "EFAULT"}
	n, ok := names[e]
	check(ok, "known errno")
	return fmt.Sprintf("-1 %s (%s)", n, strings.ToUpper(e.Error()[:1])+e.Error()[1:])
}

func main() {
	// Block SIGCHLD (17) and SIGURG (23) on this, the traced, thread.
	mask := uint64(1<<(17-1) | 1<<(23-1))
	if _, _, e := syscall.RawSyscall6(sysRtSigprocmask, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&mask)), 0, 8, 0, 0); e != 0 {
		fail("rt_sigprocmask: %v", e)
	}
	s := tailAlloc(4)
	ru := tailAlloc(18 * 4)
	si := tailAlloc(128)
	sp := fmt.Sprintf("%#x", s)
	itoa := fmt.Sprint

	// waitpid: exited 0.
	pid := fork(0)
	r, e := sys(sysWaitpid, i32(pid), s, 0)
	check(r == pid && e == 0, "waitpid exited")
	emit(fmt.Sprintf("waitpid(%d, %s, 0)", pid, statusString(load32(s))), itoa(pid))

	// waitpid: WNOHANG with nothing to report, stop, continue, kill.
	pid = fork(-1)
	r, e = sys(sysWaitpid, i32(-1), s, wNOHANG)
	check(r == 0 && e == 0, "waitpid WNOHANG")
	emit(fmt.Sprintf("waitpid(-1, %s, WNOHANG)", sp), "0")
	kill(pid, syscall.SIGSTOP)
	r, e = sys(sysWaitpid, i32(pid), s, wSTOPPED)
	check(r == pid && e == 0, "waitpid stopped")
	emit(fmt.Sprintf("waitpid(%d, %s, WSTOPPED)", pid, statusString(load32(s))), itoa(pid))
	kill(pid, syscall.SIGCONT)
	r, e = sys(sysWaitpid, i32(pid), s, wCONTINUED)
	check(r == pid && e == 0, "waitpid continued")
	emit(fmt.Sprintf("waitpid(%d, %s, WCONTINUED)", pid, statusString(load32(s))), itoa(pid))
	kill(pid, syscall.SIGKILL)
	r, e = sys(sysWaitpid, i32(pid), 0, wALL)
	check(r == pid && e == 0, "waitpid killed")
	emit(fmt.Sprintf("waitpid(%d, NULL, __WALL)", pid), itoa(pid))

	// waitpid: unknown option bit, bad status pointer, no children.
	pid = fork(2)
	r, e = sys(sysWaitpid, i32(pid), s, 0x10)
	check(r == -1 && e == syscall.EINVAL, "waitpid EINVAL")
	emit(fmt.Sprintf("waitpid(%d, %s, 0x10 /* W??? */)", pid, sp), errRet(e))
	r, e = sys(sysWaitpid, i32(pid), s+4, 0)
	check(r == -1 && e == syscall.EFAULT, "waitpid EFAULT")
	emit(fmt.Sprintf("waitpid(%d, %#x, 0)", pid, s+4), errRet(e))
	r, e = sys(sysWaitpid, i32(-1), s, 0)
	check(r == -1 && e == syscall.ECHILD, "waitpid ECHILD")
	emit(fmt.Sprintf("waitpid(-1, %s, 0)", sp), errRet(e))

	// wait4 with a 32-bit rusage.
	pid = fork(3)
	r, e = sys(sysWait4, i32(pid), s, 0, ru)
	check(r == pid && e == 0, "wait4")
	emit(fmt.Sprintf("wait4(%d, %s, 0, %s)", pid, statusString(load32(s)), rusageString(ru)), itoa(pid))
	pid = fork(-1)
	r, e = sys(sysWait4, i32(pid), s, wNOHANG, ru)
	check(r == 0 && e == 0, "wait4 WNOHANG")
	emit(fmt.Sprintf("wait4(%d, %s, WNOHANG, %#x)", pid, sp, ru), "0")
	kill(pid, syscall.SIGKILL) // not SIGTERM: the child must not run Go signal handlers
	r, e = sys(sysWait4, i32(pid), s, 0, 0)
	check(r == pid && e == 0, "wait4 killed")
	emit(fmt.Sprintf("wait4(%d, %s, 0, NULL)", pid, statusString(load32(s))), itoa(pid))

	// waitid with a 32-bit siginfo and rusage.
	pid = fork(4)
	zero(si, 128)
	r, e = sys(sysWaitid, pPID, i32(pid), si, wEXITED|wNOWAIT, 0)
	check(r == 0 && e == 0, "waitid WNOWAIT")
	emit(fmt.Sprintf("waitid(P_PID, %d, %s, WEXITED|WNOWAIT, NULL)", pid, siginfoString(si)), "0")
	zero(si, 128)
	r, e = sys(sysWaitid, pALL, 0, si, wEXITED, ru)
	check(r == 0 && e == 0, "waitid")
	emit(fmt.Sprintf("waitid(P_ALL, 0, %s, WEXITED, %s)", siginfoString(si), rusageString(ru)), "0")
	zero(si, 128)
	r, e = sys(sysWaitid, pALL, 0, si, wNOHANG|wEXITED, 0)
	check(r == -1 && e == syscall.ECHILD, "waitid ECHILD")
	emit(fmt.Sprintf("waitid(P_ALL, 0, %#x, WNOHANG|WEXITED, NULL)", si), errRet(e))

	fmt.Println("+++ exited with 0 +++")
	os.Exit(0)
}
