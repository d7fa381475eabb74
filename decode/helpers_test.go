package decode

import (
	"encoding/binary"
	"fmt"
)

// fakeMemory is tracee memory made of separate regions keyed by start
// address; reading anything not wholly inside one region fails.
type fakeMemory map[uint64][]byte

func (m fakeMemory) ReadMemory(addr uint64, p []byte) error {
	for start, b := range m {
		if addr >= start && addr-start <= uint64(len(b)) && uint64(len(p)) <= uint64(len(b))-(addr-start) {
			copy(p, b[addr-start:])
			return nil
		}
	}
	return fmt.Errorf("read %d bytes at %#x: unmapped", len(p), addr)
}

// words lays out 32-bit little-endian words, zero-padded to size bytes.
func words(size int, ws ...uint32) []byte {
	b := make([]byte, size)
	for i, w := range ws {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	return b
}

// longs lays out 64-bit little-endian words, zero-padded to size bytes.
func longs(size int, ws ...uint64) []byte {
	b := make([]byte, size)
	for i, w := range ws {
		binary.LittleEndian.PutUint64(b[8*i:], w)
	}
	return b
}

// neg returns the two's complement of n as a 32-bit word, for readable
// negative test values.
func neg(n uint32) uint32 { return -n }
