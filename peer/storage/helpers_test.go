package storage

import (
	"crypto/sha1"
	"math/rand/v2"
	"testing"

	"github.com/anacrolix/torrent/metainfo"
)

// randBytes returns n deterministic pseudo-random bytes.
func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// hashPieces returns the concatenated SHA-1s of data cut into pieces.
func hashPieces(data []byte, pieceLen int) []byte {
	var out []byte
	for off := 0; off < len(data); off += pieceLen {
		sum := sha1.Sum(data[off:min(off+pieceLen, len(data))])
		out = append(out, sum[:]...)
	}
	return out
}

// testInfo builds the info of data split into files of the given lengths
// (a single-file torrent when lens is nil).
func testInfo(name string, pieceLen int, data []byte, lens []int64) *metainfo.Info {
	info := &metainfo.Info{Name: name, PieceLength: int64(pieceLen), Pieces: hashPieces(data, pieceLen)}
	if lens == nil {
		info.Length = int64(len(data))
		return info
	}
	for i, l := range lens {
		info.Files = append(info.Files, metainfo.FileInfo{Length: l, Path: []string{"d" + string(rune('a'+i%5)), "f" + string(rune('a'+i))}})
	}
	return info
}

// openTest opens storage for info in a fresh directory and closes it at
// the end of the test.
func openTest(t testing.TB, info *metainfo.Info, opts Options) *Storage {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	s, err := Open(info, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// writeAll writes data through s.
func writeAll(t testing.TB, s *Storage, data []byte) {
	t.Helper()
	if n, err := s.WriteAt(data, 0); err != nil || n != len(data) {
		t.Fatalf("WriteAt(all): n=%d err=%v", n, err)
	}
}
