//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/cli"
)

// copyExe copies src to dst (mode 0755) and gives it owner uid:gid and mode.
func copyExe(t *testing.T, src, dst string, uid, gid int, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dst, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil { // after chown, which clears set-id bits
		t.Fatal(err)
	}
}

// needSetID skips unless root, in a directory where set-id bits work.
func needSetID(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a set-id copy")
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Flags&unix.ST_NOSUID != 0 {
		t.Skipf("%s is on a nosuid filesystem (or statfs failed: %v): set TMPDIR elsewhere", dir, err)
	}
}

// runAs runs argv as user with a timeout and returns stdout, stderr and
// the wait status.
func runAs(t *testing.T, user asUser, dir string, argv ...string) (string, string, syscall.WaitStatus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(t, ctx, user.prepare(t), dir, nil, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out", strings.Join(argv, " "))
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// TestHardSetID: a waittrace made setuid or setgid by mistake refuses to
// run, in one line and with its own exit status, whoever runs it; the same
// copy without the set-id bits runs.
func TestHardSetID(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	dir := workDir(t)
	needSetID(t, dir)
	cases := []struct {
		name     string
		uid, gid int
		mode     os.FileMode
		user     asUser
		refused  bool
	}{
		{"setuid-nobody-run-by-root", nobodyID, nobodyID, 0o755 | os.ModeSetuid, asSelf, true},
		{"setuid-root-run-by-nobody", 0, 0, 0o755 | os.ModeSetuid, asNobody, true},
		{"setgid-run-by-root", 0, nobodyID, 0o755 | os.ModeSetgid, asSelf, true},
		{"plain-run-by-root", nobodyID, nobodyID, 0o755, asSelf, false},
		{"plain-run-by-nobody", 0, 0, 0o755, asNobody, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			exe := filepath.Join(dir, tc.name)
			copyExe(t, bin, exe, tc.uid, tc.gid, tc.mode)
			_, stderr, ws := runAs(t, tc.user, dir, exe, "-o", "/dev/null", "/bin/sh", "-c", "exit 9")
			if tc.refused {
				if !ws.Exited() || ws.ExitStatus() != cli.ExitSetID || !strings.HasPrefix(stderr, "waittrace: refusing to run setuid or setgid") {
					t.Errorf("exit %#x, stderr %q; want exit %d and the refusal", int(ws), stderr, cli.ExitSetID)
				}
				oneLine(t, stderr)
			} else if !ws.Exited() || ws.ExitStatus() != 9 {
				t.Errorf("exit %#x, stderr %q; want the command's exit 9", int(ws), stderr)
			}
		})
	}
	// File capabilities: a copy that may trace anyone, run by nobody, is
	// refused as a set-id one is; run by root (who has them anyway), it
	// runs.
	t.Run("file-capabilities", func(t *testing.T) {
		setcap, err := exec.LookPath("setcap")
		if err != nil {
			t.Skip("needs setcap(8) (Debian package libcap2-bin)")
		}
		exe := filepath.Join(dir, "with-caps")
		copyExe(t, bin, exe, 0, 0, 0o755)
		if out, err := exec.Command(setcap, "cap_sys_ptrace+ep", exe).CombinedOutput(); err != nil {
			t.Skipf("the file system cannot hold file capabilities: %v: %s", err, out)
		}
		_, stderr, ws := runAs(t, asNobody, dir, exe, "-o", "/dev/null", "/bin/sh", "-c", "exit 9")
		if !ws.Exited() || ws.ExitStatus() != cli.ExitSetID || !strings.Contains(stderr, "file capabilities") {
			t.Errorf("run by nobody: exit %#x, stderr %q; want exit %d and the refusal", int(ws), stderr, cli.ExitSetID)
		}
		oneLine(t, stderr)
		if _, stderr, ws := runAs(t, asSelf, dir, exe, "-o", "/dev/null", "/bin/sh", "-c", "exit 9"); !ws.Exited() || ws.ExitStatus() != 9 {
			t.Errorf("run by root: exit %#x, stderr %q; want the command's exit 9", int(ws), stderr)
		}
	})
}

// TestHardNoGain: traced by an unprivileged waittrace, a setuid-root
// program runs without its privilege (the kernel ignores set-id bits for
// an exec under ptrace by a tracer without CAP_SYS_PTRACE): tracing never
// gains what ptrace would not allow. Untraced, the same copy runs as root,
// which proves the copy is a working setuid program.
func TestHardNoGain(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	dir := workDir(t)
	needSetID(t, dir)
	id, err := exec.LookPath("id")
	if err != nil {
		t.Skip("needs id(1)")
	}
	suid := filepath.Join(dir, "id")
	copyExe(t, id, suid, 0, 0, 0o755|os.ModeSetuid)
	if out, _, _ := runAs(t, asNobody, dir, suid, "-u"); strings.TrimSpace(out) != "0" {
		t.Skipf("the setuid-root copy of id does not run as root untraced (%q)", out)
	}
	for _, flags := range [][]string{nil, {"--seccomp-bpf=false"}, {"-f"}} {
		argv := append(append([]string{bin, "-o", "/dev/null"}, flags...), suid, "-u")
		out, stderr, _ := runAs(t, asNobody, dir, argv...)
		if strings.TrimSpace(out) != strconv.Itoa(nobodyID) {
			t.Errorf("%s: the setuid program ran with euid %q; want %d\nstderr:\n%s", strings.Join(argv, " "), out, nobodyID, stderr)
		}
	}
}

// TestHardUserDrop: -u USER runs the command with that user's ids, all
// three of each, its groups only, and no capabilities left.
func TestHardUserDrop(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("-u needs root")
	}
	bin := tracer{"waittrace", "", nil}.use(t)
	dir := workDir(t)
	out, stderr, ws := runAs(t, asSelf, dir, bin, "-u", strconv.Itoa(nobodyID), "-o", "/dev/null", "/bin/cat", "/proc/self/status")
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("exit %#x\nstderr:\n%s", int(ws), stderr)
	}
	id := strconv.Itoa(nobodyID)
	want := map[string]string{
		"Uid": strings.Repeat(id+" ", 4), "Gid": strings.Repeat(id+" ", 4),
		"CapInh": "0000000000000000 ", "CapPrm": "0000000000000000 ", "CapEff": "0000000000000000 ", "CapAmb": "0000000000000000 ",
	}
	for _, l := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(l, ":")
		v = strings.Join(strings.Fields(v), " ") + " "
		if w, ok := want[k]; ok {
			if v != w {
				t.Errorf("%s: %q, want %q", k, v, w)
			}
			delete(want, k)
		}
		if k == "Groups" {
			for _, g := range strings.Fields(v) {
				if g == "0" {
					t.Errorf("Groups: %q still has root's group", v)
				}
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("/proc/self/status lacks %v:\n%s", want, out)
	}
}

// TestHardOutputFiles: -o files are created with the user's umask, or
// 0600 in a directory anyone may write to (others must not read the
// trace there), and a symlink planted where -ff creates a per-process file
// is not followed (the file it points to is left alone).
func TestHardOutputFiles(t *testing.T) {
	bin := tracer{"waittrace", "", nil}.use(t)
	t.Run("umask", func(t *testing.T) {
		shared := workDir(t) // 0777
		dir := filepath.Join(shared, "private")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(shared, "trace-shared")
		_, stderr, ws := runAs(t, asSelf, dir, "/bin/sh", "-c", fmt.Sprintf("umask 022; exec %s -o %s /bin/true", bin, out))
		if !ws.Exited() || ws.ExitStatus() != 0 {
			t.Fatalf("exit %#x: %s", int(ws), stderr)
		}
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("-o file in a world-writable directory: %v, %v; want mode -rw-------", fi.Mode().Perm(), err)
		}
		for _, umask := range []int{0o027, 0o077, 0o002} {
			out := filepath.Join(dir, fmt.Sprintf("trace-%03o", umask))
			_, stderr, ws := runAs(t, asSelf, dir, "/bin/sh", "-c", fmt.Sprintf("umask %03o; exec %s -o %s /bin/true", umask, bin, out))
			if !ws.Exited() || ws.ExitStatus() != 0 {
				t.Fatalf("exit %#x: %s", int(ws), stderr)
			}
			fi, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fi.Mode().Perm(), os.FileMode(0o666&^umask); got != want {
				t.Errorf("umask %03o: -o file has mode %v; want %v", umask, got, want)
			}
		}
	})
	t.Run("ff-symlink", func(t *testing.T) {
		dir := workDir(t) // 0777: anybody may plant a file here
		victim := filepath.Join(dir, "victim")
		if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		goFile := filepath.Join(dir, "go")
		cmd, logFile := startHard(t, dir, "attach-go", "3", goFile)
		waitNote(t, logFile, "ready")
		prefix := filepath.Join(dir, "trace")
		if err := os.Symlink(victim, fmt.Sprintf("%s.%d", prefix, cmd.Process.Pid)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		wt := command(t, ctx, asSelf.prepare(t), dir, nil, bin, "-ff", "-o", prefix, "-p", strconv.Itoa(cmd.Process.Pid))
		var stderr bytes.Buffer
		wt.Stderr = &stderr
		if err := wt.Start(); err != nil {
			t.Fatal(err)
		}
		// Refusing the planted link is an output failure: waittrace may
		// detach at once, so its attach is not waited for.
		exited := make(chan error, 1)
		go func() { exited <- wt.Wait() }()
		select {
		case <-exited:
			exited <- nil
		case <-time.After(500 * time.Millisecond):
		}
		_ = os.WriteFile(goFile, nil, 0o644)
		<-exited
		if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
			t.Errorf("waittrace -ff followed the symlink planted at %s.%d and wrote over its target:\n%s\nstderr:\n%s", prefix, cmd.Process.Pid, b, stderr.Bytes())
		}
		if ws := wt.ProcessState.Sys().(syscall.WaitStatus); !ws.Exited() || ws.ExitStatus() == 0 || !strings.Contains(stderr.String(), "trace") {
			t.Errorf("want a failed exit naming the trace file, got %v:\n%s", wt.ProcessState, stderr.Bytes())
		}
	})
}
