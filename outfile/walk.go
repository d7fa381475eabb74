//go:build linux

package outfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// maxHops bounds the symlinks followed in one path, plus the retries when
// an entry changed under us; it is the kernel's MAXSYMLINKS.
const maxHops = 40

// beforeFinalOpen, when not nil, runs just before the final open(2); tests
// set it to play an attacker who wins a race.
var beforeFinalOpen func(dirfd int, name string)

// opener opens one path; see Create and OpenPerProcess for the rules.
type opener struct {
	path       string // as the caller gave it: the name of the *os.File
	mode       Mode
	perProcess bool
	euid       uint32
}

// dir is a directory of the path, held with O_PATH while the walk goes on,
// so that it is looked at and looked into as one and the same directory.
type dir struct {
	fd   int
	name string // for messages only
	st   unix.Stat_t
}

func (d *dir) close() { unix.Close(d.fd) }

// stickyWorldWritable is where fs.protected_symlinks applies.
func (d *dir) stickyWorldWritable() bool {
	return d.st.Mode&unix.S_ISVTX != 0 && d.st.Mode&unix.S_IWOTH != 0
}

// stickyShared is where fs.protected_regular and fs.protected_fifos (level
// 2) apply.
func (d *dir) stickyShared() bool {
	return d.st.Mode&unix.S_ISVTX != 0 && d.st.Mode&(unix.S_IWGRP|unix.S_IWOTH) != 0
}

// writableBy names who, besides the owner, may write in d, for messages.
func (d *dir) writableBy() string {
	if d.st.Mode&unix.S_IWOTH != 0 {
		return "world-writable"
	}
	return "group-writable"
}

// openDir opens name in at, which must be a directory, with O_PATH.
// O_DIRECTORY also makes the kernel mount an automount point rather than
// hand us the empty directory beneath.
func openDir(at int, name, display string, flags int) (*dir, error) {
	fd, err := openat(at, name, unix.O_PATH|unix.O_DIRECTORY|flags, 0)
	if err != nil {
		return nil, err
	}
	d := &dir{fd: fd, name: display}
	if err := unix.Fstat(fd, &d.st); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func openat(at int, name string, flags int, perm uint32) (int, error) {
	for {
		fd, err := unix.Openat(at, name, flags|unix.O_CLOEXEC, perm)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// split cuts a path into its components; a trailing slash becomes a final
// ".", which asks for a directory, as the kernel reads it.
func split(p string) []string {
	var parts []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			parts = append(parts, c)
		}
	}
	if strings.HasSuffix(p, "/") {
		parts = append(parts, ".")
	}
	return parts
}

func (o *opener) pathError(op string, err error) error {
	return &fs.PathError{Op: op, Path: o.path, Err: err}
}

// start opens the directory the walk of p starts from: / or the current
// directory.
func (o *opener) start(p string) (*dir, error) {
	if strings.HasPrefix(p, "/") {
		return openDir(unix.AT_FDCWD, "/", "/", 0)
	}
	name, err := os.Getwd()
	if err != nil {
		name = "."
	}
	return openDir(unix.AT_FDCWD, ".", name, 0)
}

// openOnce walks o.path and opens it. It fails with ErrNoReader for a FIFO
// without a reader; open decides whether to try again.
func (o *opener) openOnce() (*os.File, error) {
	d, err := o.start(o.path)
	if err != nil {
		return nil, o.pathError("open", err)
	}
	// d moves along the path; close whichever it is at the end.
	defer func() { d.close() }()

	rest := split(o.path)
	hops := 0
	// follow splices the target of a symlink into the rest of the path.
	follow := func(target string) error {
		if hops++; hops > maxHops {
			return o.pathError("open", unix.ELOOP)
		}
		if target == "" {
			return o.pathError("open", unix.ENOENT)
		}
		if strings.HasPrefix(target, "/") {
			root, err := o.start(target)
			if err != nil {
				return o.pathError("open", err)
			}
			d.close()
			d = root
		}
		rest = append(split(target), rest...)
		return nil
	}
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		if len(rest) > 0 {
			// A directory on the way.
			if name == "." {
				continue
			}
			next, err := openDir(d.fd, name, filepath.Join(d.name, name), unix.O_NOFOLLOW)
			if err == nil {
				d.close()
				d = next
				continue
			}
			if err != unix.ENOTDIR {
				return nil, o.pathError("open", err)
			}
			// Not a directory: perhaps a symlink, which we may follow.
			target, err := o.step(d, name)
			if err != nil {
				return nil, err
			}
			if err := follow(target); err != nil {
				return nil, err
			}
			continue
		}
		if name == "." || name == ".." {
			return nil, o.pathError("open", unix.EISDIR)
		}
		f, err := o.openFinal(d, name)
		if err == nil {
			return f, nil
		}
		if err != unix.ELOOP && err != unix.EACCES && err != unix.ENXIO {
			return nil, err
		}
		// These errnos hide a symlink, a FIFO or a socket, or a rule of
		// the kernel's own: see what is there.
		next, err := o.explain(d, name, err)
		if err != nil {
			return nil, err
		}
		if err := follow(next); err != nil {
			return nil, err
		}
	}
	// Not reached: split never returns an empty list for a non-empty path.
	return nil, o.pathError("open", unix.ENOENT)
}

// lookAt opens the entry name of d with O_PATH|O_NOFOLLOW: a descriptor to
// look at it, whatever it is, without following or really opening it.
func lookAt(d *dir, name string) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := openat(d.fd, name, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return -1, st, err
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, err
	}
	return fd, st, nil
}

// step goes past name, which is on the way but not a directory: it returns
// the target of a symlink the rule lets us follow, or name itself to look
// again if a directory took its place in the meantime.
func (o *opener) step(d *dir, name string) (string, error) {
	fd, st, err := lookAt(d, name)
	if err != nil {
		return "", o.pathError("open", err)
	}
	defer unix.Close(fd)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return o.readLink(d, filepath.Join(d.name, name), fd, &st)
	case unix.S_IFDIR:
		return name, nil
	}
	return "", o.pathError("open", unix.ENOTDIR)
}

// explain turns errno, the ELOOP, EACCES or ENXIO of the final open(2), into
// what it means, by looking at the entry: a symlink, to follow (its target
// is returned) or refuse; a FIFO without a reader; a socket, which open(2)
// cannot open; a file another user planted (the kernel's protected_*
// sysctls answer EACCES for them, and for another user's symlink when
// O_CREAT is given). An entry that changed since the open(2) is looked at
// again: then name itself is returned.
func (o *opener) explain(d *dir, name string, errno error) (string, error) {
	entry := filepath.Join(d.name, name)
	fd, st, err := lookAt(d, name)
	if err != nil {
		if err == unix.ENOENT && errno != unix.EACCES {
			return name, nil // gone since the open(2)
		}
		// EACCES for a missing entry: we may not create in d.
		return "", o.pathError("open", errno)
	}
	defer unix.Close(fd)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		if o.perProcess {
			return "", refused(unix.ELOOP, "refusing to write a per-process trace to %s: it is a symbolic link, and per-process files, whose names others can guess, are never opened through one", entry)
		}
		return o.readLink(d, entry, fd, &st)
	case unix.S_IFSOCK:
		return "", refused(errno, "refusing to write the trace to %s: it is a socket, which cannot be opened as a file", entry)
	case unix.S_IFIFO:
		if o.perProcess {
			return "", refused(errno, "refusing to write a per-process trace to %s: it is a FIFO, not a regular file", entry)
		}
		if err := o.mayOpen(d, entry, &st); err != nil {
			return "", err
		}
		if errno == unix.ENXIO {
			return "", &openError{
				msg:    fmt.Sprintf("no process has the FIFO %s open for reading, and opening it for writing would wait until one does: start the reader first", entry),
				causes: []error{ErrNoReader, unix.ENXIO},
			}
		}
	default:
		if errno == unix.ELOOP {
			return name, nil // not a symlink any more
		}
		if err := o.mayOpen(d, entry, &st); err != nil {
			return "", err
		}
	}
	return "", o.pathError("open", errno)
}

// readLink reads the symlink fd, the entry of d, if the rule lets us follow
// it. It reads through the descriptor of the very link whose owner it
// checked, so that a swap in between cannot slip another target in.
func (o *opener) readLink(d *dir, entry string, fd int, st *unix.Stat_t) (string, error) {
	if d.stickyWorldWritable() && st.Uid != o.euid && st.Uid != d.st.Uid {
		return "", refused(unix.EACCES, "refusing to follow the symlink %s: it belongs to uid %d and sits in the sticky world-writable directory %s (the rule of fs.protected_symlinks)", entry, st.Uid, d.name)
	}
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(fd, "", buf)
		if err != nil {
			return "", &fs.PathError{Op: "readlink", Path: entry, Err: err}
		}
		if n < size {
			return string(buf[:n]), nil
		}
		if size >= 1<<16 {
			return "", &fs.PathError{Op: "readlink", Path: entry, Err: unix.ENAMETOOLONG}
		}
	}
}

// openFinal opens the last component, never following a symlink and never
// blocking, and judges what it opened. Errors from open(2) itself come back
// bare, for the caller to act on.
func (o *opener) openFinal(d *dir, name string) (*os.File, error) {
	flags := unix.O_WRONLY | unix.O_CREAT | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY
	if o.mode == ModeAppend {
		flags |= unix.O_APPEND
	}
	// In a world-writable directory the trace is likely in a place everyone
	// can look into: let no one else read it.
	perm := uint32(0o666)
	if d.st.Mode&unix.S_IWOTH != 0 {
		perm = 0o600
	}
	if beforeFinalOpen != nil {
		beforeFinalOpen(d.fd, name)
	}
	fd, err := openat(d.fd, name, flags, perm)
	if err == unix.ELOOP || err == unix.EACCES || err == unix.ENXIO {
		return nil, err
	}
	if err != nil {
		return nil, o.pathError("open", err)
	}
	f, err := o.accept(fd, d, name)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return f, nil
}

// accept judges the descriptor open(2) gave, truncates it if asked, and
// makes it blocking.
func (o *opener) accept(fd int, d *dir, name string) (*os.File, error) {
	entry := filepath.Join(d.name, name)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "fstat", Path: entry, Err: err}
	}
	typ := st.Mode & unix.S_IFMT
	if err := o.mayOpen(d, entry, &st); err != nil {
		return nil, err
	}
	if o.perProcess {
		switch {
		case typ != unix.S_IFREG:
			return nil, refused(nil, "refusing to write a per-process trace to %s: it is %s, not a regular file", entry, describe(typ))
		case st.Uid != o.euid:
			return nil, refused(unix.EACCES, "refusing to write a per-process trace to %s: it belongs to uid %d, not to uid %d that runs the trace, so someone else may have planted it", entry, st.Uid, o.euid)
		case st.Nlink != 1:
			return nil, refused(nil, "refusing to write a per-process trace to %s: it has %d hard links, so writing to it would change another file too", entry, uint64(st.Nlink))
		}
	} else {
		switch typ {
		case unix.S_IFREG, unix.S_IFIFO, unix.S_IFCHR:
		default:
			// A block device (a disk) or something stranger: writing a
			// trace over it is never what was meant.
			return nil, refused(nil, "refusing to write the trace to %s: it is %s", entry, describe(typ))
		}
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err == nil {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^unix.O_NONBLOCK)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "fcntl", Path: entry, Err: err}
	}
	if o.mode == ModeTruncate && typ == unix.S_IFREG {
		for {
			err = unix.Ftruncate(fd, 0)
			if err != unix.EINTR {
				break
			}
		}
		if err != nil {
			return nil, &fs.PathError{Op: "truncate", Path: entry, Err: err}
		}
	}
	return os.NewFile(uintptr(fd), o.path), nil
}

// mayOpen applies fs.protected_regular and fs.protected_fifos (level 2) to
// an existing entry of d, and refuses a hard link there. A new file belongs
// to the caller and passes.
func (o *opener) mayOpen(d *dir, entry string, st *unix.Stat_t) error {
	typ := st.Mode & unix.S_IFMT
	if !d.stickyShared() || (typ != unix.S_IFREG && typ != unix.S_IFIFO) {
		return nil
	}
	if st.Uid != o.euid && st.Uid != d.st.Uid {
		rule := "fs.protected_regular"
		if typ == unix.S_IFIFO {
			rule = "fs.protected_fifos"
		}
		return refused(unix.EACCES, "refusing to open %s: it belongs to uid %d, neither the caller (uid %d) nor the owner of the sticky %s directory %s it sits in, so someone else may have planted it (the rule of %s)", entry, st.Uid, o.euid, d.writableBy(), d.name, rule)
	}
	if typ == unix.S_IFREG && st.Nlink > 1 {
		return refused(unix.EACCES, "refusing to open %s: it has %d hard links and sits in the sticky %s directory %s, so it may be a link someone planted to another file (the rule of fs.protected_hardlinks)", entry, uint64(st.Nlink), d.writableBy(), d.name)
	}
	return nil
}

// describe names a file type, with its article, for messages.
func describe(typ uint32) string {
	switch typ {
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFLNK:
		return "a symbolic link"
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	}
	return fmt.Sprintf("a file of type %#o", typ)
}
