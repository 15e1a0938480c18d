package storage

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/anacrolix/torrent/metainfo"
)

func TestReadWriteLayouts(t *testing.T) {
	tests := []struct {
		name string
		lens []int64 // nil = single file
		size int
	}{
		{"single", nil, 100_000},
		{"multi", []int64{1, 0, 16384, 5000, 0, 33000, 7, 40000}, 94392},
		{"multi tiny files", []int64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9}, 77},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randBytes(1, tt.size)
			info := testInfo("t", 16384, data, tt.lens)
			// MaxOpenFiles 2 forces evictions between files.
			s := openTest(t, info, Options{MaxOpenFiles: 2, Workers: 2})
			r := rand.New(rand.NewPCG(2, 3))
			// Write everything in random chunks at random offsets, in
			// random order, until every byte is covered.
			order := r.Perm(tt.size/100 + 1)
			for _, k := range order {
				lo := k * 100
				hi := min(lo+100+r.IntN(300), tt.size)
				if lo >= tt.size {
					continue
				}
				if n, err := s.WriteAt(data[lo:hi], int64(lo)); err != nil || n != hi-lo {
					t.Fatalf("WriteAt(%d..%d) = %d, %v", lo, hi, n, err)
				}
			}
			for range 500 {
				lo := r.IntN(tt.size)
				hi := lo + r.IntN(tt.size-lo+1)
				got := make([]byte, hi-lo)
				if n, err := s.ReadAt(got, int64(lo)); err != nil || n != hi-lo {
					t.Fatalf("ReadAt(%d..%d) = %d, %v", lo, hi, n, err)
				}
				if !bytes.Equal(got, data[lo:hi]) {
					t.Fatalf("ReadAt(%d..%d) returned other bytes", lo, hi)
				}
			}
			// Files on disk hold exactly their slice of the data.
			checkFilesOnDisk(t, s, info, data)
			// Reading past the end: io.ReaderAt semantics.
			buf := make([]byte, 10)
			if n, err := s.ReadAt(buf, int64(tt.size-4)); n != 4 || err != io.EOF {
				t.Fatalf("ReadAt across the end = %d, %v; want 4, io.EOF", n, err)
			}
			if n, err := s.ReadAt(buf, int64(tt.size)); n != 0 || err != io.EOF {
				t.Fatalf("ReadAt at the end = %d, %v; want 0, io.EOF", n, err)
			}
			for i := range s.NumPieces() {
				if ok, err := s.HashPiece(i); !ok || err != nil {
					t.Fatalf("HashPiece(%d) = %v, %v", i, ok, err)
				}
			}
		})
	}
}

func checkFilesOnDisk(t *testing.T, s *Storage, info *metainfo.Info, data []byte) {
	t.Helper()
	for _, fe := range s.lay.files {
		got, err := os.ReadFile(filepath.Join(s.dir, fe.rel))
		if err != nil {
			t.Fatalf("file %q: %v", fe.show, err)
		}
		if !bytes.Equal(got, data[fe.offset:fe.offset+fe.length]) {
			t.Fatalf("file %q: %d bytes on disk differ from the data (%d bytes)", fe.show, len(got), fe.length)
		}
	}
}

func TestWriteAtRefusesOutside(t *testing.T) {
	data := randBytes(1, 1000)
	s := openTest(t, testInfo("t", 16384, data, nil), Options{})
	for _, off := range []int64{-1, 999, 1000, 1 << 62} {
		if n, err := s.WriteAt(make([]byte, 2), off); err == nil || n != 0 || !strings.Contains(err.Error(), "outside the torrent") {
			t.Errorf("WriteAt(2 bytes at %d) = %d, %v; want refusal", off, n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "t")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("refused writes created the file: %v", err)
	}
	if _, err := s.ReadAt(make([]byte, 1), -1); err == nil {
		t.Fatal("ReadAt(-1) = nil error")
	}
}

func TestReadMissingAndShort(t *testing.T) {
	data := randBytes(1, 50_000)
	dir := t.TempDir()
	s := openTest(t, testInfo("t", 16384, data, nil), Options{Dir: dir})
	buf := make([]byte, 100)
	if _, err := s.ReadAt(buf, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadAt before any write = %v, want fs.ErrNotExist", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t"), data[:20_000], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadAt(buf, 19_950); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), `file 0 "t"`) {
		t.Fatalf("ReadAt over a short file = %v, want io.ErrUnexpectedEOF naming the file", err)
	}
}

func TestZeroLengthFilesCreatedOnFirstWrite(t *testing.T) {
	data := randBytes(1, 20_000)
	lens := []int64{0, 10_000, 0, 10_000, 0}
	s := openTest(t, testInfo("t", 16384, data, lens), Options{})
	if entries, _ := os.ReadDir(s.dir); len(entries) != 0 {
		t.Fatalf("Open created %d entries in the data directory", len(entries))
	}
	if _, err := s.WriteAt(data[:10], 0); err != nil {
		t.Fatal(err)
	}
	// Written and empty files exist at their full size; file 3 is not
	// written yet.
	for i, fe := range s.lay.files {
		st, err := os.Stat(filepath.Join(s.dir, fe.rel))
		if i == 3 {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("unwritten file %q: %v, want fs.ErrNotExist", fe.show, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("file %q after first write: %v", fe.show, err)
		}
		if st.Size() != fe.length {
			t.Fatalf("file %q size %d, want %d (preallocated)", fe.show, st.Size(), fe.length)
		}
	}
}

func TestPadFilesNotMaterialised(t *testing.T) {
	data := randBytes(1, 40_000)
	copy(data[10_000:16_384], make([]byte, 6_384)) // pad file bytes are zeros
	info := testInfo("t", 16384, data, []int64{10_000, 6_384, 23_616})
	info.Files[1].Attr = "p"
	info.Files[1].Path = []string{".pad", "6384"}
	info.Pieces = hashPieces(data, 16384)
	s := openTest(t, info, Options{})
	writeAll(t, s, data)
	if _, err := os.Stat(filepath.Join(s.dir, "t", ".pad")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("pad directory exists: %v", err)
	}
	got := make([]byte, len(data))
	if _, err := s.ReadAt(got, 0); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAt over a pad file: %v", err)
	}
	bf, err := s.Verify(t.Context(), nil)
	if err != nil || !bf.All() {
		t.Fatalf("Verify = %s, %v; want all", bf.String(), err)
	}
}

func TestReadBlock(t *testing.T) {
	data := randBytes(1, 40_000) // pieces 16384, 16384, 7232
	s := openTest(t, testInfo("t", 16384, data, []int64{20_000, 20_000}), Options{})
	writeAll(t, s, data)
	if got, want := s.PieceSize(2), 7232; got != want {
		t.Fatalf("PieceSize(2) = %d, want %d", got, want)
	}
	if s.PieceSize(3) != 0 || s.PieceSize(-1) != 0 {
		t.Fatal("PieceSize out of range != 0")
	}
	buf := make([]byte, 1000)
	if err := s.ReadBlock(1, 3000, buf); err != nil || !bytes.Equal(buf, data[16384+3000:16384+4000]) {
		t.Fatalf("ReadBlock(1, 3000) = %v or wrong bytes", err)
	}
	for _, c := range []struct{ piece, begin, n int }{{3, 0, 1}, {-1, 0, 1}, {2, 7000, 300}, {0, -1, 1}, {0, 16384, 1}} {
		if err := s.ReadBlock(c.piece, c.begin, make([]byte, c.n)); err == nil {
			t.Errorf("ReadBlock(%d, %d, %d bytes) = nil, want error", c.piece, c.begin, c.n)
		}
	}
}

// TestConcurrentReadWrite runs readers and writers on many files through a
// tiny file cache, for the race detector.
func TestConcurrentReadWrite(t *testing.T) {
	lens := make([]int64, 20)
	for i := range lens {
		lens[i] = 5000
	}
	data := randBytes(7, 100_000)
	s := openTest(t, testInfo("t", 16384, data, lens), Options{MaxOpenFiles: 3})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			buf := make([]byte, 3000)
			for range 200 {
				off := r.IntN(len(data) - len(buf))
				if g%2 == 0 {
					if _, err := s.WriteAt(data[off:off+len(buf)], int64(off)); err != nil {
						t.Error(err)
						return
					}
				} else if _, err := s.ReadAt(buf, int64(off)); err != nil &&
					!errors.Is(err, fs.ErrNotExist) && !errors.Is(err, io.ErrUnexpectedEOF) {
					// Unwritten ranges may be missing, or short while a
					// writer is between create and truncate.
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	writeAll(t, s, data)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	checkFilesOnDisk(t, s, nil, data)
}

// TestSymlinkEscapeRefused checks that a symlink planted in the data
// directory cannot lead a write outside it.
func TestSymlinkEscapeRefused(t *testing.T) {
	outside := t.TempDir()
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "t")); err != nil {
		t.Skipf("cannot create symlinks: %v", err)
	}
	data := randBytes(1, 20_000)
	s := openTest(t, testInfo("t", 16384, data, []int64{10_000, 10_000}), Options{Dir: dir})
	if _, err := s.WriteAt(data, 0); err == nil {
		t.Fatal("WriteAt through an escaping symlink succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("write escaped the data directory: %d entries outside", len(entries))
	}
}

func TestSyncAndClose(t *testing.T) {
	data := randBytes(1, 40_000)
	s, err := Open(testInfo("t", 16384, data, []int64{20_000, 20_000}), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, s, data)
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := s.Sync(); err != nil {
		t.Fatalf("second Sync: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadAt after Close = %v, want ErrClosed", err)
	}
	if _, err := s.WriteAt(make([]byte, 1), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteAt after Close = %v, want ErrClosed", err)
	}
}
