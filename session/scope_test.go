package session

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/ptrace"
	"github.com/waittrace/waittrace/syscalls"
)

// TestScopes reads what a wait call of this test process would wait for:
// its child's group, and the child behind a pidfd, also once reaped.
func TestScopes(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	child := cmd.Process.Pid
	defer cmd.Process.Kill()
	me := os.Getpid()
	sc := newScopes()
	// As the engine reports a followed child.
	sc.add(&ptrace.Event{Kind: ptrace.NewTracee, Tid: child, Pid: child, Parent: me}, &event.Event{}, 0)

	group := sc.of(me, me, syscalls.Wait4, [6]uint64{uint64(-child)})
	if group == nil || group.Group != child {
		t.Fatalf("wait4(-%d): %+v", child, group)
	}
	found := false
	for _, g := range group.Groups {
		found = found || g.Pid == child && g.Pgid == child
	}
	if !found {
		t.Errorf("child %d not in group %d: %+v", child, child, group.Groups)
	}
	// A wait for any child reads only the children not read yet.
	if again := sc.of(me, me, syscalls.Wait4, [6]uint64{^uint64(0)}); again != nil {
		t.Errorf("wait4(-1) read them again: %+v", again)
	}
	own, _ := statPgrp(me)
	if g := sc.of(me, me, syscalls.Wait4, [6]uint64{0}); g == nil || g.Group != own {
		t.Errorf("wait4(0): %+v, want group %d", g, own)
	}

	fd, err := unix.PidfdOpen(child, 0)
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	waitid := func() int {
		s := sc.of(me, me, syscalls.Waitid, [6]uint64{idPPidfd, uint64(fd)})
		if s == nil {
			return 0
		}
		return s.Pidfd
	}
	if got := waitid(); got != child {
		t.Errorf("pidfd of a live child: %d, want %d", got, child)
	}
	cmd.Process.Kill()
	cmd.Wait()
	sc.add(&ptrace.Event{Kind: ptrace.Killed, Tid: child}, &event.Event{}, 0)
	if len(sc.kids) != 0 || len(sc.parent) != 0 {
		t.Errorf("after its end: kids %v, parent %v", sc.kids, sc.parent)
	}
	info, _ := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if !strings.Contains(string(info), "Pid:\t-1") {
		t.Logf("fdinfo of a reaped child's pidfd:\n%s", info)
	}
	got := waitid()
	switch {
	case sc.pidfs < 0 && got != 0:
		t.Errorf("no pidfs, yet the pidfd of a reaped child resolved to %d", got)
	case sc.pidfs < 0:
		t.Log("pidfds are not on pidfs (Linux < 6.9): a reaped child's pidfd is not resolved")
	case got != child:
		t.Errorf("pidfd of a reaped child: %d, want %d (by its pidfs inode)", got, child)
	}
}

func TestStatPgrp(t *testing.T) {
	if g, ok := statPgrp(os.Getpid()); !ok || g != syscall.Getpgrp() {
		t.Errorf("statPgrp: %d %v, want %d", g, ok, syscall.Getpgrp())
	}
	if _, ok := statPgrp(gonePid); ok {
		t.Errorf("statPgrp of no process")
	}
	// A name that looks like the fields that follow it.
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	odd := filepath.Join(t.TempDir(), "x) S 1 77 (y")
	if err := os.Symlink(sleep, odd); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(odd, "10")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if g, ok := statPgrp(cmd.Process.Pid); !ok || g != cmd.Process.Pid {
		t.Errorf("statPgrp of %q: %d %v, want %d", odd, g, ok, cmd.Process.Pid)
	}
}
