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
	// The HAVE overtakes the queued uploads; the uploads keep their order.
	if len(items) != 2+maxUploadsPerTake || items[0].m.Type != pp.Unchoke || items[1].m.Type != pp.Have ||
		items[2].m.Index != 0 || items[1+maxUploadsPerTake].m.Index != maxUploadsPerTake-1 {
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
	if items = q.take(items, 1); len(items) != 0 || q.pendingUploads() != 0 {
		t.Fatalf("empty queue gave %+v, pending %d", items, q.pendingUploads())
	}
}

// TestOutQueueControlOvertakes: a writer waiting to upload is woken by a
// message other than an upload and takes only those (takeControl).
func TestOutQueueControlOvertakes(t *testing.T) {
	q := newOutQueue()
	for i := range 3 {
		q.push(outItem{m: wire.Message{Type: pp.Piece, Index: uint32(i)}, upload: true})
	}
	select {
	case <-q.control:
		t.Fatal("control signalled for uploads")
	default:
	}
	q.push(outItem{m: wire.Message{Type: pp.Request, Index: 5}})
	q.push(outItem{m: wire.Message{Type: pp.Have, Index: 6}})
	select {
	case <-q.control:
	default:
		t.Fatal("control not signalled for a request")
	}
	items := q.takeControl(nil)
	if len(items) != 2 || items[0].m.Type != pp.Request || items[1].m.Type != pp.Have {
		t.Fatalf("takeControl %+v", items)
	}
	if q.pendingUploads() != 3 {
		t.Fatalf("pending %d, want the 3 uploads kept", q.pendingUploads())
	}
	if items = q.take(items, 1); len(items) != 1 || !items[0].upload || items[0].m.Index != 0 {
		t.Fatalf("take after takeControl %+v", items)
	}
}
