//go:build linux

package outfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// attacker is the uid that plants entries: nobody.
const attacker = 65534

const (
	needRootChown = "needs root to chown planted entries to uid 65534 (nobody)"
	needRootSetid = "needs root to run the suite again as uid 65534 (nobody)"
	// blockTimeout bounds an open that must not block: a regression fails
	// instead of hanging the suite.
	blockTimeout = 5 * time.Second
)

// gidFor gives the attacker its group too, and leaves the group of the
// caller's own entries alone, which works unprivileged.
func gidFor(uid int) int {
	if uid == attacker && isRoot() {
		return attacker
	}
	return -1
}

func isRoot() bool { return os.Geteuid() == 0 }

func needRoot(t *testing.T) {
	t.Helper()
	if !isRoot() {
		t.Skip(needRootChown)
	}
}

// logSysctls logs the kernel's own protections: the tests must pass
// whatever they are.
func logSysctls(t *testing.T) {
	t.Helper()
	for _, name := range []string{"protected_symlinks", "protected_hardlinks", "protected_regular", "protected_fifos"} {
		b, err := os.ReadFile("/proc/sys/fs/" + name)
		if err != nil {
			t.Logf("fs.%s: %v", name, err)
			continue
		}
		t.Logf("fs.%s = %s", name, strings.TrimSpace(string(b)))
	}
}

// base returns a fresh directory, traversable by uid 65534 when we are
// root, so that a child run as nobody can use it.
func base(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if isRoot() {
		for _, p := range []string{filepath.Dir(d), d} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return d
}

// mkdir makes dir with exactly mode (no umask), owned by uid if uid >= 0.
func mkdir(t *testing.T, dir string, mode os.FileMode, uid int) string {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		if err := os.Chown(dir, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sticky returns a sticky world-writable directory like /tmp, owned by the
// caller.
func sticky(t *testing.T) string {
	t.Helper()
	return mkdir(t, filepath.Join(base(t), "shared"), os.ModeSticky|0o777, -1)
}

// victim writes a file of the caller's outside the shared directory: what
// an attacker would like the trace to land on.
func victim(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "victim")
	if err := os.WriteFile(p, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkContent(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
}

func symlinkAs(t *testing.T, target, link string, uid int) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, uid, gidFor(uid)); err != nil {
		t.Fatal(err)
	}
}

func writeAs(t *testing.T, path, content string, mode os.FileMode, uid int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// good checks what every returned file must be: close-on-exec and blocking,
// and closes it at the end of the test.
func good(t *testing.T, f *os.File, err error) *os.File {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	fd, err2 := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
	if err2 != nil {
		t.Fatal(err2)
	}
	if fd&unix.FD_CLOEXEC == 0 {
		t.Errorf("%s: FD_CLOEXEC is not set", f.Name())
	}
	fl, err2 := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err2 != nil {
		t.Fatal(err2)
	}
	if fl&unix.O_NONBLOCK != 0 {
		t.Errorf("%s: O_NONBLOCK is still set", f.Name())
	}
	return f
}

// ok is good for a call: ok(t)(Create(p)).
func ok(t *testing.T) func(*os.File, error) *os.File {
	return func(f *os.File, err error) *os.File {
		t.Helper()
		return good(t, f, err)
	}
}

// bad checks that err is a failure that errors.Is finds all of wants in,
// and that mentions every one of words.
func bad(t *testing.T, f *os.File, err error, wants []error, words ...string) {
	t.Helper()
	if err == nil {
		f.Close()
		t.Fatalf("%s was opened, want an error", f.Name())
	}
	if f != nil {
		t.Errorf("a file came back along with the error %v", err)
	}
	for _, w := range wants {
		if !errors.Is(err, w) {
			t.Errorf("error %q does not match %v", err, w)
		}
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is more than one line", err)
	}
	t.Logf("error as the user sees it: %v", err)
}

// named are the ways to open a file the user named; they must all apply the
// same rules.
var named = []struct {
	name string
	open func(string) (*os.File, error)
}{
	{"Create", Create},
	{"Append", Append},
	{"Open", func(p string) (*os.File, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return Open(ctx, p, ModeTruncate)
	}},
}

func perProcess(p string) (*os.File, error) { return OpenPerProcess(p, ModeTruncate) }

// within runs open and fails the test if it does not return in time.
func within(t *testing.T, open func() (*os.File, error)) (*os.File, error) {
	t.Helper()
	type result struct {
		f   *os.File
		err error
	}
	c := make(chan result, 1)
	go func() {
		f, err := open()
		c <- result{f, err}
	}()
	select {
	case r := <-c:
		return r.f, r.err
	case <-time.After(blockTimeout):
		t.Fatalf("open did not return within %v: it blocks", blockTimeout)
		return nil, nil
	}
}

func TestSymlinkPlantedByOtherIsRefused(t *testing.T) {
	needRoot(t)
	logSysctls(t)
	b := base(t)
	v := victim(t, b)
	s := mkdir(t, filepath.Join(b, "shared"), os.ModeSticky|0o777, -1)
	link := filepath.Join(s, "trace.txt")
	symlinkAs(t, v, link, attacker)
	// The trap is real: the kernel (with fs.protected_symlinks = 0) would
	// resolve the link to the victim.
	if fi, err := os.Stat(link); err != nil {
		t.Fatal(err)
	} else if vi, _ := os.Stat(v); !os.SameFile(fi, vi) {
		t.Fatal("the planted link does not lead to the victim")
	}
	for _, o := range named {
		t.Run(o.name, func(t *testing.T) {
			f, err := o.open(link)
			bad(t, f, err, []error{ErrRefused, unix.EACCES, fs.ErrPermission},
				"refusing to follow the symlink "+link, "uid 65534", "sticky world-writable directory "+s, "fs.protected_symlinks")
			checkContent(t, v, "precious\n")
		})
	}
	t.Run("relative", func(t *testing.T) {
		t.Chdir(s)
		f, err := Create("trace.txt")
		bad(t, f, err, []error{ErrRefused, unix.EACCES}, "refusing to follow the symlink")
		checkContent(t, v, "precious\n")
	})
	t.Run("PerProcess", func(t *testing.T) {
		f, err := perProcess(link)
		bad(t, f, err, []error{ErrRefused, unix.ELOOP}, "symbolic link")
		checkContent(t, v, "precious\n")
	})
	t.Run("intermediate", func(t *testing.T) {
		// /shared/sub -> a directory of the caller's, planted by nobody.
		target := mkdir(t, filepath.Join(b, "private"), 0o755, -1)
		symlinkAs(t, target, filepath.Join(s, "sub"), attacker)
		for _, o := range named {
			f, err := o.open(filepath.Join(s, "sub", "trace.txt"))
			bad(t, f, err, []error{ErrRefused, unix.EACCES}, "refusing to follow the symlink "+filepath.Join(s, "sub"))
		}
		f, err := perProcess(filepath.Join(s, "sub", "trace.txt.1"))
		bad(t, f, err, []error{ErrRefused, unix.EACCES}, "fs.protected_symlinks")
		if ents, _ := os.ReadDir(target); len(ents) != 0 {
			t.Errorf("files were created through the planted link: %v", ents)
		}
	})
}

func TestSymlinkOwnedByCallerIsFollowed(t *testing.T) {
	b := base(t)
	s := mkdir(t, filepath.Join(b, "shared"), os.ModeSticky|0o777, -1)
	target := filepath.Join(b, "real.txt")
	link := filepath.Join(s, "trace.txt")
	symlinkAs(t, target, link, os.Geteuid())
	f := ok(t)(Create(link))
	if _, err := f.WriteString("via my link\n"); err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, "via my link\n")
	// Intermediate: /shared/dir -> b, and a chain of two links at the end.
	symlinkAs(t, b, filepath.Join(s, "dir"), os.Geteuid())
	symlinkAs(t, "trace.txt", filepath.Join(s, "again"), os.Geteuid())
	f = ok(t)(Append(filepath.Join(s, "dir", "shared", "again")))
	if _, err := f.WriteString("and again\n"); err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, "via my link\nand again\n")
}

func TestSymlinkOwnedByDirectoryOwnerIsFollowed(t *testing.T) {
	needRoot(t)
	b := base(t)
	// A sticky world-writable directory of nobody's, with nobody's link:
	// the directory's owner could have put anything there anyway.
	d := mkdir(t, filepath.Join(b, "nobodys"), os.ModeSticky|0o777, attacker)
	target := filepath.Join(b, "real.txt")
	symlinkAs(t, target, filepath.Join(d, "trace.txt"), attacker)
	f := ok(t)(Create(filepath.Join(d, "trace.txt")))
	if _, err := f.WriteString("x"); err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, "x")
}

func TestForeignFileInStickyDirIsRefused(t *testing.T) {
	needRoot(t)
	logSysctls(t)
	b := base(t)
	for _, mode := range []os.FileMode{os.ModeSticky | 0o777, os.ModeSticky | 0o770} {
		s := mkdir(t, filepath.Join(b, "shared"+mode.String()), mode, -1)
		p := filepath.Join(s, "trace.txt")
		writeAs(t, p, "planted\n", 0o666, attacker)
		for _, o := range named {
			f, err := o.open(p)
			bad(t, f, err, []error{ErrRefused, unix.EACCES}, "refusing to open "+p, "uid 65534", "fs.protected_regular")
			checkContent(t, p, "planted\n")
		}
	}
	// The kernel's rule, and so ours, is about sticky directories: in a
	// directory of nobody's, or a plain world-writable one, nobody's file
	// is written (its owner could replace it anyway).
	for _, d := range []string{
		mkdir(t, filepath.Join(b, "nobodys"), os.ModeSticky|0o777, attacker),
		mkdir(t, filepath.Join(b, "plain"), 0o777, -1),
	} {
		p := filepath.Join(d, "trace.txt")
		writeAs(t, p, "old\n", 0o666, attacker)
		f := ok(t)(Create(p))
		if _, err := f.WriteString("new\n"); err != nil {
			t.Fatal(err)
		}
		checkContent(t, p, "new\n")
	}
}

func TestPerProcessRefusesForeignFile(t *testing.T) {
	needRoot(t)
	b := base(t)
	s := sticky(t)
	own := mkdir(t, filepath.Join(b, "own"), 0o755, -1)
	for _, d := range []string{s, own} {
		p := filepath.Join(d, "trace.4242")
		writeAs(t, p, "planted\n", 0o666, attacker)
		for _, m := range []Mode{ModeTruncate, ModeAppend} {
			f, err := OpenPerProcess(p, m)
			bad(t, f, err, []error{ErrRefused, unix.EACCES}, p, "uid 65534")
			checkContent(t, p, "planted\n")
		}
	}
}

func TestPerProcessReusesOwnFile(t *testing.T) {
	s := sticky(t)
	p := filepath.Join(s, "trace.7")
	if err := os.WriteFile(p, []byte("earlier run, longer than the new one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := ok(t)(OpenPerProcess(p, ModeTruncate))
	if _, err := f.WriteString("new\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkContent(t, p, "new\n")
	f = ok(t)(OpenPerProcess(p, ModeAppend))
	if fl, _ := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0); fl&unix.O_APPEND == 0 {
		t.Error("ModeAppend did not set O_APPEND")
	}
	if _, err := f.WriteString("seen again\n"); err != nil {
		t.Fatal(err)
	}
	checkContent(t, p, "new\nseen again\n")
}

func TestCreateTruncatesAppendKeeps(t *testing.T) {
	p := filepath.Join(base(t), "trace.txt")
	if err := os.WriteFile(p, []byte("old content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := ok(t)(Append(p))
	if _, err := f.WriteString("more\n"); err != nil {
		t.Fatal(err)
	}
	checkContent(t, p, "old content\nmore\n")
	f = ok(t)(Create(p))
	if fl, _ := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0); fl&unix.O_APPEND != 0 {
		t.Error("Create set O_APPEND")
	}
	checkContent(t, p, "")
	if f.Name() != p {
		t.Errorf("Name() = %q, want %q", f.Name(), p)
	}
}

func mkfifo(t *testing.T, p string, uid int) string {
	t.Helper()
	if err := unix.Mkfifo(p, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o666); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// reader opens p for reading without waiting for a writer.
func reader(t *testing.T, p string) *os.File {
	t.Helper()
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := os.NewFile(uintptr(fd), p)
	t.Cleanup(func() { r.Close() })
	return r
}

func TestPerProcessFIFONeverBlocks(t *testing.T) {
	s := sticky(t)
	p := mkfifo(t, filepath.Join(s, "trace.77"), -1)
	for _, m := range []Mode{ModeTruncate, ModeAppend} {
		f, err := within(t, func() (*os.File, error) { return OpenPerProcess(p, m) })
		bad(t, f, err, []error{ErrRefused}, p, "FIFO")
	}
	// With a reader the open succeeds at once; the FIFO is refused all
	// the same, and nothing reaches the reader.
	r := reader(t, p)
	f, err := within(t, func() (*os.File, error) { return perProcess(p) })
	bad(t, f, err, []error{ErrRefused}, p, "FIFO")
	if n, _ := r.Read(make([]byte, 10)); n > 0 {
		t.Errorf("the reader got %d bytes", n)
	}
	t.Run("planted by nobody", func(t *testing.T) {
		needRoot(t)
		q := mkfifo(t, filepath.Join(s, "trace.78"), attacker)
		f, err := within(t, func() (*os.File, error) { return perProcess(q) })
		bad(t, f, err, []error{ErrRefused}, q)
	})
}

func TestNamedFIFO(t *testing.T) {
	d := base(t)
	p := mkfifo(t, filepath.Join(d, "fifo"), -1)
	t.Run("with a reader", func(t *testing.T) {
		r := reader(t, p)
		f, err := within(t, func() (*os.File, error) { return Create(p) })
		f = good(t, f, err)
		if _, err := f.WriteString("hello"); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		n, _ := r.Read(buf)
		if string(buf[:n]) != "hello" {
			t.Errorf("the reader got %q", buf[:n])
		}
	})
	t.Run("no reader: Create fails at once", func(t *testing.T) {
		for _, open := range []func(string) (*os.File, error){Create, Append} {
			f, err := within(t, func() (*os.File, error) { return open(p) })
			bad(t, f, err, []error{ErrNoReader, unix.ENXIO}, p, "start the reader first")
			if errors.Is(err, ErrRefused) {
				t.Errorf("a FIFO without a reader is not a refusal: %v", err)
			}
		}
	})
	t.Run("no reader: Open gives up at the deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		f, err := within(t, func() (*os.File, error) { return Open(ctx, p, ModeTruncate) })
		bad(t, f, err, []error{ErrNoReader, unix.ENXIO, context.DeadlineExceeded}, "gave up waiting", p)
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("gave up after %v, before the deadline", d)
		}
	})
	t.Run("no reader: Open is cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		f, err := within(t, func() (*os.File, error) { return Open(ctx, p, ModeAppend) })
		bad(t, f, err, []error{ErrNoReader, context.Canceled})
	})
	t.Run("Open waits for a late reader", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), blockTimeout/2)
		defer cancel()
		got := make(chan string, 1)
		go func() {
			time.Sleep(150 * time.Millisecond)
			fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0) // waits for our writer
			if err != nil {
				got <- err.Error()
				return
			}
			defer unix.Close(fd)
			buf := make([]byte, 10)
			n, _ := unix.Read(fd, buf)
			got <- string(buf[:max(n, 0)])
		}()
		f, err := within(t, func() (*os.File, error) { return Open(ctx, p, ModeTruncate) })
		f = good(t, f, err)
		if _, err := f.WriteString("late"); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if s := <-got; s != "late" {
			t.Errorf("the late reader got %q", s)
		}
	})
	t.Run("planted by nobody", func(t *testing.T) {
		needRoot(t)
		s := sticky(t)
		q := mkfifo(t, filepath.Join(s, "trace.fifo"), attacker)
		// Refused, not waited on, with a reader or without.
		f, err := within(t, func() (*os.File, error) {
			return Open(context.Background(), q, ModeTruncate)
		})
		bad(t, f, err, []error{ErrRefused, unix.EACCES}, "fs.protected_fifos")
		reader(t, q)
		f, err = within(t, func() (*os.File, error) { return Create(q) })
		bad(t, f, err, []error{ErrRefused, unix.EACCES}, "fs.protected_fifos")
	})
}

func TestCharacterDevices(t *testing.T) {
	for _, o := range named {
		for _, p := range []string{"/dev/null", "/dev/full"} {
			f, err := within(t, func() (*os.File, error) { return o.open(p) })
			f = good(t, f, err)
			_, err = f.WriteString("x")
			if want := map[string]error{"/dev/null": nil, "/dev/full": unix.ENOSPC}[p]; !errors.Is(err, want) {
				t.Errorf("%s %s: write: %v, want %v", o.name, p, err, want)
			}
		}
	}
	f, err := perProcess("/dev/null")
	bad(t, f, err, []error{ErrRefused}, "character device")
}

// envTerminal names the terminal the child of TestTerminalIsNotAdopted
// opens.
const envTerminal = "OUTFILE_TEST_TERMINAL"

// TestTerminalIsNotAdopted: a session leader without a controlling
// terminal (waittrace started by a daemon, say) that writes its trace to a
// terminal must not make it its controlling terminal, and so get its
// signals. O_NOCTTY sees to it; recent kernels do not let a write-only
// open adopt a terminal either (tty_open_proc_set_tty wants FMODE_READ), so
// there this guards the outcome rather than the flag.
func TestTerminalIsNotAdopted(t *testing.T) {
	if pts := os.Getenv(envTerminal); pts != "" {
		// The child, in a new session of its own.
		ok(t)(within(t, func() (*os.File, error) { return Create(pts) }))
		fd, err := unix.Open("/dev/tty", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		if err == nil {
			unix.Close(fd)
			t.Fatalf("opening %s gave us a controlling terminal", pts)
		}
		if err != unix.ENXIO {
			t.Fatalf("open /dev/tty: %v, want ENXIO (no controlling terminal)", err)
		}
		return
	}
	ptmx, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("needs pseudo-terminals (/dev/ptmx): %v", err)
	}
	defer unix.Close(ptmx)
	if err := unix.IoctlSetPointerInt(ptmx, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(ptmx, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestTerminalIsNotAdopted$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=/dev/pts/%d", envTerminal, n))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestTerminalIsNotAdopted")) {
		t.Fatalf("the child in a new session: %v\n%s", err, out)
	}
}

func TestBlockDeviceIsRefused(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root (CAP_MKNOD) to make a block device node")
	}
	p := filepath.Join(base(t), "disk")
	if err := unix.Mknod(p, unix.S_IFBLK|0o600, int(unix.Mkdev(7, 0))); err != nil {
		t.Skipf("needs CAP_MKNOD to make a block device node: %v", err)
	}
	f, err := Create(p)
	if errors.Is(err, unix.ENXIO) || errors.Is(err, unix.EACCES) && !errors.Is(err, ErrRefused) {
		t.Skipf("the block device cannot be opened here: %v", err)
	}
	bad(t, f, err, []error{ErrRefused}, "block device")
}

func TestSocketIsRefused(t *testing.T) {
	p := filepath.Join(base(t), "trace.9")
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, o := range named {
		f, err := within(t, func() (*os.File, error) { return o.open(p) })
		bad(t, f, err, []error{ErrRefused, unix.ENXIO}, "socket")
	}
	f, err := within(t, func() (*os.File, error) { return perProcess(p) })
	bad(t, f, err, []error{ErrRefused, unix.ENXIO}, "socket", p)
}

func TestNewFileMode(t *testing.T) {
	b := base(t)
	shared := mkdir(t, filepath.Join(b, "shared"), os.ModeSticky|0o777, -1)
	plain := mkdir(t, filepath.Join(b, "plain"), 0o777, -1)
	private := mkdir(t, filepath.Join(b, "private"), 0o755, -1)
	old := unix.Umask(0o022)
	t.Cleanup(func() { unix.Umask(old) })
	n := 0
	check := func(dir string, umask int, want os.FileMode) {
		t.Helper()
		unix.Umask(umask)
		for _, open := range []func(string) (*os.File, error){Create, perProcess} {
			n++
			p := filepath.Join(dir, "new."+strings.Repeat("x", n))
			ok(t)(open(p))
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != want {
				t.Errorf("umask %#o: %s has mode %v, want %v", umask, p, fi.Mode(), want)
			}
		}
	}
	check(shared, 0o022, 0o600)
	check(shared, 0, 0o600)
	check(plain, 0, 0o600)
	check(private, 0o022, 0o644)
	check(private, 0o027, 0o640)
	check(private, 0, 0o666)
}

func TestHardLinkIsRefused(t *testing.T) {
	b := base(t)
	s := sticky(t)
	orig := filepath.Join(b, "orig")
	if err := os.WriteFile(orig, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Per-process files: refused wherever they are.
	for _, d := range []string{b, s} {
		link := filepath.Join(d, "trace.12")
		if err := os.Link(orig, link); err != nil {
			t.Fatal(err)
		}
		for _, m := range []Mode{ModeTruncate, ModeAppend} {
			f, err := OpenPerProcess(link, m)
			bad(t, f, err, []error{ErrRefused}, "hard links")
		}
		checkContent(t, orig, "keep\n")
	}
	// Named files: refused in a sticky shared directory, where another
	// user may have linked one of ours (fs.protected_hardlinks = 0 lets
	// them); elsewhere the user may mean it.
	link := filepath.Join(s, "trace.txt")
	if err := os.Link(orig, link); err != nil {
		t.Fatal(err)
	}
	for _, o := range named {
		f, err := o.open(link)
		bad(t, f, err, []error{ErrRefused, unix.EACCES}, "hard links", "fs.protected_hardlinks")
	}
	checkContent(t, orig, "keep\n")
	ok(t)(Append(filepath.Join(b, "trace.12")))
}

// race makes beforeFinalOpen play an attacker who plants an entry between
// the walk and the final open(2), once, and reports whether it did.
func race(t *testing.T, plant func(dirfd int, name string) error) *bool {
	t.Helper()
	done := new(bool)
	beforeFinalOpen = func(dirfd int, name string) {
		if *done {
			return
		}
		*done = true
		if err := plant(dirfd, name); err != nil {
			t.Errorf("planting %s: %v", name, err)
		}
	}
	t.Cleanup(func() { beforeFinalOpen = nil })
	return done
}

func plantSymlink(target string, uid int) func(int, string) error {
	return func(dirfd int, name string) error {
		if err := unix.Symlinkat(target, dirfd, name); err != nil {
			return err
		}
		return unix.Fchownat(dirfd, name, uid, gidFor(uid), unix.AT_SYMLINK_NOFOLLOW)
	}
}

func TestRaceSymlinkPlantedBeforeOpen(t *testing.T) {
	b := base(t)
	v := victim(t, b)
	t.Run("PerProcess", func(t *testing.T) {
		// Any owner, even the caller: a per-process file is never opened
		// through a final symlink.
		s := sticky(t)
		p := filepath.Join(s, "trace.5")
		planted := race(t, plantSymlink(v, os.Geteuid()))
		f, err := within(t, func() (*os.File, error) { return perProcess(p) })
		bad(t, f, err, []error{ErrRefused, unix.ELOOP}, "symbolic link")
		if !*planted {
			t.Fatal("the hook did not run")
		}
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the planted symlink is not there: %v %v", fi, err)
		}
		checkContent(t, v, "precious\n")
	})
	t.Run("Create", func(t *testing.T) {
		needRoot(t)
		s := sticky(t)
		p := filepath.Join(s, "trace.txt")
		planted := race(t, plantSymlink(v, attacker))
		f, err := Create(p)
		bad(t, f, err, []error{ErrRefused, unix.EACCES}, "refusing to follow the symlink "+p, "fs.protected_symlinks")
		if !*planted {
			t.Fatal("the hook did not run")
		}
		checkContent(t, v, "precious\n")
	})
	t.Run("foreign file", func(t *testing.T) {
		needRoot(t)
		s := sticky(t)
		p := filepath.Join(s, "trace.txt")
		race(t, func(dirfd int, name string) error {
			fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o666)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			if _, err := unix.Write(fd, []byte("planted\n")); err != nil {
				return err
			}
			return unix.Fchown(fd, attacker, attacker)
		})
		f, err := Create(p)
		bad(t, f, err, []error{ErrRefused, unix.EACCES}, "fs.protected_regular")
		checkContent(t, p, "planted\n")
	})
	t.Run("FIFO", func(t *testing.T) {
		s := sticky(t)
		p := filepath.Join(s, "trace.6")
		race(t, func(dirfd int, name string) error { return unix.Mkfifoat(dirfd, name, 0o666) })
		f, err := within(t, func() (*os.File, error) { return perProcess(p) })
		bad(t, f, err, []error{ErrRefused}, "FIFO")
	})
}

func TestEmptyName(t *testing.T) {
	opens := append(named[:len(named):len(named)], struct {
		name string
		open func(string) (*os.File, error)
	}{"OpenPerProcess", perProcess})
	for _, o := range opens {
		f, err := o.open("")
		bad(t, f, err, []error{ErrRefused, unix.ENOENT}, "empty name")
	}
}

func TestPaths(t *testing.T) {
	b := base(t)
	t.Chdir(b)
	if err := os.MkdirAll("a/b", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("file", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{
		{"a/b", "rel"},      // relative link to a directory
		{b + "/a", "abs"},   // absolute link to a directory
		{"loop2", "loop1"},  // a loop
		{"loop1", "loop2"},  //
		{"file", "tofile"},  // link to a file
		{"tofile", "chain"}, // link to a link
		{"a/", "slash"},     // target with a trailing slash
	} {
		if err := os.Symlink(l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		path string
		want string // the file written, or
		err  error  // the error
	}{
		{path: "x1", want: "x1"},
		{path: "./a/./b/x2", want: "a/b/x2"},
		{path: "a/b/../x3", want: "a/x3"},
		{path: "rel/x4", want: "a/b/x4"},
		{path: "rel/../x5", want: "a/x5"}, // .. of the target, as the kernel does
		{path: "abs/b/x6", want: "a/b/x6"},
		{path: b + "//abs/x7", want: "a/x7"},
		{path: "slash/x8", want: "a/x8"},
		{path: "chain", want: "file"},
		{path: "loop1", err: unix.ELOOP},
		{path: "loop1/x", err: unix.ELOOP},
		{path: "a", err: unix.EISDIR},
		{path: "a/", err: unix.EISDIR},
		{path: "a/..", err: unix.EISDIR},
		{path: "slash", err: unix.EISDIR},
		{path: "file/x", err: unix.ENOTDIR},
		{path: "file/", err: unix.ENOTDIR},
		{path: "none/x", err: fs.ErrNotExist},
	} {
		f, err := within(t, func() (*os.File, error) { return Create(c.path) })
		if c.err != nil {
			if err == nil {
				f.Close()
				t.Errorf("%s: opened, want %v", c.path, c.err)
			} else if !errors.Is(err, c.err) {
				t.Errorf("%s: %v, want %v", c.path, err, c.err)
			}
			// The kernel agrees.
			if g, err := os.OpenFile(c.path, os.O_WRONLY|os.O_CREATE, 0o666); err == nil {
				g.Close()
				t.Errorf("%s: the kernel opens it", c.path)
			}
			continue
		}
		f = good(t, f, err)
		if _, err := f.WriteString(c.path); err != nil {
			t.Fatal(err)
		}
		checkContent(t, c.want, c.path)
	}
}

func TestPermissionDenied(t *testing.T) {
	if isRoot() {
		t.Skip("needs an unprivileged caller: root passes permission checks (TestUnprivileged runs this as uid 65534)")
	}
	b := base(t)
	ro := mkdir(t, filepath.Join(b, "ro"), 0o555, -1)
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	p := filepath.Join(b, "readonly.txt")
	if err := os.WriteFile(p, []byte("keep\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{filepath.Join(ro, "new.txt"), p} {
		for _, o := range named {
			f, err := o.open(c)
			bad(t, f, err, []error{unix.EACCES, fs.ErrPermission}, c)
			if errors.Is(err, ErrRefused) {
				t.Errorf("%s: plain EACCES taken for a refusal: %v", c, err)
			}
		}
		f, err := perProcess(c)
		bad(t, f, err, []error{unix.EACCES}, c)
	}
	checkContent(t, p, "keep\n")
}

// TestUnprivileged runs the whole suite again as uid 65534, where the tests
// that need root skip and the others must pass for an unprivileged caller.
func TestUnprivileged(t *testing.T) {
	if !isRoot() {
		t.Skip(needRootSetid)
	}
	b := base(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(b, "outfile.test")
	if err := os.WriteFile(test, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := mkdir(t, filepath.Join(b, "tmp"), os.ModeSticky|0o777, -1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, test, "-test.v", "-test.count=1", "-test.skip=^TestUnprivileged$")
	cmd.Dir = tmp
	cmd.Env = []string{"TMPDIR=" + tmp, "PATH=/usr/bin:/bin", "HOME=" + tmp}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: attacker, Gid: attacker, Groups: []uint32{}}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("the suite as uid 65534:\n%s", out.Bytes())
	if err != nil {
		t.Fatalf("the suite as uid 65534 failed: %v", err)
	}
	// Make sure it ran as intended: root-only tests skipped for their named
	// reason, the others passed.
	for _, want := range []string{needRootChown, "--- PASS: TestPerProcessFIFONeverBlocks", "--- PASS: TestRaceSymlinkPlantedBeforeOpen", "--- PASS: TestNewFileMode", "--- PASS: TestPermissionDenied"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("the output of the run as uid 65534 lacks %q", want)
		}
	}
}
