package ptrace

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// helperEnv marks a re-executed waittrace as the launch helper ("exec") or
// the waker ("wake"). It is removed before the command is exec'd.
const helperEnv = "WAITTRACE_HELPER"

// The helper's ends of its two pipes to the tracer: it writes a byte to
// readyFd once it runs (its own execve is over, so the tracer will not mistake
// it for the command's), then reads goFd until the tracer, having seized it,
// closes the other end.
const (
	goFd    = 3
	readyFd = 4
)

func init() {
	// The helper must call execve from the main thread: an execve from
	// another thread changes tids under the tracer. Locking the main
	// goroutine in init keeps it on the main thread.
	if os.Getenv(helperEnv) != "" {
		runtime.LockOSThread()
	}
}

// IsHelper reports whether this process is a re-executed waittrace helper;
// main must then call RunHelper before anything else.
func IsHelper() bool { return os.Getenv(helperEnv) != "" }

// RunHelper runs the helper and never returns.
func RunHelper() {
	if os.Getenv(helperEnv) != "exec" || len(os.Args) < 3 {
		os.Exit(0) // the waker: exiting is its whole job
	}
	// Tell the tracer we run, and whether the seccomp filter is in place:
	// "s", or "p" and why not.
	ready := "p"
	if calls := os.Getenv(seccompEnv); calls != "" {
		if err := installFromEnv(calls); err != nil {
			ready = "p" + err.Error()
		} else {
			ready = "s"
		}
	}
	for {
		_, err := unix.Write(readyFd, []byte(ready))
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(readyFd)
	b := make([]byte, 1)
	for {
		_, err := unix.Read(goFd, b)
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(goFd)
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, helperEnv+"=") && !strings.HasPrefix(kv, credEnv+"=") && !strings.HasPrefix(kv, seccompEnv+"=") {
			env = append(env, kv)
		}
	}
	if cred := os.Getenv(credEnv); cred != "" {
		if err := dropTo(cred); err != nil {
			fmt.Fprintf(os.Stderr, "waittrace: cannot run as %s: %v\n", cred, err)
			os.Exit(126)
		}
	}
	err := unix.Exec(os.Args[1], os.Args[2:], env)
	fmt.Fprintf(os.Stderr, "waittrace: exec %s: %v\n", os.Args[1], err)
	if err == unix.ENOENT {
		os.Exit(127)
	}
	os.Exit(126)
}

// seccompEnv passes the calls of the seccomp filter to the helper.
const seccompEnv = "WAITTRACE_SECCOMP"

func installFromEnv(enc string) error {
	calls, err := decodeCalls(enc)
	if err != nil {
		return err
	}
	prog, err := buildFilter(calls, false)
	if err != nil {
		return err
	}
	return installFilter(prog)
}

// credEnv passes Spec.Credential to the helper as "uid:gid:g1,g2,...".
const credEnv = "WAITTRACE_CREDENTIAL"

func (c *Credential) String() string {
	groups := make([]string, len(c.Groups))
	for i, g := range c.Groups {
		groups[i] = strconv.FormatUint(uint64(g), 10)
	}
	return fmt.Sprintf("%d:%d:%s", c.Uid, c.Gid, strings.Join(groups, ","))
}

// dropTo sets groups, gid and uid (all three ids each) as cred says. Go's
// Setres*id apply to every thread of the helper.
func dropTo(cred string) error {
	f := strings.SplitN(cred, ":", 3)
	if len(f) != 3 {
		return fmt.Errorf("malformed credential %q", cred)
	}
	uid, err1 := strconv.Atoi(f[0])
	gid, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return fmt.Errorf("malformed credential %q", cred)
	}
	groups := []int{}
	for _, g := range strings.Split(f[2], ",") {
		if g == "" {
			continue
		}
		n, err := strconv.Atoi(g)
		if err != nil {
			return fmt.Errorf("malformed credential %q", cred)
		}
		groups = append(groups, n)
	}
	if err := unix.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := unix.Setresgid(gid, gid, gid); err != nil {
		return fmt.Errorf("setresgid: %w", err)
	}
	if err := unix.Setresuid(uid, uid, uid); err != nil {
		return fmt.Errorf("setresuid: %w", err)
	}
	return nil
}

func selfExe() string { return "/proc/self/exe" }

// startWaker starts a child that exits at once, to wake the engine's wait4.
func startWaker() (int, error) {
	p, err := os.StartProcess(selfExe(), []string{"waittrace-waker"}, &os.ProcAttr{
		Env: []string{helperEnv + "=wake"},
	})
	if err != nil {
		return 0, err
	}
	pid := p.Pid
	_ = p.Release()
	return pid, nil
}

// launch starts the command through the helper so that it is traced from its
// first instruction: the helper is seized while it waits on a pipe, and only
// then execs the command.
func (t *Tracer) launch(spec Spec) error {
	goR, goW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("launch %s: %w", spec.Path, err)
	}
	defer goW.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		goR.Close()
		return fmt.Errorf("launch %s: %w", spec.Path, err)
	}
	defer readyR.Close()
	env := spec.Env
	if env == nil {
		env = os.Environ()
	}
	env = append(env[:len(env):len(env)], helperEnv+"=exec")
	if spec.Credential != nil {
		env = append(env, credEnv+"="+spec.Credential.String())
	}
	if t.opts.Seccomp {
		env = append(env, seccompEnv+"="+encodeCalls(t.opts.SeccompCalls))
	}
	argv := append([]string{"waittrace-helper", spec.Path}, spec.Argv...)
	p, err := os.StartProcess(selfExe(), argv, &os.ProcAttr{
		Env:   env,
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, goR, readyW},
	})
	goR.Close()
	readyW.Close()
	if err != nil {
		return fmt.Errorf("launch %s: %w", spec.Path, err)
	}
	pid := p.Pid
	_ = p.Release()
	ready, err := io.ReadAll(readyR)
	if err != nil || len(ready) == 0 {
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, 0, nil)
		return fmt.Errorf("launch %s: the helper died before it was ready: %v", spec.Path, ws)
	}
	filtered := ready[0] == 's'
	t.result.Seccomp = filtered
	if t.opts.Seccomp && !filtered {
		t.result.SeccompError = errors.New(string(ready[1:]))
		if t.opts.SeccompRefused != nil {
			t.opts.SeccompRefused(t.result.SeccompError)
		}
	}
	if err := seize(pid, t.ptraceOptions(true, false, filtered)); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, 0, nil)
		return fmt.Errorf("launch %s: %w", spec.Path, err)
	}
	t.launched = pid
	t.result.Launched = true
	t.tracees[pid] = &tracee{tid: pid, hidden: true, origin: Launched, filtered: filtered}
	return nil
}
