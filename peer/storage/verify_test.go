package storage

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

func TestVerifyFindsExactlyWrittenPieces(t *testing.T) {
	const pl = 16384
	data := randBytes(8, 20*pl+999)
	// Files end mid-piece so pieces straddle files.
	lens := []int64{50_000, 0, 100_000, 7, int64(len(data)) - 150_007}
	for _, single := range []bool{true, false} {
		name := "multi"
		l := lens
		if single {
			name, l = "single", nil
		}
		t.Run(name, func(t *testing.T) {
			s := openTest(t, testInfo("t", pl, data, l), Options{Workers: 3})
			want := bitfield.New(s.NumPieces())
			for _, i := range []int{0, 3, 4, 9, 15, 20} {
				lo, hi := i*pl, min((i+1)*pl, len(data))
				if _, err := s.WriteAt(data[lo:hi], int64(lo)); err != nil {
					t.Fatal(err)
				}
				want.Set(i)
			}
			var lastDone, lastTotal int
			got, err := s.Verify(t.Context(), func(done, total int) { lastDone, lastTotal = done, total })
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("Verify =\n%s, want\n%s", got.String(), want.String())
			}
			if lastDone != s.NumPieces() || lastTotal != s.NumPieces() {
				t.Fatalf("last progress %d/%d, want %d/%d", lastDone, lastTotal, s.NumPieces(), s.NumPieces())
			}
			writeAll(t, s, data)
			if got, err := s.Verify(t.Context(), nil); err != nil || !got.All() {
				t.Fatalf("Verify of a complete set = %s, %v", got.String(), err)
			}
		})
	}
}

func TestVerifyMissingShortCorrupt(t *testing.T) {
	const pl = 16384
	data := randBytes(9, 10*pl)
	lens := []int64{3 * pl, 2*pl + 100, 5*pl - 100} // file 1 covers pieces 3..5
	s := openTest(t, testInfo("t", pl, data, lens), Options{})
	writeAll(t, s, data)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	f1 := filepath.Join(s.dir, s.lay.files[1].rel)

	// Short file 1: pieces 3 (whole in file) stays, 4 and 5 go.
	if err := os.Truncate(f1, pl+10); err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1111001111"; got.String() != want {
		t.Fatalf("short file: Verify = %s, want %s", got.String(), want)
	}

	// Missing file 1: pieces 3, 4, 5 go.
	if err := os.Remove(f1); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Verify(t.Context(), nil); got.String() != "1110001111" {
		t.Fatalf("missing file: Verify = %s", got.String())
	}

	// Corrupt byte in piece 8.
	f2 := filepath.Join(s.dir, s.lay.files[2].rel)
	fh, err := os.OpenFile(f2, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteAt([]byte{data[8*pl+5] ^ 0xff}, 8*pl+5-s.lay.files[2].offset)
	fh.Close()
	if got, _ := s.Verify(t.Context(), nil); got.String() != "1110001101" {
		t.Fatalf("corrupt piece 8: Verify = %s", got.String())
	}
	if _, err := os.Stat(f1); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Verify recreated the missing file: %v", err)
	}
}

func TestVerifyCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	data := randBytes(10, 50_000)
	s := openTest(t, testInfo("t", 16384, data, []int64{25_000, 25_000}), Options{Dir: dir})
	got, err := s.Verify(t.Context(), nil)
	if err != nil || !got.None() || got.Len() != 4 {
		t.Fatalf("Verify of nothing = %s, %v", got.String(), err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Verify created the data directory: %v", err)
	}
}

func TestVerifyCancel(t *testing.T) {
	const pl = 16384
	data := randBytes(11, 64*pl)
	s := openTest(t, testInfo("t", pl, data, nil), Options{Workers: 2})
	writeAll(t, s, data)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := s.Verify(ctx, func(done, total int) {
		if done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify after cancel = %v, want context.Canceled", err)
	}
}
