// Package stack unwinds the user-space stack of a ptrace-stopped process,
// for waittrace's -k (--stack-traces): the stack of each traced wait call,
// and of each signal-delivery stop, printed as strace -k prints it:
//
//	wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4242
//	 > /usr/lib/x86_64-linux-gnu/libc.so.6(wait4+0x13) [0xd3bd3]
//	 > /usr/bin/dash() [0xbcc0]
//
// An Unwinder is given the stop's registers (Regs) and a reader of the
// tracee's memory (Memory); Unwind returns the Frames, whose String is the
// line strace prints. It is pure Go, with no cgo.
//
// # How
//
// The mapping of each frame's address comes from /proc/PID/maps: by the
// PROCMAP_QUERY ioctl where the kernel has it (Linux 6.11), else by reading
// the whole file. The mapped file is opened through /proc/PID/map_files
// (the very file, even deleted or in another mount namespace), else by its
// path under /proc/PID/root, and parsed once: the Unwinder keeps it by
// device, inode and mtime, for every process that maps it.
//
// A frame is unwound by the DWARF call-frame information of its object
// (.eh_frame, then .debug_frame: a Go binary has only the latter), else by
// the frame-pointer chain. Its function is the nearest function symbol at
// or below its address in .dynsym and .symtab (libunwind's rule, and so
// strace's), completed, for a stripped object, from its separate debug
// file under /usr/lib/debug (by build ID, or .gnu_debuglink); C++ (and Rust)
// names are demangled. The vDSO, which is in no file, is read from memory.
//
// # Libraries, and why
//
// The CFI is parsed and its programs run by the Go debugger's
// github.com/go-delve/delve/pkg/dwarf/frame (3 small packages, about 30 KB
// of binary, no cgo); names are demangled by
// github.com/ianlancetaylor/demangle (1 package, no dependencies, the
// demangler of Go's own tools; about 0.9 MB of binary, the price of
// C++ names printed as strace prints them). The walk itself, the DWARF
// expressions of CFI rules (PLT entries, signal trampolines), symbols and
// caching are this package's.
//
// An own CFI parser was weighed and not written. Delve's parses a whole
// section up front: 0.8 ms for libc's .eh_frame (150 KB, 3713 FDEs), 1.0 ms
// for libpython's (295 KB, 5359), 1.5 ms for libstdc++'s, once per object
// per trace. A lazy parser through .eh_frame_hdr would save that, but the
// first Unwind of a C program (7 to 8 ms) is mostly the reading of libc's
// symbols from its debug file, and a second one reuses everything; that
// millisecond does not pay for some 500 lines of parser and interpreter to
// keep. Delve's parser has flaws this package works around: it panics on
// some truncated programs (recovered), leaves FDEs unsorted (sorted here),
// turns DW_CFA_restore into "undefined" (read as "same value" for the
// first frame's link register on arm64), evaluates no DWARF expression (a
// small evaluator here), and rejects arm64's DW_CFA_AARCH64_negate_ra_state
// (the frame is then unwound by frame pointers).
//
// # Cost
//
// Nothing is read before the first Unwind. BenchmarkUnwind, on fixtures
// stopped at their wait4 (2-core VM, Linux 6.18):
//
//	                     first Unwind   cached Unwinder
//	C (7 frames)         8 ms           34 µs
//	C++ (7 frames)       8 ms           34 µs
//	Go (10 frames)       2 ms           28 µs
//	Python (14 frames)   17 ms          58 µs
//
// "First" parses every object (libc with its debug file's symbols, for the
// C ones); "cached" reuses them and costs mostly system calls: a stat of
// each object to check it against the cache, PROCMAP_QUERY, a
// process_vm_readv per 512-byte block of stack. Without PROCMAP_QUERY the
// maps file costs the kernel about 10 µs a KiB (140 µs for Python's 14
// KiB).
//
// # Where this differs from strace
//
// strace 6.1 unwinds with libunwind; the tests compare the two on every
// fixture, line for line. Lines differ where this package knows more:
//
//   - Symbols of a stripped library come from its debug file when one is
//     installed (libc6-dbg): libunwind follows only .gnu_debuglink, and
//     misplaces a PIE's debug symbols. strace prints libc's
//     __libc_start_call_main+0x7a as __libc_init_first+0x8a, the nearest
//     exported symbol before it.
//   - libunwind reads no .debug_frame, so in a Go binary it follows frame
//     pointers and skips the caller of a frameless assembly function, such
//     as syscall.RawSyscall6 at a system call; its CFI puts it in.
//   - i386 tracees: strace prints no stack for a personality other than
//     its own. Unwind walks them (on amd64) as it walks native ones, by CFI
//     and 4-byte frame pointers, through the 32-bit vDSO's
//     __kernel_vsyscall. Give it the registers zero-extended (eip, esp, ebp
//     in Regs.PC, SP, FP); the tracer may print them or, to match strace,
//     not. AArch32 and x32 tracees get their first frame only.
//   - vDSO frames are named ([vdso](__kernel_vsyscall+0x9)): libunwind
//     cannot open "[vdso]" to read its symbols.
//   - Paths and symbols are escaped as strace escapes strings (strace
//     prints them raw); a newline in a path, which /proc/PID/maps shows as
//     \012, prints as \n.
//
// # A hostile tracee
//
// The mapped files and the memory come from the tracee. Sections are read
// up to 64 MiB (inflated ones too), CFA programs run up to 64 KiB,
// demangled names grow to 64 KiB, a walk stops at its frame limit (strace's
// 256 by default), at a stack pointer that does not grow (only a signal
// frame may jump), and at a frame pointer below the stack pointer; panics
// of the parsers are recovered; files are opened only if regular (a FIFO
// cannot block the tracer) and debug links must be plain names. The
// Unwinder keeps at most 256 objects, and 1024 CFI rows each. Fuzz targets
// cover the ELF, CFI, expression and maps parsers.
//
// # Limitations
//
// Regs carries the PC, stack and frame pointers and the link register: a
// CFA rule on any other register (rare, outside hand-written assembly)
// ends the walk. One such place is real: ld.so's lazy-binding trampoline
// (_dl_runtime_resolve_xsavec keeps its CFA in rbx), so a signal that
// arrives while a program resolves a function on its first call gets a
// stack that ends there. The arm64 paths are tested on made-up stacks only (the
// unit tests pass under qemu-user, which has no ptrace): no stack of a real
// arm64 process has been walked, nor the vDSO's signal trampoline (which
// libunwind recognizes by its code, this package only by its CFI, if the
// kernel writes any). A 52-bit arm64
// address space would need a wider mask than the 48 bits that strip
// pointer-authentication codes.
package stack
