package storage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/anacrolix/torrent/metainfo"
)

const (
	// MaxPieceLength is the largest piece length accepted (64 MiB).
	MaxPieceLength = 64 << 20
	// MaxTotalLength is the largest torrent accepted (2^50 bytes, 1 PiB).
	MaxTotalLength = 1 << 50
)

// ValidateInfo checks that an info dictionary describes a v1 (or hybrid)
// torrent this package can store safely: a piece length in (0,
// MaxPieceLength], a "pieces" string holding exactly ceil(total/piece
// length) SHA-1 hashes, a total length in (0, MaxTotalLength], non-negative
// file lengths, and a name and file paths that stay inside the data
// directory (no absolute paths, no empty, "." or ".." components, no '/',
// '\\' or NUL inside a component) and do not collide with each other.
// Every check runs before anything sized by the input is allocated.
// v2-only torrents are refused.
func ValidateInfo(info *metainfo.Info) error {
	if info == nil {
		return errors.New("info dictionary missing")
	}
	switch info.MetaVersion {
	case 0, 1:
	case 2:
		if len(info.Pieces) == 0 {
			return errors.New("v2-only torrent (meta version 2 without a v1 \"pieces\" field) is not supported; only v1 and hybrid torrents are")
		}
	default:
		return fmt.Errorf("info.meta version %d is not supported", info.MetaVersion)
	}
	if info.PieceLength <= 0 {
		return fmt.Errorf("info.piece length %d: must be positive", info.PieceLength)
	}
	if info.PieceLength > MaxPieceLength {
		return fmt.Errorf("info.piece length %d: larger than the %d-byte limit", info.PieceLength, MaxPieceLength)
	}
	if len(info.Pieces)%20 != 0 {
		return fmt.Errorf("info.pieces length %d is not a multiple of 20", len(info.Pieces))
	}
	if err := checkComponent(info.Name); err != nil {
		return fmt.Errorf("info.name %q: %w", info.Name, err)
	}
	total, err := checkFiles(info)
	if err != nil {
		return err
	}
	want := (total + info.PieceLength - 1) / info.PieceLength
	if got := int64(len(info.Pieces) / 20); got != want {
		return fmt.Errorf("info.pieces holds %d hashes, want %d for %d bytes in pieces of %d", got, want, total, info.PieceLength)
	}
	return nil
}

// checkFiles validates the file list (or the single-file length) and
// returns the total length.
func checkFiles(info *metainfo.Info) (int64, error) {
	if len(info.Files) == 0 {
		if info.Length <= 0 {
			return 0, fmt.Errorf("info.length %d: total length must be positive", info.Length)
		}
		if info.Length > MaxTotalLength {
			return 0, fmt.Errorf("info.length %d: larger than the %d-byte limit", info.Length, int64(MaxTotalLength))
		}
		return info.Length, nil
	}
	if info.Length != 0 {
		return 0, fmt.Errorf("info has both length (%d) and files (%d entries)", info.Length, len(info.Files))
	}
	var total int64
	seen := make(map[string]int, len(info.Files)) // path → file index; directories → -1
	for i := range info.Files {
		fi := &info.Files[i]
		if fi.Length < 0 {
			return 0, fmt.Errorf("file %d length %d: negative", i, fi.Length)
		}
		total += fi.Length // both ≤ MaxTotalLength here: no overflow
		if total > MaxTotalLength {
			return 0, fmt.Errorf("file %d length %d: total length exceeds the %d-byte limit", i, fi.Length, int64(MaxTotalLength))
		}
		if err := checkPath(fi.Path); err != nil {
			return 0, fmt.Errorf("file %d path %q: %w", i, strings.Join(fi.Path, "/"), err)
		}
		if isPad(fi) {
			continue // never materialised: BEP 47 pad files may share a path
		}
		if err := checkCollision(seen, i, fi.Path); err != nil {
			return 0, err
		}
	}
	if total == 0 {
		return 0, errors.New("info.files: total length is 0")
	}
	return total, nil
}

// checkCollision records path and refuses a file that repeats an earlier
// path, sits below an earlier file or is a directory of an earlier file.
func checkCollision(seen map[string]int, i int, path []string) error {
	full := strings.Join(path, "/")
	for k := 1; k < len(path); k++ {
		dir := strings.Join(path[:k], "/")
		if j, ok := seen[dir]; ok && j >= 0 {
			return fmt.Errorf("file %d path %q: %q is also a file (file %d)", i, full, dir, j)
		}
		seen[dir] = -1
	}
	if j, ok := seen[full]; ok {
		if j < 0 {
			return fmt.Errorf("file %d path %q: also a directory of an earlier file", i, full)
		}
		return fmt.Errorf("file %d path %q: same path as file %d", i, full, j)
	}
	seen[full] = i
	return nil
}

// checkPath validates one file's path components.
func checkPath(path []string) error {
	if len(path) == 0 {
		return errors.New("empty path")
	}
	if strings.HasPrefix(path[0], "/") || strings.HasPrefix(path[0], `\`) {
		return errors.New("absolute path refused")
	}
	for _, c := range path {
		if err := checkComponent(c); err != nil {
			return err
		}
	}
	return nil
}

// checkComponent validates one file-name component.
func checkComponent(c string) error {
	switch {
	case c == "":
		return errors.New("empty component refused")
	case c == "." || c == "..":
		return fmt.Errorf("%q component refused", c)
	case strings.ContainsRune(c, 0):
		return fmt.Errorf("component %q: NUL byte refused", c)
	case strings.ContainsAny(c, `/\`):
		return fmt.Errorf("component %q: path separator refused (absolute or nested path)", c)
	}
	return nil
}

// isPad reports whether a file is a BEP 47 padding file.
func isPad(fi *metainfo.FileInfo) bool {
	return strings.ContainsRune(fi.Attr, 'p')
}
