package ptrace

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNoProcess and ErrPermission classify attach failures; test with errors.Is.
var (
	ErrNoProcess  = errors.New("no such process")
	ErrPermission = errors.New("permission denied")
)

// AttachError says why one pid could not be attached.
type AttachError struct {
	Pid    int
	Err    error  // ErrNoProcess, ErrPermission, or the system error
	Reason string // for ErrPermission: why, as far as can be told
}

func (e *AttachError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("attach to %d: %v: %s", e.Pid, e.Err, e.Reason)
	}
	return fmt.Sprintf("attach to %d: %v", e.Pid, e.Err)
}

func (e *AttachError) Unwrap() error { return e.Err }

// attach seizes every thread of pid and interrupts it; the interrupt stops
// arrive in the loop. PTRACE_SEIZE, unlike PTRACE_ATTACH, sends no SIGSTOP
// that the real parent's waitpid(WUNTRACED) could see.
func (t *Tracer) attach(pid int) error {
	if pid <= 0 {
		return &AttachError{Pid: pid, Err: ErrNoProcess}
	}
	tids, err := tasks(pid)
	if err != nil {
		return &AttachError{Pid: pid, Err: ErrNoProcess}
	}
	if pid == os.Getpid() {
		return &AttachError{Pid: pid, Err: ErrPermission, Reason: "that is waittrace itself"}
	}
	var attached []*tracee
	for _, tid := range tids {
		err := seize(tid, t.ptraceOptions(false, true, false))
		if err == nil {
			tr := &tracee{tid: tid, pid: pid, origin: Attached, forked: true}
			t.tracees[tid] = tr
			attached = append(attached, tr)
			continue
		}
		if errors.Is(err, unix.ESRCH) && tid != pid {
			continue // the thread exited meanwhile
		}
		for _, tr := range attached {
			t.detachOne(tr)
		}
		return classifyAttach(pid, err)
	}
	// One NewTracee event for the process, then one per further thread.
	for i, tr := range attached {
		if i == 0 {
			t.announce(tr, len(attached))
		} else {
			t.announce(tr, 0)
		}
	}
	return nil
}

// tasks lists the threads of pid, the leader first.
func tasks(pid int) ([]int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil, err
	}
	tids := []int{pid}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err == nil && tid != pid {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

// classifyAttach turns a failed PTRACE_SEIZE into a message that says why.
func classifyAttach(pid int, err error) error {
	if errors.Is(err, unix.ESRCH) {
		return &AttachError{Pid: pid, Err: ErrNoProcess}
	}
	if !errors.Is(err, unix.EPERM) {
		return &AttachError{Pid: pid, Err: err}
	}
	// hardening: the kernel refuses a zombie with EPERM, which is no
	// matter of permission: it has exited, only its parent's wait is left.
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if strings.HasPrefix(statusField(string(status), "State:"), "Z") {
		return &AttachError{Pid: pid, Err: ErrNoProcess,
			Reason: fmt.Sprintf("it has exited (a zombie, not yet reaped by its parent %s)", statusField(string(status), "PPid:"))}
	}
	return &AttachError{Pid: pid, Err: ErrPermission, Reason: permissionReason(pid)}
}

// permissionReason explains an EPERM from PTRACE_SEIZE as well as /proc allows.
func permissionReason(pid int) string {
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if tracer := statusField(string(status), "TracerPid:"); tracer != "" && tracer != "0" {
		comm, _ := os.ReadFile("/proc/" + tracer + "/comm")
		// %q: the name is the tracer's to choose, and must not reach a terminal raw.
		return fmt.Sprintf("already traced by process %s (%q)", tracer, strings.TrimSuffix(string(comm), "\n"))
	}
	if isKernelThread(pid) {
		return "it is a kernel thread"
	}
	uids := strings.Fields(statusField(string(status), "Uid:"))
	if len(uids) > 0 && uids[0] != strconv.Itoa(os.Getuid()) && !hasCapSysPtrace() {
		return fmt.Sprintf("it belongs to uid %s; tracing another user's process needs CAP_SYS_PTRACE", uids[0])
	}
	if scope, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); err == nil {
		switch strings.TrimSpace(string(scope)) {
		case "1":
			return "kernel.yama.ptrace_scope is 1: only descendants can be traced without CAP_SYS_PTRACE"
		case "2":
			return "kernel.yama.ptrace_scope is 2: only CAP_SYS_PTRACE may attach"
		case "3":
			return "kernel.yama.ptrace_scope is 3: attaching is disabled"
		}
	}
	if !hasCapSysPtrace() {
		return "it is not dumpable (setuid or changed credentials); tracing it needs CAP_SYS_PTRACE"
	}
	return "the kernel refused (a security module?)"
}

func statusField(status, name string) string {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, name); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// isKernelThread: kernel threads have no memory map and are children of kthreadd.
func isKernelThread(pid int) bool {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	return strings.Contains(string(status), "\nKthread:\t1") || statusField(string(status), "PPid:") == "2" || pid == 2
}

func hasCapSysPtrace() bool { return hasCap(unix.CAP_SYS_PTRACE) }
