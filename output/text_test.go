package output

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
)

// The golden outputs below are what strace 6.1 prints (checked by running
// strace -e trace=wait4,... over small C programs) for the same sequence of
// events, with "strace: " messages renamed "waittrace: " and kept apart.

// step is one call on the writer.
type step func(*Text)

func enter(tid int, name, args string) step {
	return func(t *Text) { t.Enter(tid, name, args) }
}

func exit(tid int, name, args, ret string, isErr bool) step {
	return func(t *Text) { t.Exit(tid, name, args, ret, isErr) }
}

func sig(tid int, s, info string) step { return func(t *Text) { t.Signal(tid, s, info) } }
func stop(tid int, s string) step      { return func(t *Text) { t.GroupStop(tid, s) } }
func exited(tid, code int) step        { return func(t *Text) { t.Exited(tid, code) } }

func killed(tid int, s string, core bool) step {
	return func(t *Text) { t.Killed(tid, s, core) }
}

func tracee(tid, threads int, announce bool) step {
	return func(t *Text) { t.NewTracee(tid, threads, announce) }
}

func detached(tid int, announce bool) step {
	return func(t *Text) { t.Detached(tid, announce) }
}

func superseded(tid, former int) step {
	return func(t *Text) { t.Superseded(tid, former) }
}

const (
	echild    = "-1 ECHILD (No child processes)"
	exited3   = "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL"
	sigchld   = "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=20037, si_uid=0, si_status=3, si_utime=0, si_stime=0}"
	sigsegv   = "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}"
	sigstop   = "{si_signo=SIGSTOP, si_code=SI_TKILL, si_pid=28152, si_uid=0}"
	sigcont   = "{si_signo=SIGCONT, si_code=SI_USER, si_pid=28137, si_uid=0}"
	wnohangCh = "NULL, WNOHANG, NULL"
)

// followSteps is strace -f over a parent that waits for a child which makes
// a call of its own and exits with 3.
var followSteps = []step{
	tracee(20036, 0, false),
	tracee(20037, 0, true),
	enter(20036, "wait4", "-1, "),
	enter(20037, "wait4", "-1, "),
	exit(20037, "wait4", wnohangCh, echild, true),
	exited(20037, 3),
	exit(20036, "wait4", exited3, "20037", false),
	sig(20036, "SIGCHLD", sigchld),
	enter(20036, "wait4", "123, "),
	exit(20036, "wait4", "NULL, 0, NULL", echild, true),
	exited(20036, 0),
}

type textCase struct {
	name    string
	cfg     TextConfig // Out and Messages are set by the test
	initial int
	steps   []step
	out     string
	msgs    string
}

var textCases = []textCase{
	{
		name:    "single call, = at column 40",
		initial: 1,
		steps: []step{
			tracee(100, 0, false),
			enter(100, "wait4", "123, "),
			exit(100, "wait4", "NULL, 0, NULL", echild, true),
			exited(100, 0),
		},
		out: "wait4(123, NULL, 0, NULL)               = -1 ECHILD (No child processes)\n" +
			"+++ exited with 0 +++\n",
	},
	{
		name:    "line past column 40 gets a single space",
		initial: 1,
		steps: []step{
			tracee(100, 0, false),
			enter(100, "wait4", "-1, "),
			exit(100, "wait4", exited3, "20037", false),
		},
		out: "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 20037\n",
	},
	{
		name:    "follow: [pid N] while more than one process, unfinished and resumed",
		cfg:     TextConfig{Follow: true},
		initial: 1,
		steps:   followSteps,
		out: "[pid 20036] wait4(-1,  <unfinished ...>\n" +
			"[pid 20037] wait4(-1, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)\n" +
			"[pid 20037] +++ exited with 3 +++\n" +
			"<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 20037\n" +
			"--- SIGCHLD " + sigchld + " ---\n" +
			"wait4(123, NULL, 0, NULL)               = -1 ECHILD (No child processes)\n" +
			"+++ exited with 0 +++\n",
		msgs: "waittrace: Process 20037 attached\n",
	},
	{
		name:    "-o FILE -f: every line PID-prefixed, = still at column 40",
		cfg:     TextConfig{ToFile: true, Follow: true},
		initial: 1,
		steps:   followSteps,
		out: "20036 wait4(-1,  <unfinished ...>\n" +
			"20037 wait4(-1, NULL, WNOHANG, NULL)    = -1 ECHILD (No child processes)\n" +
			"20037 +++ exited with 3 +++\n" +
			"20036 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 20037\n" +
			"20036 --- SIGCHLD " + sigchld + " ---\n" +
			"20036 wait4(123, NULL, 0, NULL)         = -1 ECHILD (No child processes)\n" +
			"20036 +++ exited with 0 +++\n",
		msgs: "waittrace: Process 20037 attached\n",
	},
	{
		name:    "-o FILE without -f: no prefix at all",
		cfg:     TextConfig{ToFile: true},
		initial: 1,
		steps: []step{
			tracee(20068, 0, false),
			enter(20068, "wait4", "-1, "),
			exit(20068, "wait4", exited3, "20069", false),
			enter(20068, "wait4", "123, "),
			exit(20068, "wait4", "NULL, 0, NULL", echild, true),
			exited(20068, 0),
		},
		out: "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 20069\n" +
			"wait4(123, NULL, 0, NULL)               = -1 ECHILD (No child processes)\n" +
			"+++ exited with 0 +++\n",
	},
	{
		name:    "-o FILE with two -p: PID prefix fixed at start, kept after one leaves",
		cfg:     TextConfig{ToFile: true},
		initial: 2,
		steps: []step{
			tracee(10, 1, true),
			tracee(20, 1, true),
			enter(10, "wait4", "123, "),
			exit(10, "wait4", "NULL, 0, NULL", echild, true),
			exited(20, 0),
			enter(10, "wait4", "123, "),
			exit(10, "wait4", "NULL, 0, NULL", echild, true),
		},
		out: "10    wait4(123, NULL, 0, NULL)         = -1 ECHILD (No child processes)\n" +
			"20    +++ exited with 0 +++\n" +
			"10    wait4(123, NULL, 0, NULL)         = -1 ECHILD (No child processes)\n",
		msgs: "waittrace: Process 10 attached\nwaittrace: Process 20 attached\n",
	},
	{
		name:    "stderr with two -p: [pid N] until one is detached",
		initial: 2,
		steps: []step{
			tracee(10, 1, true),
			tracee(123456, 1, true),
			enter(123456, "wait4", "123, "),
			exit(123456, "wait4", "NULL, 0, NULL", echild, true),
			detached(123456, true),
			enter(10, "wait4", "123, "),
			exit(10, "wait4", "NULL, 0, NULL", echild, true),
		},
		out: "[pid 123456] wait4(123, NULL, 0, NULL)  = -1 ECHILD (No child processes)\n" +
			"wait4(123, NULL, 0, NULL)               = -1 ECHILD (No child processes)\n",
		msgs: "waittrace: Process 10 attached\n" +
			"waittrace: Process 123456 attached\n" +
			"waittrace: Process 123456 detached\n",
	},
	{
		name:    "killed in a call whose line is open",
		initial: 1,
		steps: []step{
			tracee(300, 0, false),
			enter(300, "wait4", "-1, "),
			killed(300, "SIGKILL", false),
		},
		out: "wait4(-1,  <unfinished ...>)            = ?\n" +
			"+++ killed by SIGKILL +++\n",
	},
	{
		name:    "killed in a call whose line was closed by another process",
		cfg:     TextConfig{Follow: true},
		initial: 1,
		steps: []step{
			tracee(20127, 0, false),
			tracee(20128, 0, true),
			enter(20127, "wait4", "-1, "),
			enter(20128, "wait4", "123, "),
			exit(20128, "wait4", "NULL, 0, NULL", echild, true),
			killed(20127, "SIGKILL", false),
			killed(20128, "SIGKILL", false),
		},
		out: "[pid 20127] wait4(-1,  <unfinished ...>\n" +
			"[pid 20128] wait4(123, NULL, 0, NULL)   = -1 ECHILD (No child processes)\n" +
			"[pid 20127] <... wait4 resumed> <unfinished ...>) = ?\n" +
			"[pid 20127] +++ killed by SIGKILL +++\n" +
			"+++ killed by SIGKILL +++\n",
		msgs: "waittrace: Process 20128 attached\n",
	},
	{
		name:    "resumed line shorter than 40 is padded; exited mid-call pads too",
		initial: 1,
		cfg:     TextConfig{Follow: true},
		steps: []step{
			tracee(9043, 0, false),
			enter(9043, "wait4", "-1, "),
			tracee(9048, 0, true),
			enter(9048, "wait4", "123, "),
			exit(9048, "wait4", "NULL, 0, NULL", echild, true),
			exited(9048, 0),
			exit(9043, "wait4", "NULL, 0, NULL", "9048", false),
			enter(9043, "waitid", "P_ALL, 0, "),
			exited(9043, 0),
		},
		out: "wait4(-1,  <unfinished ...>\n" +
			"[pid  9048] wait4(123, NULL, 0, NULL)   = -1 ECHILD (No child processes)\n" +
			"[pid  9048] +++ exited with 0 +++\n" +
			"<... wait4 resumed>NULL, 0, NULL)       = 9048\n" +
			"waitid(P_ALL, 0,  <unfinished ...>)     = ?\n" +
			"+++ exited with 0 +++\n",
		msgs: "waittrace: Process 9048 attached\n",
	},
	{
		name:    "SIGSEGV with core",
		initial: 1,
		steps: []step{
			tracee(400, 0, false),
			enter(400, "wait4", "123, "),
			exit(400, "wait4", "NULL, 0, NULL", echild, true),
			sig(400, "SIGSEGV", sigsegv),
			killed(400, "SIGSEGV", true),
		},
		out: "wait4(123, NULL, 0, NULL)               = -1 ECHILD (No child processes)\n" +
			"--- SIGSEGV " + sigsegv + " ---\n" +
			"+++ killed by SIGSEGV (core dumped) +++\n",
	},
	{
		name:    "group stop and continue",
		initial: 1,
		steps: []step{
			tracee(500, 0, false),
			sig(500, "SIGSTOP", sigstop),
			stop(500, "SIGSTOP"),
			sig(500, "SIGCONT", sigcont),
			sig(500, "SIGWINCH", ""),
			exited(500, 0),
		},
		out: "--- SIGSTOP " + sigstop + " ---\n" +
			"--- stopped by SIGSTOP ---\n" +
			"--- SIGCONT " + sigcont + " ---\n" +
			"--- SIGWINCH ---\n" +
			"+++ exited with 0 +++\n",
	},
	{
		name:    "signal and group stop close an open line",
		cfg:     TextConfig{Follow: true},
		initial: 1,
		steps: []step{
			tracee(600, 0, false),
			tracee(601, 0, false),
			enter(600, "wait4", "-1, "),
			stop(601, "SIGTSTP"),
			sig(601, "SIGCONT", ""),
			exit(600, "wait4", "NULL, WUNTRACED, NULL", "601", false),
		},
		out: "[pid   600] wait4(-1,  <unfinished ...>\n" +
			"[pid   601] --- stopped by SIGTSTP ---\n" +
			"[pid   601] --- SIGCONT ---\n" +
			"[pid   600] <... wait4 resumed>NULL, WUNTRACED, NULL) = 601\n",
	},
	{
		name:    "-p detached in a call",
		initial: 1,
		steps: []step{
			tracee(28114, 1, true),
			enter(28114, "wait4", "-1, "),
			detached(28114, true),
		},
		out:  "wait4(-1,  <detached ...>\n",
		msgs: "waittrace: Process 28114 attached\nwaittrace: Process 28114 detached\n",
	},
	{
		name:    "detached with another's line open leaves it open",
		cfg:     TextConfig{Follow: true},
		initial: 2,
		steps: []step{
			tracee(700, 1, true),
			tracee(800, 1, true),
			enter(700, "wait4", "-1, "),
			detached(800, true),
			exit(700, "wait4", "NULL, 0, NULL", "5", false),
		},
		out: "[pid   700] wait4(-1, NULL, 0, NULL)    = 5\n",
		msgs: "waittrace: Process 700 attached\n" +
			"waittrace: Process 800 attached\n" +
			"waittrace: Process 800 detached\n",
	},
	{
		name:    "attached with threads",
		initial: 1,
		steps: []step{
			tracee(900, 3, true),
			tracee(901, 0, false),
			tracee(902, 0, false),
			enter(902, "waitid", "P_ALL, 0, "),
			exit(902, "waitid", "NULL, WEXITED, NULL", echild, true),
			exited(902, 0),
			exited(901, 0),
			enter(900, "wait4", "123, "),
			exit(900, "wait4", "NULL, 0, NULL", echild, true),
			detached(900, true),
		},
		out: "[pid   902] waitid(P_ALL, 0, NULL, WEXITED, NULL) = -1 ECHILD (No child processes)\n" +
			"[pid   902] +++ exited with 0 +++\n" +
			"[pid   901] +++ exited with 0 +++\n" +
			"wait4(123, NULL, 0, NULL)               = -1 ECHILD (No child processes)\n",
		msgs: "waittrace: Process 900 attached with 3 threads\nwaittrace: Process 900 detached\n",
	},
	{
		name:    "announce false: no messages",
		cfg:     TextConfig{Follow: true},
		initial: 1,
		steps: []step{
			tracee(1, 0, false),
			tracee(2, 0, false),
			exited(2, 0),
			detached(1, false),
		},
		out: "[pid     2] +++ exited with 0 +++\n",
	},
	{
		name:    "thread execve supersedes the leader, cutting its call",
		cfg:     TextConfig{Follow: true},
		initial: 1,
		steps: []step{
			tracee(28179, 0, false),
			tracee(28180, 0, true),
			tracee(28181, 0, true),
			enter(28179, "wait4", "-1, "),
			superseded(28179, 28181),
			exited(28179, 0),
			exited(28180, 0),
		},
		out: "[pid 28179] wait4(-1,  <unfinished ...>) = ?\n" +
			"[pid 28179] +++ superseded by execve in pid 28181 +++\n" +
			"[pid 28179] +++ exited with 0 +++\n" +
			"+++ exited with 0 +++\n",
		msgs: "waittrace: Process 28180 attached\nwaittrace: Process 28181 attached\n",
	},
	{
		name:    "superseded while the leader's call line was already closed",
		cfg:     TextConfig{Follow: true},
		initial: 1,
		steps: []step{
			tracee(50, 0, false),
			tracee(51, 0, false),
			enter(50, "wait4", "-1, "),
			sig(51, "SIGUSR1", ""),
			superseded(50, 51),
			exited(50, 0),
		},
		out: "[pid    50] wait4(-1,  <unfinished ...>\n" +
			"[pid    51] --- SIGUSR1 ---\n" +
			"[pid    50] <... wait4 resumed> <unfinished ...>) = ?\n" +
			"[pid    50] +++ superseded by execve in pid 51 +++\n" +
			"+++ exited with 0 +++\n",
	},
}

func runText(tc textCase, color bool) (out, msgs string, w *Text) {
	var o, m bytes.Buffer
	cfg := tc.cfg
	cfg.Out, cfg.Messages, cfg.Color = &o, &m, color
	w = NewText(cfg)
	w.Start(tc.initial)
	for _, s := range tc.steps {
		s(w)
	}
	return o.String(), m.String(), w
}

func TestTextGolden(t *testing.T) {
	for _, tc := range textCases {
		t.Run(tc.name, func(t *testing.T) {
			out, msgs, w := runText(tc, false)
			if out != tc.out {
				t.Errorf("trace:\n got:\n%s\nwant:\n%s", out, tc.out)
			}
			if msgs != tc.msgs {
				t.Errorf("messages:\n got: %q\nwant: %q", msgs, tc.msgs)
			}
			if strings.Contains(out, "waittrace:") || strings.Contains(out, "attached") ||
				strings.Contains(out, "Process ") {
				t.Errorf("a message leaked into the trace:\n%s", out)
			}
			if strings.Contains(out, "\x1b") || strings.Contains(msgs, "\x1b") {
				t.Errorf("escape sequence without color: %q", out)
			}
			if err := w.Err(); err != nil {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

// TestTextSharedWriter checks the interleaving when the trace and the
// messages both go to stderr, as strace writes them: a message cuts into an
// open line, which is then closed on the next line.
func TestTextSharedWriter(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  string
	}{
		{
			name: "detach mid-line",
			steps: []step{
				tracee(28114, 1, true),
				enter(28114, "wait4", "-1, "),
				detached(28114, true),
			},
			want: "waittrace: Process 28114 attached\n" +
				"wait4(-1, waittrace: Process 28114 detached\n" +
				" <detached ...>\n",
		},
		{
			name: "child attached while the parent's line is open",
			steps: []step{
				tracee(9043, 0, false),
				enter(9043, "wait4", "-1, "),
				tracee(9048, 0, true),
				enter(9048, "wait4", "123, "),
				exit(9048, "wait4", "NULL, 0, NULL", echild, true),
			},
			want: "wait4(-1, waittrace: Process 9048 attached\n" +
				" <unfinished ...>\n" +
				"[pid  9048] wait4(123, NULL, 0, NULL)   = -1 ECHILD (No child processes)\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			w := NewText(TextConfig{Out: &b, Messages: &b, Follow: true})
			w.Start(1)
			for _, s := range tc.steps {
				s(w)
			}
			if b.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestTextNilMessages(t *testing.T) {
	var o bytes.Buffer
	w := NewText(TextConfig{Out: &o, ToFile: true})
	w.Start(1)
	w.NewTracee(1, 2, true)
	w.NewTracee(2, 0, true)
	w.Enter(1, "wait4", "-1, ")
	w.Detached(1, true)
	if want := "wait4(-1,  <detached ...>\n"; o.String() != want {
		t.Errorf("got %q, want %q", o.String(), want)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTextColor(t *testing.T) {
	for _, tc := range textCases {
		t.Run(tc.name, func(t *testing.T) {
			out, msgs, _ := runText(tc, true)
			if plain := ansi.ReplaceAllString(out, ""); plain != tc.out {
				t.Errorf("colored trace without escapes:\n got:\n%s\nwant:\n%s", plain, tc.out)
			}
			if !strings.Contains(out, "\x1b[") {
				t.Errorf("no escape sequence with Color: %q", out)
			}
			if msgs != tc.msgs {
				t.Errorf("messages: got %q, want %q (never colored)", msgs, tc.msgs)
			}
		})
	}

	// Which parts are colored.
	var o bytes.Buffer
	w := NewText(TextConfig{Out: &o, Color: true})
	w.Start(1)
	w.NewTracee(1, 0, false)
	w.Enter(1, "wait4", "123, ")
	w.Exit(1, "wait4", "NULL, 0, NULL", echild, true)
	w.Enter(1, "wait4", "-1, ")
	w.Exit(1, "wait4", "NULL, 0, NULL", "42", false)
	w.Signal(1, "SIGCHLD", "{si_signo=SIGCHLD}")
	w.GroupStop(1, "SIGSTOP")
	w.Enter(1, "waitid", "P_ALL, 0, ")
	w.Killed(1, "SIGKILL", false)
	got := o.String()
	for _, part := range []string{
		"wait4", echild, "42", "--- SIGCHLD {si_signo=SIGCHLD} ---",
		"--- stopped by SIGSTOP ---", "waitid", "+++ killed by SIGKILL +++",
	} {
		re := regexp.MustCompile("\x1b\\[[0-9;]+m" + regexp.QuoteMeta(part) + "\x1b\\[[0-9;]+m")
		if !re.MatchString(got) {
			t.Errorf("%q is not colored in:\n%q", part, got)
		}
	}
	for _, part := range []string{"(123, NULL, 0, NULL) ", " <unfinished ...>) "} {
		if !strings.Contains(got, part) {
			t.Errorf("%q should be plain in:\n%q", part, got)
		}
	}
	// The escapes do not count as columns.
	for _, line := range strings.Split(ansi.ReplaceAllString(got, ""), "\n") {
		if strings.HasPrefix(line, "wait4(-1, NULL") || strings.HasPrefix(line, "waitid(") {
			if i := strings.Index(line, "= "); i != 40 {
				t.Errorf("= at column %d, want 40: %q", i, line)
			}
		}
	}
}

// failWriter fails every write, with a different error each time.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	if f.n == 1 {
		return 0, errDiskFull
	}
	return 0, io.ErrShortWrite
}

var errDiskFull = errors.New("disk full")

func TestTextWriteError(t *testing.T) {
	fw := &failWriter{}
	w := NewText(TextConfig{Out: fw})
	w.Start(1)
	w.NewTracee(1, 0, false)
	if w.Err() != nil {
		t.Fatalf("Err() = %v before any write", w.Err())
	}
	w.Enter(1, "wait4", "-1, ")
	w.Exit(1, "wait4", "NULL, 0, NULL", "2", false)
	w.Exited(1, 0)
	if !errors.Is(w.Err(), errDiskFull) {
		t.Errorf("Err() = %v, want the first write error %v", w.Err(), errDiskFull)
	}
	if fw.n != 1 {
		t.Errorf("%d writes after a failure, want none after the first", fw.n-1)
	}
}

// TestTextCommPrefix: with -Y the pid prefix names the process, as strace
// 6.1 prints it: "[pid   363<y>] " on a terminal, "368<y> " (no padding)
// to a file with -f.
func TestTextCommPrefix(t *testing.T) {
	comm := func(tid int) (string, bool) { return map[int]string{363: "y", 364: `kid\33[1m`}[tid], tid != 0 }
	for _, tc := range []struct {
		toFile bool
		want   string
	}{
		{false, "[pid   363<y>] wait4(-1,  <unfinished ...>\n[pid   364<kid\\33[1m>] +++ exited with 3 +++\n"},
		{true, "363<y> wait4(-1,  <unfinished ...>\n364<kid\\33[1m> +++ exited with 3 +++\n"},
	} {
		var out bytes.Buffer
		tx := NewText(TextConfig{Out: &out, ToFile: tc.toFile, Follow: true, Comm: comm})
		tx.Start(1)
		tx.NewTracee(363, 0, false)
		tx.NewTracee(364, 0, false)
		tx.Enter(363, "wait4", "-1, ")
		tx.Exited(364, 3)
		if out.String() != tc.want {
			t.Errorf("toFile=%v:\n got %q\nwant %q", tc.toFile, out.String(), tc.want)
		}
	}
}
