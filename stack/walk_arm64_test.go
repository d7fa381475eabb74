package stack

import "testing"

// TestWalkLeafLR checks arm64's first frame in a leaf function that has
// not saved the link register: by its CFI (CFA = SP, return address "same
// value", i.e. still in x30) the caller's frame has the same stack pointer,
// which the walk allows out of the first frame only.
func TestWalkLeafLR(t *testing.T) {
	a := hostArchs[0]
	obj := testObject(a, testSyms...)
	leaf := cfiProgram{}.defCFA(a.sp, 0)
	obj.debugFrame = parseCFI(debugFrame(8, uint64(a.lr), leaf, nil, 0, 0x10000), 8, 0)
	if obj.debugFrame == nil {
		t.Fatal("CFI did not parse")
	}
	frames, err := testWalker(obj, newStack(64)).walk(Regs{PC: codeBase + 0x123, SP: stackBase, LR: codeBase + 0x201}, 0)
	const want = " > /test/prog(leaf+0x23) [0x123]\n" +
		" > /test/prog(caller+0x1) [0x201]\n"
	// The second frame's x30 is the return address itself, and its SP
	// has not moved: there the walk ends.
	if got := lines(frames); err != nil || got != want {
		t.Errorf("frames (%v):\n%swant:\n%s", err, got, want)
	}
	// A pointer-authentication code in the return address is stripped.
	frames, _ = testWalker(obj, newStack(64)).walk(Regs{PC: codeBase + 0x123, SP: stackBase, LR: 0x002a<<48 | codeBase + 0x201}, 0)
	if got := lines(frames); got != want {
		t.Errorf("frames with a signed LR:\n%swant:\n%s", got, want)
	}
}
