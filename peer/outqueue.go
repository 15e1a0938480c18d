package peer

import (
	"sync"

	"github.com/shoal-p2p/shoal/peer/wire"
)

// outItem is one thing a connection's writer sends: a message, or an upload
// (a block the peer requested, read from storage by the writer itself so the
// event loop never touches the disk).
type outItem struct {
	m      wire.Message
	upload bool
}

// outQueue is the event loop's non-blocking hand-off to a connection's
// writer goroutine. push never blocks; the writer drains everything queued
// at once so that messages coalesce into few syscalls.
//
// Messages other than uploads overtake queued uploads: a rate-limited
// writer may hold a second's worth of the peer's requests, and our own
// requests, HAVEs, cancels and claims must not wait behind them (BitTorrent
// orders nothing between a PIECE we send and our other messages; a choke
// drops the queued uploads first, see torrent.choke).
type outQueue struct {
	mu      sync.Mutex
	items   []outItem
	uploads int
	closed  bool
	ready   chan struct{} // something was queued
	control chan struct{} // a message other than an upload was queued
}

func newOutQueue() *outQueue {
	return &outQueue{ready: make(chan struct{}, 1), control: make(chan struct{}, 1)}
}

func (q *outQueue) push(it outItem) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, it)
		if it.upload {
			q.uploads++
		}
	}
	q.mu.Unlock()
	signal(q.ready)
	if !it.upload {
		signal(q.control)
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// maxUploadsPerTake bounds the uploads the writer takes at once: queued
// uploads stay droppable (a choke rejects them) and cancellable (an endgame
// duplicate that lost) until the writer is about to send them, so a choked
// peer stops taking upload bandwidth within a few blocks instead of after
// its whole queue. A rate-limited writer takes one at a time, for it may
// wait for the limiter with every block it holds.
const maxUploadsPerTake = 4

// take moves queued items into buf (reset first) and returns it: every
// queued message other than an upload, in order, then the first
// maxUploads uploads, in order.
func (q *outQueue) take(buf []outItem, maxUploads int) []outItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	buf = buf[:0]
	for _, it := range q.items {
		if !it.upload {
			buf = append(buf, it)
		}
	}
	kept, ups := q.items[:0], 0
	for _, it := range q.items {
		switch {
		case !it.upload:
		case ups < maxUploads:
			buf = append(buf, it)
			ups++
		default:
			kept = append(kept, it)
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
	q.uploads -= ups
	if len(q.items) > 0 {
		signal(q.ready)
	}
	return buf
}

// takeControl is take without uploads: what a writer waiting to upload
// sends meanwhile.
func (q *outQueue) takeControl(buf []outItem) []outItem { return q.take(buf, 0) }

// pendingUploads is the number of requested blocks not yet taken by the writer.
func (q *outQueue) pendingUploads() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.uploads
}

// nextUpload is the piece of the first queued upload.
func (q *outQueue) nextUpload() (piece uint32, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range q.items {
		if it.upload {
			return it.m.Index, true
		}
	}
	return 0, false
}

// removeUpload drops a queued upload the peer cancelled; it reports whether
// one was still queued.
func (q *outQueue) removeUpload(index, begin, length uint32) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, it := range q.items {
		if it.upload && it.m.Index == index && it.m.Begin == begin && it.m.Length == length {
			q.items = append(q.items[:i], q.items[i+1:]...)
			q.uploads--
			return true
		}
	}
	return false
}

// dropUploads removes queued uploads for which keep is false and returns
// them (BEP 6: on choke, pending requests are rejected except allowed-fast).
func (q *outQueue) dropUploads(keep func(piece uint32) bool) (dropped []wire.Message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.items[:0]
	for _, it := range q.items {
		if it.upload && !keep(it.m.Index) {
			dropped = append(dropped, it.m)
			q.uploads--
			continue
		}
		kept = append(kept, it)
	}
	clear(q.items[len(kept):])
	q.items = kept
	return dropped
}

func (q *outQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.items = nil
	q.uploads = 0
	q.mu.Unlock()
	signal(q.ready)
	signal(q.control)
}

func (q *outQueue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}
