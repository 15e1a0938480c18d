package storage

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// pieceJob is one piece's bytes, read and waiting to be hashed.
type pieceJob struct {
	idx int
	buf *[]byte
	n   int
}

// hashFiles streams files, concatenated, through workers hashers and
// returns the SHA-1 of every piece. One goroutine reads sequentially into
// at most workers+2 piece buffers; memory does not grow with the data.
func hashFiles(ctx context.Context, files []srcFile, total, pieceLen int64, workers int, progress func(done, total int64)) ([]byte, error) {
	numPieces := int((total + pieceLen - 1) / pieceLen)
	pieces := make([]byte, 20*numPieces)
	nbuf := workers + 2
	free := make(chan *[]byte, nbuf)
	jobs := make(chan pieceJob, nbuf)

	var mu sync.Mutex
	var hashed int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				sum := sha1.Sum((*j.buf)[:j.n])
				copy(pieces[20*j.idx:], sum[:])
				free <- j.buf
				if progress != nil {
					mu.Lock()
					hashed += int64(j.n)
					progress(hashed, total)
					mu.Unlock()
				}
			}
		}()
	}
	err := readPieces(ctx, files, pieceLen, nbuf, free, jobs)
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return pieces, nil
}

// readPieces reads files in order, cutting the stream into pieces sent to
// jobs. Buffers come from free, up to nbuf of them allocated.
func readPieces(ctx context.Context, files []srcFile, pieceLen int64, nbuf int, free chan *[]byte, jobs chan<- pieceJob) error {
	allocated := 0
	getBuf := func() (*[]byte, error) {
		if allocated < nbuf {
			select {
			case b := <-free:
				return b, nil
			default:
			}
			allocated++
			b := make([]byte, pieceLen)
			return &b, nil
		}
		select {
		case b := <-free:
			return b, nil
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}

	var cur pieceJob
	for _, sf := range files {
		f, err := os.Open(sf.abs)
		if err != nil {
			return err
		}
		for left := sf.length; left > 0; {
			if cur.buf == nil {
				if err := ctx.Err(); err != nil {
					f.Close()
					return context.Cause(ctx)
				}
				if cur.buf, err = getBuf(); err != nil {
					f.Close()
					return err
				}
			}
			k := int(min(left, pieceLen-int64(cur.n)))
			m, err := io.ReadFull(f, (*cur.buf)[cur.n:cur.n+k])
			if err != nil {
				f.Close()
				if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
					return fmt.Errorf("%q shrank while hashing: ends at %d, was %d bytes", sf.abs, sf.length-left+int64(m), sf.length)
				}
				return err
			}
			cur.n += k
			left -= int64(k)
			if int64(cur.n) == pieceLen {
				jobs <- cur // never blocks: at most nbuf jobs exist
				cur = pieceJob{idx: cur.idx + 1}
			}
		}
		st, err := f.Stat()
		f.Close()
		if err != nil {
			return err
		}
		if st.Size() != sf.length {
			return fmt.Errorf("%q changed size while hashing: %d bytes, was %d", sf.abs, st.Size(), sf.length)
		}
	}
	if cur.n > 0 {
		jobs <- cur
	}
	return nil
}
