package storage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/shoal-p2p/shoal/peer/bitfield"
)

var testHash = [20]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}

// resumeSetup writes some pieces of a 3-file torrent and checkpoints them.
func resumeSetup(t *testing.T) (s *Storage, path string, have bitfield.Bitfield) {
	t.Helper()
	const pl = 16384
	data := randBytes(12, 10*pl+77)
	s = openTest(t, testInfo("t", pl, data, []int64{40_000, 0, int64(len(data)) - 40_000}), Options{})
	have = bitfield.New(s.NumPieces())
	for _, i := range []int{1, 2, 7, 10} {
		lo, hi := i*pl, min((i+1)*pl, len(data))
		if _, err := s.WriteAt(data[lo:hi], int64(lo)); err != nil {
			t.Fatal(err)
		}
		have.Set(i)
	}
	path = filepath.Join(t.TempDir(), "t.resume")
	if err := s.Checkpoint(path, testHash, &have); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	return s, path, have
}

func TestCheckpointRoundTrip(t *testing.T) {
	s, path, have := resumeSetup(t)
	if len(s.dirtyFiles) != 0 {
		t.Fatalf("Checkpoint left %d files unsynced", len(s.dirtyFiles))
	}
	r, err := LoadResume(path, testHash, s.NumPieces())
	if err != nil {
		t.Fatalf("LoadResume: %v", err)
	}
	if r.InfoHash != testHash || r.NumPieces != s.NumPieces() || !bytes.Equal(r.Pieces, have.Bytes()) {
		t.Fatalf("LoadResume = %+v, want pieces %x", r, have.Bytes())
	}
	bf, err := r.Bitfield()
	if err != nil || bf.String() != have.String() {
		t.Fatalf("Bitfield = %s, %v; want %s", bf.String(), err, have.String())
	}
	if len(r.Files) != 3 || r.Files[1].Size != 0 || r.Files[0].Size != 40_000 {
		t.Fatalf("file stamps = %+v", r.Files)
	}
	if !s.ResumeValid(r) {
		t.Fatal("ResumeValid = false right after Checkpoint")
	}
	// The data agrees with the resume file.
	got, err := s.Verify(t.Context(), nil)
	if err != nil || got.String() != have.String() {
		t.Fatalf("Verify = %s, %v; want %s", got.String(), err, have.String())
	}
	// A second checkpoint replaces the first.
	have.Set(0)
	if err := s.Checkpoint(path, testHash, &have); err != nil {
		t.Fatal(err)
	}
	if r, err := LoadResume(path, testHash, s.NumPieces()); err != nil || !bytes.Equal(r.Pieces, have.Bytes()) {
		t.Fatalf("after second Checkpoint: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("%d entries next to the resume file, want 1 (no temp files left)", len(entries))
	}
}

func TestResumeValidAfterChange(t *testing.T) {
	for _, change := range []string{"mtime", "size", "removed", "nil", "wrong count"} {
		t.Run(change, func(t *testing.T) {
			s, path, _ := resumeSetup(t)
			r, err := LoadResume(path, testHash, s.NumPieces())
			if err != nil {
				t.Fatal(err)
			}
			f0 := filepath.Join(s.dir, s.lay.files[0].rel)
			switch change {
			case "mtime":
				// Same size, content rewritten: only the mtime tells.
				if err := os.Chtimes(f0, time.Time{}, time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			case "size":
				if err := os.Truncate(f0, 100); err != nil {
					t.Fatal(err)
				}
			case "removed":
				if err := os.Remove(f0); err != nil {
					t.Fatal(err)
				}
			case "nil":
				r = nil
			case "wrong count":
				r.Files = r.Files[:2]
			}
			if s.ResumeValid(r) {
				t.Fatalf("ResumeValid = true after %s", change)
			}
		})
	}
}

func TestLoadResumeRefusesBadFiles(t *testing.T) {
	s, path, have := resumeSetup(t)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := s.NumPieces()
	encode := func(w resumeWire) []byte { return bencode.MustMarshal(w) }
	base := resumeWire{Version: 1, InfoHash: string(testHash[:]), NumPieces: int64(n), Pieces: string(have.Bytes())}
	other := [20]byte{9}
	tests := []struct {
		name string
		data []byte
		hash [20]byte
		n    int
		want string
	}{
		{"truncated", good[:len(good)-7], testHash, n, "not a valid resume file"},
		{"garbage", []byte("this is not bencode at all"), testHash, n, "not a valid resume file"},
		{"empty", nil, testHash, n, "empty file"},
		{"trailing bytes", append(bytes.Clone(good), 'x'), testHash, n, "not a valid resume file"},
		{"other infohash", good, other, n, "belongs to another torrent"},
		{"other piece count", good, testHash, n + 1, "piece count 11, torrent has 12"},
		{"bitfield length", encode(resumeWire{Version: 1, InfoHash: base.InfoHash, NumPieces: int64(n), Pieces: "\xff"}), testHash, n, "pieces: bitfield: 1 bytes for 11 pieces"},
		{"spare bits", encode(resumeWire{Version: 1, InfoHash: base.InfoHash, NumPieces: int64(n), Pieces: "\x00\x01"}), testHash, n, "spare bits set"},
		{"short info hash", encode(resumeWire{Version: 1, InfoHash: "abc", NumPieces: int64(n), Pieces: base.Pieces}), testHash, n, "info hash is 3 bytes"},
		{"version", encode(resumeWire{Version: 7, InfoHash: base.InfoHash, NumPieces: int64(n), Pieces: base.Pieces}), testHash, n, "version 7, want 1"},
		{"bad file size", encode(resumeWire{Version: 1, InfoHash: base.InfoHash, NumPieces: int64(n), Pieces: base.Pieces, Files: []stampWire{{Size: -5}}}), testHash, n, "file 0 size -5"},
		{"wrong type", []byte("d7:versioni1e9:info hash3:abce"), testHash, n, "info hash is 3 bytes"},
		{"list not dict", []byte("li1ei2ee"), testHash, n, "not a valid resume file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "r")
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadResume(p, tt.hash, tt.n)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("LoadResume = %v, want error naming %q and containing %q", err, p, tt.want)
			}
		})
	}
	if _, err := LoadResume(filepath.Join(t.TempDir(), "absent"), testHash, n); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadResume(absent) = %v, want os.ErrNotExist", err)
	}
}

func TestCheckpointFailureKeepsOldFile(t *testing.T) {
	s, path, have := resumeSetup(t)
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	beforeRename = func(tmp string) error { return errors.New("injected failure") }
	t.Cleanup(func() { beforeRename = nil })
	have.Set(5)
	if err := s.Checkpoint(path, testHash, &have); err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("Checkpoint = %v, want the injected failure", err)
	}
	now, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(now, old) {
		t.Fatalf("old resume file changed or lost: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("%d entries next to the resume file after a failure, want 1", len(entries))
	}

	// Into a directory that does not exist: clear error, nothing written.
	if err := s.Checkpoint(filepath.Join(t.TempDir(), "no", "r"), testHash, &have); err == nil {
		t.Fatal("Checkpoint into a missing directory succeeded")
	}
	// Wrong bitfield size.
	small := bitfield.New(3)
	if err := s.Checkpoint(path, testHash, &small); err == nil || !strings.Contains(err.Error(), "bitfield of 3 pieces, torrent has 11") {
		t.Fatalf("Checkpoint(small bitfield) = %v", err)
	}
}
