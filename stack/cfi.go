package stack

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/frame"
)

var errProgramTooLong = errors.New("CFA program too long")

// establish runs the CFA program of fde up to vaddr and returns the row
// of rules that holds there.
func establish(fde *frame.FrameDescriptionEntry, vaddr uint64) (ctx *frame.FrameContext, err error) {
	if fde.CIE == nil {
		return nil, errors.New("FDE without CIE")
	}
	// Each DW_CFA_remember_state copies the row: a long crafted program
	// could allocate without bound.
	if len(fde.Instructions) > maxProgram || len(fde.CIE.InitialInstructions) > maxProgram {
		return nil, errProgramTooLong
	}
	defer func() {
		// The interpreter panics on a truncated program or a
		// DW_CFA_restore_state without a remembered state.
		if p := recover(); p != nil {
			ctx, err = nil, fmt.Errorf("CFA program at %#x: %v", fde.Begin(), p)
		}
	}()
	return fde.EstablishFrame(vaddr)
}

// isSignalFrame reports whether fde is a signal trampoline's (augmentation
// "S"): the frame it returns to was interrupted, not calling, so its PC is
// exact.
func isSignalFrame(fde *frame.FrameDescriptionEntry) bool {
	aug := fde.CIE.Augmentation
	for i := 0; i < len(aug); i++ {
		if aug[i] == 'S' {
			return true
		}
	}
	return false
}

// Limits of evalExpr: with no branch implemented each operation runs once,
// so these only bound a crafted expression's time and memory.
const (
	maxExprOps   = 1024
	maxExprStack = 64
)

// evalExpr computes a DWARF expression of a CFI rule: what compilers and
// libc's hand-written CFI use (register plus offset, dereference,
// constants, arithmetic, comparisons), which covers PLT entries and
// signal trampolines; anything else is an error. initial is pushed first
// (the CFA, for a register's rule).
func evalExpr(expr []byte, a *arch, reg func(uint64) (uint64, bool), mem Memory, initial ...uint64) (uint64, error) {
	stack := append(make([]uint64, 0, 8), initial...)
	r := exprReader{b: expr}
	pop := func() uint64 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v
	}
	for ops := 0; r.err == nil && len(r.b) > 0; ops++ {
		if ops == maxExprOps || len(stack) >= maxExprStack {
			return 0, errors.New("DWARF expression too long")
		}
		op := r.byte()
		// Operations that take operands from the stack, and how many.
		need := 0
		switch {
		case op == 0x06 || op == 0x12 || op == 0x13 || op == 0x1f || op == 0x20 || op == 0x23 || op == 0x94:
			need = 1 // deref, dup, drop, neg, not, plus_uconst, deref_size
		case op == 0x14 || op == 0x16 || op >= 0x1a && op <= 0x1e || op >= 0x21 && op <= 0x27 && op != 0x23 || op >= 0x29 && op <= 0x2e:
			need = 2
		}
		if len(stack) < need {
			return 0, fmt.Errorf("DWARF expression: stack underflow at op %#x", op)
		}
		switch {
		case op == 0x03: // addr
			stack = append(stack, r.uint(a.ptrSize))
		case op == 0x06 || op == 0x94: // deref, deref_size
			size := a.ptrSize
			if op == 0x94 {
				size = int(r.byte())
				if size == 0 || size > a.ptrSize {
					return 0, fmt.Errorf("DWARF expression: deref_size %d", size)
				}
			}
			var buf [8]byte
			if err := mem.ReadMemory(pop(), buf[:size]); err != nil {
				return 0, err
			}
			stack = append(stack, binary.LittleEndian.Uint64(buf[:]))
		case op >= 0x08 && op <= 0x0f: // const1u .. const8s
			size := 1 << ((op - 0x08) / 2)
			v := r.uint(size)
			if op&1 == 1 { // signed
				shift := 64 - 8*size
				v = uint64(int64(v<<shift) >> shift)
			}
			stack = append(stack, v)
		case op == 0x10: // constu
			stack = append(stack, r.uleb())
		case op == 0x11: // consts
			stack = append(stack, uint64(r.sleb()))
		case op == 0x12: // dup
			stack = append(stack, stack[len(stack)-1])
		case op == 0x13: // drop
			pop()
		case op == 0x14: // over
			stack = append(stack, stack[len(stack)-2])
		case op == 0x16: // swap
			n := len(stack)
			stack[n-1], stack[n-2] = stack[n-2], stack[n-1]
		case op == 0x1f: // neg
			stack = append(stack, -pop())
		case op == 0x20: // not
			stack = append(stack, ^pop())
		case op == 0x23: // plus_uconst
			stack = append(stack, pop()+r.uleb())
		case need == 2:
			y, x := pop(), pop()
			v, err := binop(op, x, y)
			if err != nil {
				return 0, err
			}
			stack = append(stack, v)
		case op >= 0x30 && op <= 0x4f: // lit0 .. lit31
			stack = append(stack, uint64(op-0x30))
		case op >= 0x70 && op <= 0x8f || op == 0x92: // breg0 .. breg31, bregx
			n := uint64(op - 0x70)
			if op == 0x92 {
				n = r.uleb()
			}
			v, ok := reg(n)
			if !ok {
				return 0, fmt.Errorf("DWARF expression: register %d unknown", n)
			}
			stack = append(stack, v+uint64(r.sleb()))
		case op == 0x96: // nop
		default:
			return 0, fmt.Errorf("DWARF expression: unsupported op %#x", op)
		}
	}
	if r.err != nil {
		return 0, r.err
	}
	if len(stack) == 0 {
		return 0, errors.New("DWARF expression: empty stack")
	}
	return a.word(stack[len(stack)-1]), nil
}

// binop applies a two-operand DWARF operation to x (pushed first) and y.
func binop(op byte, x, y uint64) (uint64, error) {
	b := func(c bool) uint64 {
		if c {
			return 1
		}
		return 0
	}
	switch op {
	case 0x1a:
		return x & y, nil
	case 0x1b, 0x1d: // div, mod
		if y == 0 {
			return 0, errors.New("DWARF expression: division by zero")
		}
		if op == 0x1b {
			return uint64(int64(x) / int64(y)), nil
		}
		return x % y, nil
	case 0x1c:
		return x - y, nil
	case 0x1e:
		return x * y, nil
	case 0x21:
		return x | y, nil
	case 0x22:
		return x + y, nil
	case 0x24:
		return x << (y & 63), nil
	case 0x25:
		return x >> (y & 63), nil
	case 0x26:
		return uint64(int64(x) >> (y & 63)), nil
	case 0x27:
		return x ^ y, nil
	case 0x29:
		return b(x == y), nil
	case 0x2a:
		return b(int64(x) >= int64(y)), nil
	case 0x2b:
		return b(int64(x) > int64(y)), nil
	case 0x2c:
		return b(int64(x) <= int64(y)), nil
	case 0x2d:
		return b(int64(x) < int64(y)), nil
	case 0x2e:
		return b(x != y), nil
	}
	return 0, fmt.Errorf("DWARF expression: unsupported op %#x", op)
}

// exprReader reads the operands of a DWARF expression; past the end it
// sets err and returns zeros.
type exprReader struct {
	b   []byte
	err error
}

func (r *exprReader) byte() byte {
	if len(r.b) == 0 {
		r.err = errors.New("DWARF expression truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *exprReader) uint(size int) uint64 {
	var v uint64
	for i := 0; i < size; i++ {
		v |= uint64(r.byte()) << (8 * i)
	}
	return v
}

func (r *exprReader) uleb() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 || r.err != nil {
			return v
		}
	}
}

func (r *exprReader) sleb() int64 {
	var v int64
	var shift uint
	for {
		c := r.byte()
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 || r.err != nil {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}
