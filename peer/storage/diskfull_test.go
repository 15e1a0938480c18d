//go:build linux

package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

func TestIsDiskFull(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{syscall.ENOSPC, true},
		{syscall.EDQUOT, true},
		{&fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, true},
		{fmt.Errorf("piece 3: %w", fmt.Errorf("write file 1: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT})), true},
		{errors.Join(errors.New("a"), syscall.ENOSPC), true},
		{syscall.EIO, false},
		{errors.New("no space left on device"), false}, // text is not enough
		{fs.ErrNotExist, false},
	}
	for _, tt := range tests {
		if got := IsDiskFull(tt.err); got != tt.want {
			t.Errorf("IsDiskFull(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestIsDiskFullDevFull checks a real ENOSPC from the kernel.
func TestIsDiskFullDevFull(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer f.Close()
	_, err = f.Write(make([]byte, 10))
	if !IsDiskFull(err) {
		t.Fatalf("write to /dev/full: %v, IsDiskFull = false", err)
	}
}

// tinyTmpfs mounts a 64 KiB tmpfs for the test, or skips.
func tinyTmpfs(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("disk-full test needs root to mount a 64 KiB tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s)", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func TestDiskFullSubmit(t *testing.T) {
	dir := tinyTmpfs(t)
	const pl = 16384
	data := randBytes(13, 16*pl) // 256 KiB into 64 KiB
	s := openTest(t, testInfo("t", pl, data, []int64{100_000, int64(len(data)) - 100_000}), Options{Dir: dir, Workers: 2})
	var full error
	for i := range s.NumPieces() {
		if !s.Submit(i, bytes.Clone(data[i*pl:(i+1)*pl])) {
			t.Fatalf("Submit(%d) refused", i)
		}
		r := recv(t, s)
		if r.Err != nil {
			full = r.Err
			break
		}
		if !r.OK {
			t.Fatalf("piece %d: hash mismatch", i)
		}
	}
	if full == nil {
		t.Fatal("256 KiB fitted on a 64 KiB tmpfs")
	}
	if !IsDiskFull(full) {
		t.Fatalf("write error %v: IsDiskFull = false", full)
	}
	t.Logf("disk full reported as: %v", full)
	// Storage still works for reads and Sync.
	if ok, err := s.HashPiece(0); !ok || err != nil {
		t.Fatalf("HashPiece(0) after disk full = %v, %v", ok, err)
	}
	if err := s.Sync(); err != nil && !IsDiskFull(err) {
		t.Fatalf("Sync after disk full: %v", err)
	}
}

func TestDiskFullCheckpointKeepsOldFile(t *testing.T) {
	dir := tinyTmpfs(t)
	data := randBytes(14, 100_000)
	s := openTest(t, testInfo("t", 16384, data, nil), Options{})
	have := bitfield.New(s.NumPieces())
	path := filepath.Join(dir, "t.resume")
	if err := s.Checkpoint(path, testHash, &have); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	// Fill the file system.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := filler.Write(make([]byte, 4096)); err != nil {
			if !IsDiskFull(err) {
				t.Fatalf("filling: %v", err)
			}
			break
		}
	}
	filler.Close()
	have.Set(1)
	err = s.Checkpoint(path, testHash, &have)
	if err == nil {
		// The tiny resume file may fit in a partly used page; then there
		// is nothing to check.
		t.Skip("resume file still fitted on the full tmpfs")
	}
	if !IsDiskFull(err) {
		t.Fatalf("Checkpoint on a full disk = %v, IsDiskFull = false", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, old) {
		t.Fatal("failed Checkpoint changed the old resume file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("%d entries after a failed Checkpoint, want 2 (resume + filler)", len(entries))
	}
}
