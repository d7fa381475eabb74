package stack

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

// mapsFile finds the mappings of a tracee's addresses. Reading all of
// /proc/PID/maps costs the kernel some 10 µs a KiB (140 µs for the 14 KiB of
// a Python interpreter), most of an Unwind; so where the kernel has
// PROCMAP_QUERY (Linux 6.11), an ioctl on the same file that returns the
// one mapping of an address, the walk asks for the few mappings its frames
// are in instead. Either way what it sees is the maps of now.
type mapsFile struct {
	f        *os.File
	canQuery bool      // PROCMAP_QUERY works on f
	all      []mapping // all of the file, parsed, where it does not
	queried  []mapping // the mappings queried so far
	name     []byte
}

// openMaps opens /proc/pid/maps.
func openMaps(pid int) (*mapsFile, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return nil, err
	}
	return &mapsFile{f: f, canQuery: true}, nil
}

func (m *mapsFile) Close() error { return m.f.Close() }

// find returns the mapping that holds addr, or nil.
func (m *mapsFile) find(addr uint64) *mapping {
	if m.canQuery {
		for i := range m.queried {
			if q := &m.queried[i]; q.start <= addr && addr < q.end {
				return q
			}
		}
		q, err := m.query(addr)
		switch {
		case err == nil:
			m.queried = append(m.queried, q)
			return &m.queried[len(m.queried)-1]
		case errors.Is(err, syscall.ENOENT):
			return nil
		}
		// ENOTTY before Linux 6.11; or a name longer than the buffer.
		m.canQuery = false
	}
	if m.all == nil {
		all, err := readMapsFile(m.f)
		if err != nil {
			return nil
		}
		m.all = all
	}
	return findMapping(m.all, addr)
}

// procmapQuery is the kernel's struct procmap_query (linux/fs.h).
type procmapQuery struct {
	size        uint64
	queryFlags  uint64
	queryAddr   uint64
	vmaStart    uint64
	vmaEnd      uint64
	vmaFlags    uint64
	vmaPageSize uint64
	vmaOffset   uint64
	inode       uint64
	devMajor    uint32
	devMinor    uint32
	vmaNameSize uint32
	buildIDSize uint32
	vmaNameAddr uint64
	buildIDAddr uint64
}

const (
	// _IOWR('f', 17, struct procmap_query)
	procmapQueryIoctl = 3<<30 | uint64(unsafe.Sizeof(procmapQuery{}))<<16 | 'f'<<8 | 17
	procmapExecutable = 0x04 // PROCMAP_QUERY_VMA_EXECUTABLE
	procmapNameMax    = 4096 // PATH_MAX, with the " (deleted)" of a removed file
)

// query asks the kernel for the mapping that holds addr.
func (m *mapsFile) query(addr uint64) (mapping, error) {
	if m.name == nil {
		m.name = make([]byte, procmapNameMax)
	}
	q := procmapQuery{queryAddr: addr, vmaNameSize: uint32(len(m.name))}
	q.size = uint64(unsafe.Sizeof(q))
	var pin runtime.Pinner
	pin.Pin(&m.name[0])
	defer pin.Unpin()
	q.vmaNameAddr = uint64(uintptr(unsafe.Pointer(&m.name[0])))
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, m.f.Fd(), uintptr(procmapQueryIoctl), uintptr(unsafe.Pointer(&q)))
	if errno != 0 {
		return mapping{}, errno
	}
	r := mapping{start: q.vmaStart, end: q.vmaEnd, offset: q.vmaOffset, exec: q.vmaFlags&procmapExecutable != 0, inode: q.inode}
	if n := q.vmaNameSize; n > 0 && int(n) <= len(m.name) {
		r.path = string(m.name[:n-1]) // n counts the NUL
	}
	return r, nil
}
