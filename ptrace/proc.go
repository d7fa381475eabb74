package ptrace

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// procIDs reads the thread group and the parent process of tid from /proc.
// Read rather than inferred from fork events: CLONE_PARENT and
// reparenting make the creator and the parent differ.
func procIDs(tid int) (pid, parent int) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return tid, 0
	}
	pid, parent = tid, 0
	for _, line := range bytes.Split(status, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("Tgid:")); ok {
			pid, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		} else if v, ok := bytes.CutPrefix(line, []byte("PPid:")); ok {
			parent, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			break
		}
	}
	return pid, parent
}

// procArgv reads the command line of tid; nil if it is gone or a kernel thread.
func procArgv(tid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", tid))
	if err != nil || len(b) == 0 {
		return nil
	}
	b = bytes.TrimSuffix(b, []byte{0})
	parts := bytes.Split(b, []byte{0})
	argv := make([]string, len(parts))
	for i, p := range parts {
		argv[i] = string(p)
	}
	return argv
}
