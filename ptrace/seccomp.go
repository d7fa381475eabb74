package ptrace

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cloneUntraced is CLONE_UNTRACED: a child made with it is not auto-attached,
// yet it inherits the filter, so its wait calls would fail with ENOSYS.
const cloneUntraced = 0x00800000

// cloneCalls are the clone and clone3 numbers per personality. The filter
// stops clone only when CLONE_UNTRACED is set (the flag is in a register)
// and clone3 always (the flags are in memory, out of BPF's reach).
var cloneCalls = map[uint32][2]uint64{
	unix.AUDIT_ARCH_X86_64:  {56, 435},
	unix.AUDIT_ARCH_I386:    {120, 435},
	unix.AUDIT_ARCH_AARCH64: {220, 435},
}

// Offsets in struct seccomp_data.
const (
	seccompNr   = 0
	seccompArch = 4
	seccompArg0 = 16 // low 32 bits on little-endian machines
)

// bpf is a classic BPF program under construction, with symbolic jumps.
type bpf struct {
	ins    []unix.SockFilter
	labels map[string]int
	// fixups: instruction index -> label for its jt (and jf) targets.
	jt, jf map[int]string
}

func (p *bpf) emit(code uint16, k uint32) int {
	p.ins = append(p.ins, unix.SockFilter{Code: code, K: k})
	return len(p.ins) - 1
}

func (p *bpf) label(name string) { p.labels[name] = len(p.ins) }

// jump emits a conditional jump on the accumulator; "" falls through.
func (p *bpf) jump(op uint16, k uint32, jt, jf string) {
	i := p.emit(unix.BPF_JMP|op|unix.BPF_K, k)
	if jt != "" {
		p.jt[i] = jt
	}
	if jf != "" {
		p.jf[i] = jf
	}
}

func (p *bpf) resolve() ([]unix.SockFilter, error) {
	for i, l := range p.jt {
		off := p.labels[l] - i - 1
		if off < 0 || off > 255 {
			return nil, fmt.Errorf("seccomp filter: jump to %s out of range", l)
		}
		p.ins[i].Jt = uint8(off)
	}
	for i, l := range p.jf {
		off := p.labels[l] - i - 1
		if off < 0 || off > 255 {
			return nil, fmt.Errorf("seccomp filter: jump to %s out of range", l)
		}
		p.ins[i].Jf = uint8(off)
	}
	return p.ins, nil
}

// buildFilter returns a filter that stops (SECCOMP_RET_TRACE) the calls
// given per personality, clone with CLONE_UNTRACED and clone3, and allows
// everything else. The allow path of a native call is one load and compare
// of the arch, one load of the number, a compare per stopped call and the
// return. With floor, every path returns ALLOW: the same instructions with
// no tracing, the cost no filter-based tracer can go below.
func buildFilter(calls map[uint32][]uint64, floor bool) ([]unix.SockFilter, error) {
	trace := uint32(unix.SECCOMP_RET_TRACE)
	if floor {
		trace = unix.SECCOMP_RET_ALLOW
	}
	p := &bpf{labels: map[string]int{}, jt: map[int]string{}, jf: map[int]string{}}
	arches := make([]uint32, 0, len(calls))
	for a := range calls {
		arches = append(arches, a)
	}
	// The native personality first: most calls take the shortest path.
	sort.Slice(arches, func(i, j int) bool {
		if (arches[i] == hostArch) != (arches[j] == hostArch) {
			return arches[i] == hostArch
		}
		return arches[i] < arches[j]
	})
	p.emit(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompArch)
	for i, arch := range arches {
		next := "arch" + strconv.Itoa(i+1)
		p.jump(unix.BPF_JEQ, arch, "", next)
		p.emit(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompNr)
		for _, nr := range calls[arch] {
			p.jump(unix.BPF_JEQ, uint32(nr), "trace", "")
		}
		if cl, ok := cloneCalls[arch]; ok {
			p.jump(unix.BPF_JEQ, uint32(cl[0]), "clone", "")
			p.jump(unix.BPF_JEQ, uint32(cl[1]), "trace", "")
		}
		p.emit(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW)
		p.label(next)
	}
	p.emit(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW)
	p.label("clone")
	p.emit(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompArg0)
	p.jump(unix.BPF_JSET, cloneUntraced, "trace", "")
	p.emit(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW)
	p.label("trace")
	p.emit(unix.BPF_RET|unix.BPF_K, trace)
	return p.resolve()
}

// installFilter installs the filter on the calling thread (the helper's
// main thread, which then execs). PR_SET_NO_NEW_PRIVS is needed without
// CAP_SYS_ADMIN; a traced program cannot gain privileges by execve anyway
// unless its tracer may, so it is set only when required.
func installFilter(prog []unix.SockFilter) error {
	if !hasCap(unix.CAP_SYS_ADMIN) {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		}
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", e)
	}
	return nil
}

// hasCap reports whether capability c is in our effective set.
func hasCap(c int) bool {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	eff, err := strconv.ParseUint(statusField(string(status), "CapEff:"), 16, 64)
	return err == nil && eff&(1<<uint(c)) != 0
}

// ExecWithFloorFilter installs the filter for calls with every path
// returning ALLOW, and execs path: the "filter alone" baseline of the
// benchmarks. It returns only on failure.
func ExecWithFloorFilter(path string, argv []string, calls map[uint32][]uint64) error {
	prog, err := buildFilter(calls, true)
	if err != nil {
		return err
	}
	// The filter is per thread: install and exec on the same one.
	runtime.LockOSThread()
	if err := installFilter(prog); err != nil {
		return err
	}
	return unix.Exec(path, argv, os.Environ())
}
