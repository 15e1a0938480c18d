package peer

import (
	"testing"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/wire"
)

func TestOutQueueTakesFewUploads(t *testing.T) {
	q := newOutQueue()
	q.push(outItem{m: wire.Message{Type: pp.Unchoke}})
	for i := range 10 {
		q.push(outItem{m: wire.Message{Type: pp.Piece, Index: uint32(i)}, upload: true})
	}
	q.push(outItem{m: wire.Message{Type: pp.Have, Index: 7}})
	<-q.ready
	items := q.take(nil, maxUploadsPerTake)
	if len(items) != 1+maxUploadsPerTake || items[0].m.Type != pp.Unchoke || items[maxUploadsPerTake].m.Index != maxUploadsPerTake-1 {
		t.Fatalf("first take %+v", items)
	}
	if q.pendingUploads() != 10-maxUploadsPerTake {
		t.Fatalf("pending %d", q.pendingUploads())
	}
	select {
	case <-q.ready: // more is queued: the writer is woken again
	default:
		t.Fatal("ready not signalled with items left")
	}
	// What the writer has not taken can still be dropped (a choke).
	dropped := q.dropUploads(func(uint32) bool { return false })
	if len(dropped) != 10-maxUploadsPerTake || dropped[0].Index != maxUploadsPerTake {
		t.Fatalf("dropped %v", dropped)
	}
	items = q.take(items, 1)
	if len(items) != 1 || items[0].m.Type != pp.Have {
		t.Fatalf("second take %+v", items)
	}
	if items = q.take(items, 1); len(items) != 0 || q.pendingUploads() != 0 {
		t.Fatalf("empty queue gave %+v, pending %d", items, q.pendingUploads())
	}
}
