package stack

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// maxMapsSize bounds what is read of /proc/PID/maps: a process has at most
// vm.max_map_count (65530 by default) mappings, a few MiB of text.
const maxMapsSize = 32 << 20

// mapping is one line of /proc/PID/maps.
type mapping struct {
	start, end, offset uint64
	exec               bool
	inode              uint64
	// path is the name as the kernel shows it, with its \012 for a newline
	// turned back into the byte; "" for an anonymous mapping.
	path string
}

// fileBacked reports whether the mapping is of a file that can be opened
// (not "[vdso]", "[heap]" or another pseudo-name, nor anonymous).
func (m *mapping) fileBacked() bool {
	return m.inode != 0 && strings.HasPrefix(m.path, "/")
}

// readMapsFile reads and parses an open /proc/PID/maps.
func readMapsFile(f *os.File) ([]mapping, error) {
	// One large read per call: the kernel formats the file a page at a
	// time whatever the buffer, but each read syscall costs.
	buf := bytes.NewBuffer(make([]byte, 0, 64<<10))
	if _, err := buf.ReadFrom(io.LimitReader(f, maxMapsSize)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	return parseMaps(buf.Bytes()), nil
}

// parseMaps parses the text of /proc/PID/maps, keeping what strace's
// mmap cache keeps: well-formed lines, in ascending order, without overlaps
// or repeats. A line it cannot parse is skipped.
func parseMaps(data []byte) []mapping {
	var ms []mapping
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		m, ok := parseMapsLine(string(line))
		if !ok {
			continue
		}
		if n := len(ms); n > 0 && (m.start < ms[n-1].end || m.start <= ms[n-1].start) {
			continue
		}
		ms = append(ms, m)
	}
	return ms
}

// parseMapsLine parses "start-end perms offset major:minor inode   path".
func parseMapsLine(line string) (mapping, bool) {
	var m mapping
	var fields [5]string
	rest := line
	for i := range fields {
		j := strings.IndexByte(rest, ' ')
		if j < 0 {
			if i < len(fields)-1 {
				return m, false
			}
			j = len(rest)
		}
		fields[i] = rest[:j]
		rest = rest[min(j+1, len(rest)):]
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return m, false
	}
	var err error
	if m.start, err = strconv.ParseUint(lo, 16, 64); err != nil {
		return m, false
	}
	if m.end, err = strconv.ParseUint(hi, 16, 64); err != nil || m.end < m.start {
		return m, false
	}
	if len(fields[1]) != 4 {
		return m, false
	}
	m.exec = fields[1][2] == 'x'
	if m.offset, err = strconv.ParseUint(fields[2], 16, 64); err != nil {
		return m, false
	}
	if m.inode, err = strconv.ParseUint(fields[4], 10, 64); err != nil {
		return m, false
	}
	m.path = strings.ReplaceAll(strings.TrimLeft(rest, " "), `\012`, "\n")
	return m, true
}

// findMapping returns the mapping that holds addr, or nil.
func findMapping(ms []mapping, addr uint64) *mapping {
	i := sort.Search(len(ms), func(i int) bool { return ms[i].end > addr })
	if i < len(ms) && ms[i].start <= addr {
		return &ms[i]
	}
	return nil
}
