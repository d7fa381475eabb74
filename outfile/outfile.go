//go:build linux

// Package outfile opens the files a trace is written to: the file named by
// -o (Create, or Append for -A, or Open to wait for a FIFO's reader), the
// per-process files of -o FILE -ff (OpenPerProcess), and any other file the
// user names, such as --timeline.
//
// Those files are often written by root, into a directory that other users
// can write to such as /tmp, under names they can guess. The package applies
// the rules of the kernel's fs.protected_symlinks, fs.protected_regular and
// fs.protected_fifos sysctls (at level 2) itself, so that the outcome does
// not depend on how the machine sets them:
//
//   - A symbolic link that sits in a sticky world-writable directory is
//     followed only if it belongs to the caller (the effective uid) or to the
//     directory's owner. This holds for every component of the path: the
//     package walks the path itself, one component at a time, with openat(2)
//     and O_PATH|O_NOFOLLOW, reading each symlink through a descriptor of the
//     very link it checked, and the final open(2) never follows a link.
//   - In a sticky directory that group or others can write to, an existing
//     regular file or FIFO that belongs to neither the caller nor the
//     directory's owner is refused, and so is a regular file with more than
//     one link, which fs.protected_hardlinks would have kept another user
//     from making.
//   - Opening never blocks: open(2) is called with O_NONBLOCK, and what it
//     opened is then judged by fstat(2) of the descriptor, not by name, so
//     replacing the entry between a check and the open gains nothing. A
//     regular file is truncated (ModeTruncate) only once it passed.
//
// Like the kernel's, these rules guard sticky directories: a directory
// that another user owns, or may write to without the sticky bit, is theirs
// to arrange, and writing there is the caller's choice.
//
// Every descriptor has O_CLOEXEC and O_NOCTTY, and is returned in blocking
// mode. A new file gets mode 0600 in a world-writable directory, so that
// other users cannot read the trace, and 0666 less the umask elsewhere.
// The functions are safe for concurrent use.
//
// The errors are one line for the user. errors.Is finds ErrRefused in them
// when a rule of this package refused the file, ErrNoReader when a FIFO had
// no reader, and the errno (a syscall.Errno such as unix.EACCES, which also
// matches fs.ErrPermission) where there is one; a refusal that mirrors one of
// the kernel's protected_* rules carries unix.EACCES, as the kernel's would.
package outfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Mode says what becomes of the content of a file that already exists.
type Mode int

const (
	// ModeTruncate empties an existing regular file, after it passed the
	// checks (-o FILE, and FILE.PID the first time a pid is seen).
	ModeTruncate Mode = iota
	// ModeAppend keeps the content and writes at the end, with O_APPEND
	// (-A, and FILE.PID when the same pid shows up again in one run).
	ModeAppend
)

var (
	// ErrRefused is found in the errors for files a rule of this package
	// refused: a symlink, file or FIFO another user may have planted, a
	// per-process file that is not a regular file of the caller's own with
	// a single link, a socket or block device, and the empty name.
	ErrRefused = errors.New("output file refused")
	// ErrNoReader is found in the errors for a FIFO that no process has
	// open for reading, since opening it for writing would wait until one
	// does.
	ErrNoReader = errors.New("no process is reading the FIFO")
)

// Create opens the file the user named (-o FILE, --timeline FILE) for
// writing, creating it if need be and emptying it if it is a regular file.
// A FIFO, a terminal or another character device is fine; a block device
// or a socket is refused. It never waits: a FIFO that no process reads yet
// fails at once with ErrNoReader (use Open to wait for the reader).
func Create(path string) (*os.File, error) {
	return openNow(path, ModeTruncate, false)
}

// Append is Create for -A: it keeps the content of an existing file and
// opens it with O_APPEND.
func Append(path string) (*os.File, error) {
	return openNow(path, ModeAppend, false)
}

// Open is Create or Append, as mode says, except that when path is a FIFO
// that no process has open for reading yet, it waits for a reader until ctx
// is done, and then fails with an error that matches ErrNoReader and
// ctx.Err(). ctx bounds only that wait. Call it before tracing starts, so
// that no tracee is kept stopped while it waits.
//
// It polls, opening with O_NONBLOCK again and again (every 50ms at most),
// rather than blocking in open(2): a blocked open(2) cannot be cancelled
// from Go, so it would leave a thread stuck in the kernel, and a descriptor
// opened for nobody when a reader comes later. Each try also checks the
// path afresh.
func Open(ctx context.Context, path string, mode Mode) (*os.File, error) {
	o, err := newOpener(path, mode, false)
	if err != nil {
		return nil, err
	}
	delay := time.Millisecond
	for {
		f, err := o.openOnce()
		if !errors.Is(err, ErrNoReader) {
			return f, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &openError{
				msg:    fmt.Sprintf("gave up waiting for a process to open the FIFO %s for reading: %v", path, context.Cause(ctx)),
				causes: []error{ErrNoReader, unix.ENXIO, ctx.Err()},
			}
		case <-t.C:
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// OpenPerProcess opens a per-process file, FILE.PID of -o FILE -ff, whose
// name others can guess and plant something under. It opens with O_CREAT
// but without O_TRUNC, and with O_NOFOLLOW and O_NONBLOCK, so that it never
// follows a final symlink nor blocks, and refuses at once anything that is
// not a regular file of the caller's own with a single link: a FIFO, socket
// or device, another user's file, a hard link. Only then is the file
// truncated (ModeTruncate: the caller's own file from an earlier run is
// reused, as strace does) or written at its end (ModeAppend: the same pid
// seen again later in one run). Symlinks among the directories of path are
// followed under the same rule as for Create.
func OpenPerProcess(path string, mode Mode) (*os.File, error) {
	return openNow(path, mode, true)
}

func newOpener(path string, mode Mode, perProcess bool) (*opener, error) {
	if path == "" {
		return nil, refused(unix.ENOENT, "refusing to open an output file with an empty name: an empty name does not stand for standard output")
	}
	return &opener{path: path, mode: mode, perProcess: perProcess, euid: uint32(unix.Geteuid())}, nil
}

// openNow opens path once, without waiting for anything.
func openNow(path string, mode Mode, perProcess bool) (*os.File, error) {
	o, err := newOpener(path, mode, perProcess)
	if err != nil {
		return nil, err
	}
	return o.openOnce()
}

// openError is a sentence for the user plus the causes errors.Is finds.
type openError struct {
	msg    string
	causes []error
}

func (e *openError) Error() string   { return e.msg }
func (e *openError) Unwrap() []error { return e.causes }

// refused builds the error for a file a rule refused; errno, if not nil, is
// the errno the kernel gives for the same refusal.
func refused(errno error, format string, args ...any) error {
	causes := []error{ErrRefused}
	if errno != nil {
		causes = append(causes, errno)
	}
	return &openError{msg: fmt.Sprintf(format, args...), causes: causes}
}
