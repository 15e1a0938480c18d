package wire

import "sync"

// blockPool holds *[BlockSize]byte: storing a pointer in the pool's
// interface does not allocate, where a []byte would.
var blockPool = sync.Pool{New: func() any { return new([BlockSize]byte) }}

// GetBlock returns a BlockSize-byte buffer from the pool that Reader uses
// for piece payloads. Its contents are undefined. Return it with PutBlock.
func GetBlock() []byte {
	return blockPool.Get().(*[BlockSize]byte)[:]
}

// PutBlock returns a piece buffer (Message.Piece, or one from GetBlock) to
// the pool. Any reslice of it from index 0 may be passed (cap must still be
// BlockSize); other slices are ignored. The caller must not touch b, or any
// other slice of the same buffer, afterwards; returning the same buffer
// twice corrupts later messages.
func PutBlock(b []byte) {
	if cap(b) != BlockSize {
		return
	}
	blockPool.Put((*[BlockSize]byte)(b[:BlockSize]))
}
