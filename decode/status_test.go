package decode

import "testing"

// Expected strings were taken from strace 6.1 (wait4 with an injected
// return value and a prepared status word).
func TestWaitStatusString(t *testing.T) {
	tests := []struct {
		in   uint32
		want string
	}{
		{0x0, "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"},
		{0x300, "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]"},
		{0x80, "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}|0x80]"},
		{0xff, "[0xff]"},
		{0x1ff, "[0x1ff]"},
		{0x1ffff, "[0x1ffff]"},
		{0xffffffff, "[0xffffffff]"},
		{0x10300, "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}|PTRACE_EVENT_FORK<<16]"},
		{0x7f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == 0}]"},
		{0x137f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]"},
		{0x857f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP | 0x80}]"},
		{0x7f7f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == 127}]"},
		{0xff7f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == 127 | 0x80}]"},
		{0x207f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGRTMIN}]"},
		{0x417f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == 65}]"},
		{0x3057f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP}|PTRACE_EVENT_CLONE<<16]"},
		{0x4057f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP}|PTRACE_EVENT_EXEC<<16]"},
		{0xf, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}]"},
		{0x1f, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSYS}]"},
		{0x21, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGRT_1}]"},
		{0x40, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGRT_32}]"},
		{0x7e, "[{WIFSIGNALED(s) && WTERMSIG(s) == 126}]"},
		{0x8b, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]"},
		{0x1234, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGRT_20}|0x1200]"},
		{0xfffe, "[{WIFSIGNALED(s) && WTERMSIG(s) == 126 && WCOREDUMP(s)}|0xff00]"},
		{0x12340085, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGTRAP && WCOREDUMP(s)}|0x1234 /* PTRACE_EVENT_??? */<<16]"},
		{0x7fff0000, "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}|0x7fff /* PTRACE_EVENT_??? */<<16]"},
		{0xffff, "[{WIFCONTINUED(s)}]"},
	}
	for _, tt := range tests {
		if got := WaitStatus(tt.in).String(); got != tt.want {
			t.Errorf("WaitStatus(%#x) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWaitStatusPredicates(t *testing.T) {
	exited := WaitStatus(0x300)
	if !exited.Exited() || exited.ExitStatus() != 3 || exited.Signaled() || exited.Stopped() {
		t.Errorf("%#x: want exited with 3", uint32(exited))
	}
	killed := WaitStatus(0x8b)
	if !killed.Signaled() || killed.TermSignal() != 11 || !killed.CoreDumped() || killed.Exited() {
		t.Errorf("%#x: want killed by 11 with core", uint32(killed))
	}
	stopped := WaitStatus(0x4057f)
	if !stopped.Stopped() || stopped.StopSignal() != 5 || stopped.PtraceEvent() != 4 {
		t.Errorf("%#x: want stopped by 5 with event 4", uint32(stopped))
	}
	cont := WaitStatus(0xffff)
	if !cont.Continued() || cont.Stopped() || cont.Signaled() || cont.Exited() {
		t.Errorf("%#x: want continued only", uint32(cont))
	}
	if WaitStatus(0x7f).Signaled() || WaitStatus(0x7f).CoreDumped() {
		t.Error("0x7f is a stop, not a signal")
	}
}

func FuzzWaitStatus(f *testing.F) {
	for _, s := range []uint32{0, 0x300, 0x7f, 0x857f, 0x4057f, 0x8b, 0xffff, 0xffffffff, 0x12340085} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s uint32) {
		out := WaitStatus(s).String()
		if len(out) < 3 || out[0] != '[' || out[len(out)-1] != ']' {
			t.Fatalf("WaitStatus(%#x) = %q: not bracketed", s, out)
		}
	})
}
