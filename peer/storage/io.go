package storage

import (
	"errors"
	"fmt"
	"io"
)

// ReadAt reads len(p) bytes at torrent-global offset off, across file
// boundaries, with pread. It follows io.ReaderAt: fewer bytes come with an
// error, io.EOF at the end of the torrent. A missing file gives an error
// wrapping fs.ErrNotExist, a file too short for the range one wrapping
// io.ErrUnexpectedEOF. Safe for concurrent use.
func (s *Storage) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at offset %d: negative offset", off)
	}
	if off >= s.lay.total {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	var atEnd error
	if int64(len(p)) > s.lay.total-off {
		p = p[:s.lay.total-off]
		atEnd = io.EOF
	}
	got := 0
	err := s.lay.segments(off, len(p), func(seg segment) error {
		fe := &s.lay.files[seg.file]
		buf := p[seg.lo:seg.hi]
		if fe.pad {
			clear(buf)
			got = seg.hi
			return nil
		}
		h, err := s.files.get(seg.file, false)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		m, err := h.f.ReadAt(buf, seg.fileOff)
		s.files.put(h)
		got = seg.lo + m
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("read file %d %q at %d: file ends at %d, torrent says %d bytes: %w",
				seg.file, fe.show, seg.fileOff, seg.fileOff+int64(m), fe.length, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return fmt.Errorf("read file %d %q at %d: %w", seg.file, fe.show, seg.fileOff, err)
		}
		return nil
	})
	if err != nil {
		return got, err
	}
	return got, atEnd
}

// WriteAt writes p at torrent-global offset off, across file boundaries,
// with pwrite. It creates directories and files as needed (see the package
// documentation) and refuses a range outside the torrent before writing
// anything. Bytes falling in padding files are discarded. Safe for
// concurrent use; concurrent writes to overlapping ranges are not ordered.
func (s *Storage) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off > s.lay.total || int64(len(p)) > s.lay.total-off {
		return 0, fmt.Errorf("write %d bytes at offset %d: outside the torrent's %d bytes", len(p), off, s.lay.total)
	}
	if err := s.ensureEmptyFiles(); err != nil {
		return 0, err
	}
	done := 0
	err := s.lay.segments(off, len(p), func(seg segment) error {
		fe := &s.lay.files[seg.file]
		if fe.pad {
			done = seg.hi
			return nil
		}
		h, err := s.files.get(seg.file, true)
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		// Writes to one file take turns here rather than in the kernel:
		// Linux serializes buffered writes to a file anyway (the inode
		// lock), and a writer waiting there spins on a CPU while a parked
		// goroutine leaves it to the hashing.
		mu := &s.writeMu[seg.file%len(s.writeMu)]
		mu.Lock()
		m, err := h.f.WriteAt(p[seg.lo:seg.hi], seg.fileOff)
		mu.Unlock()
		s.files.put(h)
		done = seg.lo + m
		s.markDirty(seg.file)
		if err != nil {
			return fmt.Errorf("write file %d %q at %d: %w", seg.file, fe.show, seg.fileOff, err)
		}
		return nil
	})
	return done, err
}

// ReadBlock reads len(p) bytes of piece at offset begin inside the piece;
// the block must lie inside the piece.
func (s *Storage) ReadBlock(piece, begin int, p []byte) error {
	size := s.lay.pieceSize(piece)
	if size == 0 {
		return fmt.Errorf("read block: piece %d out of range [0,%d)", piece, s.lay.numPieces)
	}
	if begin < 0 || begin > size || len(p) > size-begin {
		return fmt.Errorf("read block: piece %d begin %d length %d outside the piece's %d bytes", piece, begin, len(p), size)
	}
	_, err := s.ReadAt(p, int64(piece)*s.lay.pieceLen+int64(begin))
	if err != nil {
		return fmt.Errorf("read block: piece %d begin %d length %d: %w", piece, begin, len(p), err)
	}
	return nil
}

// Sync flushes to stable storage every file written since the last Sync,
// and the directories where files were created.
func (s *Storage) Sync() error {
	s.dirtyMu.Lock()
	files, dirs := s.dirtyFiles, s.dirtyDirs
	s.dirtyFiles, s.dirtyDirs = make(map[int]struct{}), make(map[string]struct{})
	s.dirtyMu.Unlock()

	var errs []error
	for idx := range files {
		if err := s.syncFile(idx); err != nil {
			errs = append(errs, err)
			s.markDirty(idx)
		}
	}
	for dir := range dirs {
		if err := s.syncDir(dir); err != nil {
			errs = append(errs, err)
			s.markDirtyDirs(dir)
		}
	}
	return errors.Join(errs...)
}

func (s *Storage) syncFile(idx int) error {
	h, err := s.files.get(idx, false)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	defer s.files.put(h)
	if err := h.f.Sync(); err != nil {
		return fmt.Errorf("sync file %d %q: %w", idx, s.lay.files[idx].show, err)
	}
	return nil
}

func (s *Storage) syncDir(dir string) error {
	root, err := s.getRoot(false)
	if err != nil {
		return fmt.Errorf("sync directory %q: %w", dir, err)
	}
	d, err := root.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %q: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %q: %w", dir, err)
	}
	return nil
}
