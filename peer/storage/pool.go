package storage

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"sync"
	"sync/atomic"
)

// Result reports what became of a submitted piece. OK means the hash
// matched and the piece was written (not yet synced). OK false with a nil
// Err is a hash mismatch: nothing was written. A non-nil Err is a write
// failure (see IsDiskFull) or a submission of the wrong size or index.
type Result struct {
	Piece int
	OK    bool
	Err   error
}

type job struct {
	piece int
	data  []byte
}

// pool hashes and writes submitted pieces on a fixed set of workers.
type pool struct {
	s       *Storage
	n       int // workers
	max     int64
	queued  atomic.Int64
	results chan Result
	done    chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	cond     sync.Cond
	queue    []job
	stopping bool
}

func (p *pool) start(s *Storage, workers int, maxQueued int64) {
	p.s = s
	p.n = workers
	p.max = maxQueued
	p.results = make(chan Result, 2*workers+16)
	p.done = make(chan struct{})
	p.cond.L = &p.mu
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
}

// Submit queues a complete piece: a worker hashes it, writes it if the hash
// matches, then sends a Result on Results. The storage owns data from now
// on: the caller must not modify it. Submit never blocks; it returns false
// and queues nothing when the piece would take the queued bytes past
// Options.MaxQueuedBytes (a piece larger than the cap is accepted when
// nothing is queued), or after Close.
func (s *Storage) Submit(piece int, data []byte) bool {
	return s.pool.submit(job{piece: piece, data: data})
}

// Results delivers one Result per accepted Submit, in completion order. The
// channel is closed by Close. Results must be drained: workers wait for
// room, and queued bytes then stop Submit.
func (s *Storage) Results() <-chan Result { return s.pool.results }

// QueuedBytes is the number of bytes submitted and not yet written (or
// refused).
func (s *Storage) QueuedBytes() int64 { return s.pool.queued.Load() }

func (p *pool) workers() int { return p.n }

func (p *pool) submit(j job) bool {
	n := int64(len(j.data))
	for {
		cur := p.queued.Load()
		if cur > 0 && cur+n > p.max {
			return false
		}
		if p.queued.CompareAndSwap(cur, cur+n) {
			break
		}
	}
	p.mu.Lock()
	if p.stopping {
		p.mu.Unlock()
		p.queued.Add(-n)
		return false
	}
	p.queue = append(p.queue, j)
	p.cond.Signal()
	p.mu.Unlock()
	return true
}

func (p *pool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.stopping {
			p.cond.Wait()
		}
		if p.stopping {
			p.mu.Unlock()
			return
		}
		j := p.queue[0]
		p.queue[0] = job{}
		p.queue = p.queue[1:]
		p.mu.Unlock()

		r := p.s.hashAndWrite(j)
		p.queued.Add(-int64(len(j.data)))
		select {
		case p.results <- r:
		case <-p.done:
			return
		}
	}
}

// stop drops queued pieces, waits for the workers and closes Results.
func (p *pool) stop() {
	p.mu.Lock()
	p.stopping = true
	for _, j := range p.queue {
		p.queued.Add(-int64(len(j.data)))
	}
	p.queue = nil
	p.cond.Broadcast()
	p.mu.Unlock()
	close(p.done)
	p.wg.Wait()
	close(p.results)
}

// hashAndWrite checks a submitted piece against its hash and writes it.
func (s *Storage) hashAndWrite(j job) Result {
	r := Result{Piece: j.piece}
	size := s.lay.pieceSize(j.piece)
	if size == 0 {
		r.Err = fmt.Errorf("submit piece %d: out of range [0,%d)", j.piece, s.lay.numPieces)
		return r
	}
	if len(j.data) != size {
		r.Err = fmt.Errorf("submit piece %d: %d bytes, want %d", j.piece, len(j.data), size)
		return r
	}
	sum := sha1.Sum(j.data)
	if !bytes.Equal(sum[:], s.hashes[j.piece*20:j.piece*20+20]) {
		return r
	}
	if _, err := s.WriteAt(j.data, int64(j.piece)*s.lay.pieceLen); err != nil {
		r.Err = fmt.Errorf("piece %d: %w", j.piece, err)
		return r
	}
	r.OK = true
	return r
}
