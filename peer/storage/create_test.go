//go:build unix

package storage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/anacrolix/torrent/metainfo"
)

// makeTree writes a directory of files with deterministic contents and
// returns its path and total size.
func makeTree(t *testing.T) (string, int64) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "share")
	files := map[string]int{
		"a.bin":            70_000,
		"empty":            0,
		"sub/b.bin":        16384,
		"sub/deeper/c.bin": 123_457,
		"sub-x/d.bin":      1,
		".hidden":          999,
	}
	var total int64
	seed := uint64(20)
	for p, n := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		seed++
		if err := os.WriteFile(full, randBytes(seed, n), 0o644); err != nil {
			t.Fatal(err)
		}
		total += int64(n)
	}
	if err := os.Mkdir(filepath.Join(root, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, total
}

func TestCreateVerifiesOwnData(t *testing.T) {
	root, total := makeTree(t)
	var last, calls int64
	opts := CreateOptions{
		Trackers:  []string{"http://127.0.0.1:1/announce", "udp://127.0.0.1:2"},
		WebSeeds:  []string{"http://127.0.0.1:3/"},
		Private:   true,
		Comment:   "test",
		CreatedBy: "shoal test",
		Workers:   3,
		Progress: func(done, tot int64) {
			if done < last || tot != total {
				t.Errorf("progress %d/%d after %d, total %d", done, tot, last, total)
			}
			last = done
			calls++
		},
	}
	mi, err := Create(t.Context(), root, opts)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if last != total || calls == 0 {
		t.Fatalf("progress ended at %d after %d calls, want %d", last, calls, total)
	}

	// Round trip through the encoded form.
	var buf bytes.Buffer
	if err := mi.Write(&buf); err != nil {
		t.Fatal(err)
	}
	mi2, err := metainfo.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	info, err := mi2.UnmarshalInfo()
	if err != nil {
		t.Fatal(err)
	}
	if mi2.Announce != opts.Trackers[0] || len(mi2.AnnounceList) != 2 || mi2.AnnounceList[1][0] != opts.Trackers[1] {
		t.Fatalf("trackers: announce %q, list %v", mi2.Announce, mi2.AnnounceList)
	}
	if len(mi2.UrlList) != 1 || mi2.UrlList[0] != opts.WebSeeds[0] {
		t.Fatalf("url-list %v", mi2.UrlList)
	}
	if mi2.CreationDate == 0 || mi2.Comment != "test" || mi2.CreatedBy != "shoal test" {
		t.Fatalf("creation date %d, comment %q, created by %q", mi2.CreationDate, mi2.Comment, mi2.CreatedBy)
	}
	if info.Private == nil || !*info.Private {
		t.Fatal("private flag not set")
	}
	if info.Name != "share" || info.PieceLength != 16384 {
		t.Fatalf("name %q piece length %d", info.Name, info.PieceLength)
	}
	var paths []string
	for _, f := range info.Files {
		paths = append(paths, strings.Join(f.Path, "/"))
	}
	want := ".hidden a.bin empty sub/b.bin sub/deeper/c.bin sub-x/d.bin"
	if got := strings.Join(paths, " "); got != want {
		t.Fatalf("files %q, want %q", got, want)
	}

	// The data verifies against its own torrent.
	s := openTest(t, &info, Options{Dir: filepath.Dir(root), Workers: 2})
	bf, err := s.Verify(t.Context(), nil)
	if err != nil || !bf.All() {
		t.Fatalf("Verify = %s, %v", bf.String(), err)
	}

	// Stable info hash: same data, other run, other worker count.
	opts.Workers = 1
	opts.Progress = nil
	again, err := Create(t.Context(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.HashInfoBytes() != mi.HashInfoBytes() {
		t.Fatalf("info hash changed between runs: %v vs %v", again.HashInfoBytes(), mi.HashInfoBytes())
	}
}

func TestCreateSingleFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "one.iso")
	data := randBytes(30, 100_000)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mi, err := Create(context.Background(), p, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "one.iso" || info.Length != 100_000 || len(info.Files) != 0 || info.Private != nil {
		t.Fatalf("info name %q length %d files %d private %v", info.Name, info.Length, len(info.Files), info.Private)
	}
	if mi.Announce != "" || mi.AnnounceList != nil {
		t.Fatal("trackers set without any given")
	}
	if !bytes.Equal(info.Pieces, hashPieces(data, int(info.PieceLength))) {
		t.Fatal("piece hashes differ from a direct computation")
	}
}

func TestAutoPieceLength(t *testing.T) {
	tests := []struct {
		total int64
		want  int64
	}{
		{1 << 10, 16 << 10},
		{10 << 20, 16 << 10}, // 640 pieces: the 16 KiB floor
		{1 << 30, 512 << 10}, // 2048 pieces
		{1 << 40, 16 << 20},  // 65536 pieces: the 16 MiB ceiling
	}
	for _, tt := range tests {
		if got := AutoPieceLength(tt.total); got != tt.want {
			t.Errorf("AutoPieceLength(%d) = %d, want %d", tt.total, got, tt.want)
		}
	}
	for total := int64(1); total < 1<<45; total = total*3 + 7 {
		pl := AutoPieceLength(total)
		if pl < 16<<10 || pl > 16<<20 || pl&(pl-1) != 0 {
			t.Fatalf("AutoPieceLength(%d) = %d: not a power of two in range", total, pl)
		}
		if n := (total + pl - 1) / pl; pl > 16<<10 && pl < 16<<20 && (n < 1000 || n > 2200) {
			t.Fatalf("AutoPieceLength(%d) = %d gives %d pieces, want about 1500", total, pl, n)
		}
	}
}

func TestCreateErrors(t *testing.T) {
	mk := func(t *testing.T, setup func(root string)) string {
		root := filepath.Join(t.TempDir(), "r")
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Fatal(err)
		}
		setup(root)
		return root
	}
	write := func(p string, n int) {
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			panic(err)
		}
	}
	tests := []struct {
		name  string
		setup func(root string)
		opts  CreateOptions
		want  string
	}{
		{"empty dir", func(string) {}, CreateOptions{}, "directory holds no files"},
		{"only empty files", func(r string) { write(filepath.Join(r, "a"), 0) }, CreateOptions{}, "every file is empty"},
		{"bad piece length", func(r string) { write(filepath.Join(r, "a"), 10) }, CreateOptions{PieceLength: 1000}, "piece length 1000: want a power of two"},
		{"huge piece length", func(r string) { write(filepath.Join(r, "a"), 10) }, CreateOptions{PieceLength: 1 << 30}, "piece length 1073741824"},
		{"empty tracker", func(r string) { write(filepath.Join(r, "a"), 10) }, CreateOptions{Trackers: []string{"http://x", " "}}, "tracker 1: empty URL"},
		{"dangling symlink", func(r string) {
			write(filepath.Join(r, "a"), 10)
			os.Symlink("/nonexistent/target", filepath.Join(r, "link"))
		}, CreateOptions{}, "no such file"},
		{"symlink to dir", func(r string) {
			write(filepath.Join(r, "a"), 10)
			os.Symlink(r, filepath.Join(r, "loop"))
		}, CreateOptions{}, "symlink to a directory"},
		{"fifo", func(r string) {
			write(filepath.Join(r, "a"), 10)
			syscall.Mkfifo(filepath.Join(r, "pipe"), 0o644)
		}, CreateOptions{}, "not a regular file"},
		{"backslash name", func(r string) { write(filepath.Join(r, `a\b`), 10) }, CreateOptions{}, "path separator refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := mk(t, tt.setup)
			_, err := Create(t.Context(), root, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), root) {
				t.Fatalf("Create = %v, want error naming %q containing %q", err, root, tt.want)
			}
		})
	}
	if _, err := Create(t.Context(), filepath.Join(t.TempDir(), "absent"), CreateOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Create(absent) = %v", err)
	}
	if os.Geteuid() != 0 {
		root := mk(t, func(r string) { write(filepath.Join(r, "secret"), 10); os.Chmod(filepath.Join(r, "secret"), 0) })
		if _, err := Create(t.Context(), root, CreateOptions{}); !errors.Is(err, os.ErrPermission) {
			t.Fatalf("Create with an unreadable file = %v, want permission error", err)
		}
	}
}

func TestCreateCancel(t *testing.T) {
	root, _ := makeTree(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Create(ctx, root, CreateOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with a canceled context = %v", err)
	}
}

// TestCreateStreams checks that hashing a 32 MiB file allocates a few
// piece buffers, not the file.
func TestCreateStreams(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	chunk := randBytes(40, 1<<20)
	for range 32 {
		f.Write(chunk)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := Create(t.Context(), p, CreateOptions{PieceLength: 64 << 10, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("Create allocated %d bytes for a 32 MiB file", alloc)
	}
}
