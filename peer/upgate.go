package peer

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// uploadGate orders a rate-limited torrent's uploads across its
// connections. Without it every unchoked peer's writer waits on the shared
// token bucket in turn, so a peer capped at 1 MiB/s with four unchoked
// peers sends each of them a 256 KiB piece in one second, and none of the
// four can pass the piece on before that second is up. Through the gate the
// uploader serves one piece at a time, earliest deadline first: a piece
// sent to a peer (a job) gets, with its first block, the deadline "blocks
// granted so far plus the piece's blocks", and keeps it until its last
// block. So the job begun first is finished first — one recipient holds a
// whole piece after a quarter of a second and can relay it while the next
// is sent — and a job begun later waits at most for the blocks of those
// begun before it: nobody is starved. Peers that hold no piece at all come
// before the deadlines: their first piece makes them uploaders, while a
// peer's second piece adds nothing to the swarm's capacity. The gate is
// work-conserving: while the first job waits for its peer's next request,
// the next job is served, and the total rate is the token bucket's.
//
// A writer holds the gate only while it waits for tokens, not while it
// reads the block or writes to the socket. So that the job in progress is
// not cut at every block by the next in line (its writer is busy sending
// when the turn passes), a writer whose next queued block comes before
// every waiter keeps the turn reserved for up to reserveFor; if it is not
// back by then, the turn passes on.
type uploadGate struct {
	mu       sync.Mutex
	granted  uint64 // blocks granted so far
	seq      uint64 // arrival order, for ties
	busy     bool
	waiters  gateHeap
	reserved *gateOwner  // writer the busy turn is reserved for, or nil
	timer    *time.Timer // ends a reservation
}

// reserveFor bounds a reservation: far longer than reading a block and
// handing it to the socket, far shorter than a block at any capped rate
// that needs a gate.
const reserveFor = 10 * time.Millisecond

// gateOwner identifies one connection's writer at the gate.
type gateOwner struct{ _ byte } // not zero-size: distinct owners must compare unequal

// gateWriter is one connection writer's side of the gate: its owner token
// and the pieces it is sending (jobs), each with the deadline its first
// block got and the blocks sent since. Only the writer uses it.
type gateWriter struct {
	g     *uploadGate
	owner gateOwner
	jobs  map[uint32]*gateJob
}

type gateJob struct {
	deadline     uint64
	blocks, sent int
}

// maxGateJobs bounds a writer's jobs: a job whose peer finished the piece
// elsewhere never ends, and they are all forgotten at this many.
const maxGateJobs = 64

func newGateWriter(g *uploadGate) *gateWriter {
	return &gateWriter{g: g, jobs: make(map[uint32]*gateJob)}
}

// wait takes the turn for the next block of piece (blocks blocks long);
// first says the peer holds no piece. On success done must follow. When
// wake fires before the turn comes, wait gives up its place and returns
// errGateWoken, the block not counted: the writer sends the messages that
// woke it and waits again for the same block.
func (w *gateWriter) wait(ctx context.Context, wake <-chan struct{}, piece uint32, blocks int, first bool) error {
	j := w.jobs[piece]
	if j == nil {
		if len(w.jobs) >= maxGateJobs {
			clear(w.jobs)
		}
		j = &gateJob{deadline: w.g.deadline(blocks), blocks: blocks}
		w.jobs[piece] = j
	}
	if err := w.g.acquire(ctx, wake, &w.owner, gateKey{first: first, deadline: j.deadline}); err != nil {
		return err
	}
	if j.sent++; j.sent >= j.blocks {
		delete(w.jobs, piece)
	}
	return nil
}

// forget drops piece's job if none of its blocks went out (the peer gave
// up the request while we waited).
func (w *gateWriter) forget(piece uint32) {
	if j := w.jobs[piece]; j != nil && j.sent == 0 {
		delete(w.jobs, piece)
	}
}

// done ends the turn. next is the piece of the writer's next queued
// upload (ok false: none): a job in progress keeps the turn reserved when
// it comes before every waiter.
func (w *gateWriter) done(next uint32, ok, first bool) {
	var k *gateKey
	if j := w.jobs[next]; ok && j != nil {
		k = &gateKey{first: first, deadline: j.deadline}
	}
	w.g.release(&w.owner, k)
}

// gateKey is a block's place in the gate's order.
type gateKey struct {
	first    bool // the peer holds no piece yet
	deadline uint64
}

func (a gateKey) before(b gateKey) bool {
	if a.first != b.first {
		return a.first
	}
	return a.deadline < b.deadline
}

type gateWaiter struct {
	key   gateKey
	seq   uint64
	index int // in the heap; -1 once granted
	ready chan struct{}
}

// deadline is the deadline of a job of blocks blocks begun now.
func (g *uploadGate) deadline(blocks int) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.granted + uint64(max(blocks, 1))
}

// errGateWoken: a gate wait was given up for its wake channel.
var errGateWoken = errors.New("upload gate: woken before the turn")

// acquire waits until owner may take tokens for a block with key k. On
// success the caller must call release. A wait given up (ctx done, or wake
// fired; wake may be nil) leaves no trace, unless the turn came at the
// same moment: then ctx passes it on, while wake takes it.
func (g *uploadGate) acquire(ctx context.Context, wake <-chan struct{}, owner *gateOwner, k gateKey) error {
	g.mu.Lock()
	if g.reserved == owner || !g.busy {
		g.reserved = nil
		g.busy = true
		g.granted++
		g.mu.Unlock()
		return nil
	}
	w := &gateWaiter{key: k, seq: g.seq, ready: make(chan struct{})}
	g.seq++
	heap.Push(&g.waiters, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-wake:
		if g.withdraw(w) {
			return errGateWoken
		}
		return nil // granted as we were woken: take it
	case <-ctx.Done():
		if !g.withdraw(w) {
			g.release(owner, nil) // granted as we gave up: pass the turn on
		}
		return ctx.Err()
	}
}

// withdraw takes w out of the queue; false: it was granted the turn.
func (g *uploadGate) withdraw(w *gateWaiter) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.index < 0 {
		return false
	}
	heap.Remove(&g.waiters, w.index)
	return true
}

// release ends owner's turn. next is the key of owner's next queued block
// (nil when there is none): when it comes before every waiter, the turn
// stays reserved for owner; otherwise it goes to the first waiter.
func (g *uploadGate) release(owner *gateOwner, next *gateKey) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiters) == 0 {
		g.busy, g.reserved = false, nil
		return
	}
	if next != nil && next.before(g.waiters[0].key) {
		g.reserved = owner
		if g.timer == nil {
			g.timer = time.AfterFunc(reserveFor, g.expire)
		} else {
			g.timer.Reset(reserveFor)
		}
		return
	}
	g.handOff()
}

// expire ends a reservation its writer did not use in time.
func (g *uploadGate) expire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reserved == nil {
		return
	}
	g.reserved = nil
	if len(g.waiters) == 0 {
		g.busy = false
		return
	}
	g.handOff()
}

// handOff grants the busy turn to the first waiter.
func (g *uploadGate) handOff() {
	w := heap.Pop(&g.waiters).(*gateWaiter)
	g.reserved = nil
	g.granted++
	close(w.ready)
}

// gateHeap orders waiters: peers that hold no piece first, then by
// deadline, then arrival.
type gateHeap []*gateWaiter

func (h gateHeap) Len() int { return len(h) }
func (h gateHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.key != b.key {
		return a.key.before(b.key)
	}
	return a.seq < b.seq
}
func (h gateHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *gateHeap) Push(x any) {
	w := x.(*gateWaiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *gateHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.index = -1
	*h = old[:len(old)-1]
	return w
}
