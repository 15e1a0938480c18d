package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/anacrolix/torrent/metainfo"
)

// Options configures a Storage. Zero values get the documented defaults.
type Options struct {
	// Dir is the data directory: a single-file torrent is stored at
	// Dir/Name, a multi-file one at Dir/Name/<path...>. Required. It is
	// created on the first write if missing.
	Dir string
	// MaxOpenFiles is the size of the open-file cache (LRU). Default 64.
	MaxOpenFiles int
	// Workers is the number of goroutines that hash and write submitted
	// pieces, and that hash pieces in Verify. Default runtime.NumCPU().
	Workers int
	// MaxQueuedBytes caps the bytes submitted but not yet written; Submit
	// refuses pieces past it. Default 64 MiB.
	MaxQueuedBytes int64
}

const (
	defaultMaxOpenFiles   = 64
	defaultMaxQueuedBytes = 64 << 20
)

// Storage is a torrent's data on disk. All methods are safe for concurrent
// use.
type Storage struct {
	lay    layout
	hashes []byte // 20 bytes per piece
	dir    string
	files  *fileCache
	pool   pool

	writeMu [16]sync.Mutex // by file index: one write at a time per file

	rootMu sync.Mutex
	root   *os.Root

	dirtyMu    sync.Mutex
	dirtyFiles map[int]struct{}
	dirtyDirs  map[string]struct{}

	emptyMu   sync.Mutex
	emptyDone atomic.Bool // every zero-length file exists

	closeOnce sync.Once
	closeErr  error
}

// Open validates info (see ValidateInfo) and returns its storage under
// opts.Dir. It creates no file or directory; the hash/write workers start
// here and stop in Close.
func Open(info *metainfo.Info, opts Options) (*Storage, error) {
	if err := ValidateInfo(info); err != nil {
		return nil, fmt.Errorf("open storage: %w", err)
	}
	if opts.Dir == "" {
		return nil, fmt.Errorf("open storage for %q: Options.Dir is empty", info.Name)
	}
	if opts.MaxOpenFiles <= 0 {
		opts.MaxOpenFiles = defaultMaxOpenFiles
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.MaxQueuedBytes <= 0 {
		opts.MaxQueuedBytes = defaultMaxQueuedBytes
	}
	s := &Storage{
		lay:        newLayout(info),
		hashes:     append([]byte(nil), info.Pieces...),
		dir:        opts.Dir,
		dirtyFiles: make(map[int]struct{}),
		dirtyDirs:  make(map[string]struct{}),
	}
	s.files = newFileCache(opts.MaxOpenFiles, s.openFile)
	s.pool.start(s, opts.Workers, opts.MaxQueuedBytes)
	return s, nil
}

// NumPieces is the number of pieces in the torrent.
func (s *Storage) NumPieces() int { return s.lay.numPieces }

// PieceSize is the length of piece i (the last one may be shorter), or 0
// for an index out of range.
func (s *Storage) PieceSize(i int) int { return s.lay.pieceSize(i) }

// Close stops the workers (pieces still queued are dropped without a
// Result; a piece being written finishes), closes the Results channel,
// syncs written files and closes every file. Later calls return nil.
func (s *Storage) Close() error {
	s.closeOnce.Do(func() {
		s.pool.stop()
		syncErr := s.Sync()
		closeErr := s.files.closeAll()
		s.rootMu.Lock()
		if s.root != nil {
			s.root.Close()
		}
		s.rootMu.Unlock()
		s.closeErr = errors.Join(syncErr, closeErr)
	})
	return s.closeErr
}

// getRoot opens the data directory, creating it first if create is set.
func (s *Storage) getRoot(create bool) (*os.Root, error) {
	s.rootMu.Lock()
	defer s.rootMu.Unlock()
	if s.root != nil {
		return s.root, nil
	}
	if create {
		if err := os.MkdirAll(s.dir, 0o755); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	r, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, fmt.Errorf("open data directory: %w", err)
	}
	s.root = r
	return r, nil
}

// openFile opens file idx for the file cache. For writing it creates the
// parent directories and the file, and sets the file's size to the length
// the torrent gives it.
func (s *Storage) openFile(idx int, write bool) (*os.File, error) {
	fe := &s.lay.files[idx]
	f, err := s.openFileRaw(fe, write)
	if err != nil {
		return nil, fmt.Errorf("file %d %q: %w", idx, fe.show, err)
	}
	if write {
		s.markDirty(idx)
		s.markDirtyDirs(filepath.Dir(fe.rel))
	}
	return f, nil
}

func (s *Storage) openFileRaw(fe *fileEntry, write bool) (*os.File, error) {
	root, err := s.getRoot(write)
	if err != nil {
		return nil, err
	}
	if !write {
		return root.OpenFile(fe.rel, os.O_RDONLY, 0)
	}
	if d := filepath.Dir(fe.rel); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	f, err := root.OpenFile(fe.rel, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("not a regular file (mode %v)", st.Mode())
	}
	if err == nil && st.Size() != fe.length {
		err = f.Truncate(fe.length)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// markDirty records a written file for the next Sync.
func (s *Storage) markDirty(idx int) {
	s.dirtyMu.Lock()
	s.dirtyFiles[idx] = struct{}{}
	s.dirtyMu.Unlock()
}

// markDirtyDirs records dir and its ancestors up to the data directory for
// the next Sync, so that new entries in them become durable.
func (s *Storage) markDirtyDirs(dir string) {
	s.dirtyMu.Lock()
	for {
		s.dirtyDirs[dir] = struct{}{}
		if dir == "." || dir == string(filepath.Separator) {
			break
		}
		dir = filepath.Dir(dir)
	}
	s.dirtyMu.Unlock()
}

// ensureEmptyFiles creates every zero-length file once.
func (s *Storage) ensureEmptyFiles() error {
	if s.emptyDone.Load() {
		return nil
	}
	s.emptyMu.Lock()
	defer s.emptyMu.Unlock()
	if s.emptyDone.Load() {
		return nil
	}
	for i := range s.lay.files {
		if fe := &s.lay.files[i]; fe.length == 0 && !fe.pad {
			f, err := s.openFile(i, true)
			if err != nil {
				return fmt.Errorf("create empty %w", err)
			}
			f.Close()
		}
	}
	s.emptyDone.Store(true)
	return nil
}
