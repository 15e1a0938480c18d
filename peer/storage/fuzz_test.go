package storage

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
)

func FuzzLoadResume(f *testing.F) {
	good := bencode.MustMarshal(resumeWire{
		Version: 1, InfoHash: string(testHash[:]), NumPieces: 11, Pieces: "\xff\xe0",
		Files: []stampWire{{Size: 5, ModTime: 7}, {Size: -1}},
	})
	f.Add(good, 11)
	f.Add(good[:len(good)/2], 11)
	f.Add([]byte("d7:versioni1ee"), 1)
	f.Add([]byte("li1ee"), 3)
	f.Add([]byte(""), 0)
	dir := f.TempDir()
	var n int
	f.Fuzz(func(t *testing.T, data []byte, numPieces int) {
		n++
		p := filepath.Join(dir, "r"+strconv.Itoa(n%8))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := LoadResume(p, testHash, numPieces)
		if err != nil {
			return
		}
		// Whatever loads is consistent.
		if r.NumPieces != numPieces || len(r.Pieces) != (numPieces+7)/8 {
			t.Fatalf("loaded %d pieces in %d bytes for %d", r.NumPieces, len(r.Pieces), numPieces)
		}
		if _, err := r.Bitfield(); err != nil {
			t.Fatalf("loaded resume has a bad bitfield: %v", err)
		}
	})
}

func FuzzValidateInfo(f *testing.F) {
	for _, info := range []*metainfo.Info{validInfo(), testInfo("x", 16384, randBytes(1, 40000), nil)} {
		f.Add(bencode.MustMarshal(info))
	}
	f.Add([]byte("d4:name2:..12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaa6:lengthi5ee"))
	f.Add([]byte("d5:filesld6:lengthi5e4:pathl2:..eee4:name1:x12:piece lengthi1099511627776e6:pieces0:e"))
	f.Add([]byte("d12:meta versioni2e4:name1:x12:piece lengthi16384ee"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var info metainfo.Info
		if err := bencode.Unmarshal(data, &info); err != nil {
			return
		}
		if ValidateInfo(&info) != nil {
			return
		}
		// A valid info has a sane layout.
		l := newLayout(&info)
		if l.total <= 0 || l.total > MaxTotalLength || l.numPieces != int((l.total+l.pieceLen-1)/l.pieceLen) {
			t.Fatalf("valid info with layout total %d, %d pieces of %d", l.total, l.numPieces, l.pieceLen)
		}
		if got := l.pieceSize(l.numPieces - 1); got <= 0 || int64(got) > l.pieceLen {
			t.Fatalf("last piece size %d", got)
		}
	})
}
