package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
)

// CreateOptions configures Create.
type CreateOptions struct {
	// PieceLength is a power of two in [16 KiB, MaxPieceLength]; 0 picks
	// one with AutoPieceLength.
	PieceLength int64
	// Trackers go to "announce" (the first) and "announce-list" (all, one
	// per tier).
	Trackers []string
	// WebSeeds go to "url-list" (BEP 19).
	WebSeeds []string
	// Private sets the BEP 27 private flag.
	Private   bool
	Comment   string
	CreatedBy string
	// Progress, if not nil, is called with the bytes hashed so far and the
	// total, after each piece; calls are serialized and the last one has
	// done == total.
	Progress func(done, total int64)
	// Workers is the number of hashing goroutines; default
	// runtime.NumCPU().
	Workers int
}

const (
	minAutoPieceLength = 16 << 10
	maxAutoPieceLength = 16 << 20
	autoPieceTarget    = 1500
)

// AutoPieceLength is the piece length Create picks for total bytes: the
// power of two in [16 KiB, 16 MiB] that gives the piece count nearest to
// 1500 (on a log scale).
func AutoPieceLength(total int64) int64 {
	pl := int64(minAutoPieceLength)
	for pl < maxAutoPieceLength && float64(total)/float64(2*pl) >= autoPieceTarget/math.Sqrt2 {
		pl *= 2
	}
	return pl
}

// Create builds a v1 torrent of root, a regular file or a directory. A
// directory's files are listed recursively in sorted path order; nothing is
// skipped silently: an unreadable directory or file, a symlink to a
// directory, a device, socket or pipe, or a name the torrent format cannot
// carry safely is an error naming the path. Empty directories are not
// represented (torrents list files only). Pieces are hashed on
// opts.Workers goroutines from one sequential streaming reader, using
// about Workers+2 piece buffers whatever the data size.
func Create(ctx context.Context, root string, opts CreateOptions) (*metainfo.MetaInfo, error) {
	mi, err := create(ctx, root, opts)
	if err != nil {
		return nil, fmt.Errorf("create torrent of %q: %w", root, err)
	}
	return mi, nil
}

func create(ctx context.Context, root string, opts CreateOptions) (*metainfo.MetaInfo, error) {
	for i, u := range opts.Trackers {
		if strings.TrimSpace(u) == "" {
			return nil, fmt.Errorf("tracker %d: empty URL", i)
		}
	}
	for i, u := range opts.WebSeeds {
		if strings.TrimSpace(u) == "" {
			return nil, fmt.Errorf("web seed %d: empty URL", i)
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	info := metainfo.Info{Name: filepath.Base(abs)}
	if err := checkComponent(info.Name); err != nil {
		return nil, fmt.Errorf("name %q: %w", info.Name, err)
	}
	files, total, err := listFiles(abs)
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return nil, errors.New("no data to share: every file is empty")
	}
	if total > MaxTotalLength {
		return nil, fmt.Errorf("%d bytes: larger than the %d-byte limit", total, int64(MaxTotalLength))
	}
	info.PieceLength = opts.PieceLength
	if info.PieceLength == 0 {
		info.PieceLength = AutoPieceLength(total)
	}
	if pl := info.PieceLength; pl < minAutoPieceLength || pl > MaxPieceLength || pl&(pl-1) != 0 {
		return nil, fmt.Errorf("piece length %d: want a power of two from %d to %d", pl, minAutoPieceLength, MaxPieceLength)
	}
	if len(files) == 1 && files[0].path == nil {
		info.Length = files[0].length
	} else {
		for _, f := range files {
			info.Files = append(info.Files, metainfo.FileInfo{Length: f.length, Path: f.path})
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	info.Pieces, err = hashFiles(ctx, files, total, info.PieceLength, workers, opts.Progress)
	if err != nil {
		return nil, err
	}
	if opts.Private {
		info.Private = new(bool)
		*info.Private = true
	}
	if err := ValidateInfo(&info); err != nil {
		return nil, err
	}
	infoBytes, err := bencode.Marshal(&info)
	if err != nil {
		return nil, fmt.Errorf("encode info: %w", err)
	}
	mi := &metainfo.MetaInfo{
		InfoBytes:    infoBytes,
		CreationDate: time.Now().Unix(),
		Comment:      opts.Comment,
		CreatedBy:    opts.CreatedBy,
		UrlList:      slices.Clone(opts.WebSeeds),
	}
	if len(opts.Trackers) > 0 {
		mi.Announce = opts.Trackers[0]
		for _, u := range opts.Trackers {
			mi.AnnounceList = append(mi.AnnounceList, []string{u})
		}
	}
	return mi, nil
}

// srcFile is one file to put in a torrent.
type srcFile struct {
	abs    string
	path   []string // components below the root; nil when the root is the file
	length int64
}

// listFiles lists root (a file or directory) in torrent order.
func listFiles(root string) ([]srcFile, int64, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, 0, err
	}
	if st.Mode().IsRegular() {
		return []srcFile{{abs: root, length: st.Size()}}, st.Size(), nil
	}
	if !st.IsDir() {
		return nil, 0, fmt.Errorf("not a regular file or directory (mode %v)", st.Mode())
	}
	var files []srcFile
	var total int64
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		path := strings.Split(rel, string(filepath.Separator))
		if err := checkPath(path); err != nil {
			return fmt.Errorf("%q: %w", p, err)
		}
		st, err := os.Stat(p) // follows symlinks: the size of what gets read
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			what := "not a regular file"
			if d.Type()&fs.ModeSymlink != 0 && st.IsDir() {
				what = "symlink to a directory (not followed)"
			}
			return fmt.Errorf("%q: %s (mode %v)", p, what, st.Mode())
		}
		files = append(files, srcFile{abs: p, path: path, length: st.Size()})
		total += st.Size()
		if total > MaxTotalLength {
			return fmt.Errorf("more than %d bytes", int64(MaxTotalLength))
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, errors.New("directory holds no files")
	}
	slices.SortFunc(files, func(a, b srcFile) int { return slices.Compare(a.path, b.path) })
	return files, total, nil
}
