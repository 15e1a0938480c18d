package storage

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

const hashChunk = 256 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, hashChunk); return &b }}

// HashPiece reads piece i from disk and reports whether its SHA-1 matches
// the torrent. Reads stream through a 256 KiB buffer. A missing or short
// file is an error (wrapping fs.ErrNotExist or io.ErrUnexpectedEOF).
func (s *Storage) HashPiece(i int) (bool, error) {
	size := s.lay.pieceSize(i)
	if size == 0 {
		return false, fmt.Errorf("hash piece %d: out of range [0,%d)", i, s.lay.numPieces)
	}
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	h := sha1.New()
	off := int64(i) * s.lay.pieceLen
	for done := 0; done < size; {
		buf := (*bp)[:min(hashChunk, size-done)]
		if _, err := s.ReadAt(buf, off+int64(done)); err != nil {
			return false, fmt.Errorf("hash piece %d: %w", i, err)
		}
		h.Write(buf)
		done += len(buf)
	}
	return bytes.Equal(h.Sum(nil), s.hashes[i*20:i*20+20]), nil
}

// Verify hashes every piece whose files exist as regular files holding the
// piece's bytes, on Options.Workers goroutines, and returns the pieces that
// match. Pieces touching a missing or short file are not had and not read.
// Verify never creates a file or directory. progress, if not nil, is
// called from the calling goroutine after each piece with the number of
// pieces done and the total. On cancellation or a read error other than a
// missing or short file, Verify stops and returns the pieces found so far
// with the error.
func (s *Storage) Verify(ctx context.Context, progress func(done, total int)) (bitfield.Bitfield, error) {
	n := s.lay.numPieces
	bf := bitfield.New(n)
	readable, err := s.readablePieces()
	if err != nil {
		return bf, fmt.Errorf("verify: %w", err)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type res struct {
		piece int
		ok    bool
		err   error
	}
	out := make(chan res, 64)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range s.pool.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				r := res{piece: i}
				if readable[i] {
					r.ok, r.err = s.HashPiece(i)
					if errors.Is(r.err, io.ErrUnexpectedEOF) || errors.Is(r.err, fs.ErrNotExist) {
						r.err = nil // changed since the stat: not had
					}
				}
				select {
				case out <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()

	var first error
	done := 0
	for r := range out {
		if r.ok {
			bf.Set(r.piece)
		}
		done++
		if progress != nil {
			progress(done, n)
		}
		if first == nil {
			if r.err != nil {
				first = r.err
			} else if parent.Err() != nil {
				first = context.Cause(parent)
			}
			if first != nil {
				cancel()
			}
		}
	}
	if first == nil && done < n {
		first = context.Cause(ctx)
	}
	if first != nil {
		return bf, fmt.Errorf("verify: %w", first)
	}
	return bf, nil
}

// readablePieces stats every file once, without creating anything, and
// marks the pieces whose bytes all lie in existing regular files.
func (s *Storage) readablePieces() ([]bool, error) {
	readable := make([]bool, s.lay.numPieces)
	root, err := s.getRoot(false)
	if errors.Is(err, fs.ErrNotExist) {
		return readable, nil
	}
	if err != nil {
		return nil, err
	}
	for i := range readable {
		readable[i] = true
	}
	pl := s.lay.pieceLen
	for i := range s.lay.files {
		fe := &s.lay.files[i]
		if fe.pad || fe.length == 0 {
			continue
		}
		avail := int64(0)
		st, err := root.Stat(fe.rel)
		switch {
		case err == nil && st.Mode().IsRegular():
			avail = min(st.Size(), fe.length)
		case err == nil, errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		default:
			return nil, fmt.Errorf("file %d %q: %w", i, fe.show, err)
		}
		if avail == fe.length {
			continue
		}
		first := (fe.offset + avail) / pl
		last := (fe.offset + fe.length - 1) / pl
		for p := first; p <= last; p++ {
			readable[p] = false
		}
	}
	return readable, nil
}
