package peer

import (
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/peer/picker"
)

// measuredConn is a connection whose pipeline has seen 2 s of blocks at
// about rate bytes/s with round trip rtt, ending at now.
func measuredConn(id picker.PeerID, now time.Time, rate float64, rtt time.Duration) *peerConn {
	start := now.Add(-2 * time.Second)
	pipe := picker.NewPipeline(start)
	every := time.Duration(float64(16384) / rate * float64(time.Second))
	for at := start.Add(every); !at.After(now); at = at.Add(every) {
		pipe.OnBlock(at, 16384, rtt)
	}
	return &peerConn{id: id, pipe: pipe, outstanding: make(map[picker.Block]time.Time)}
}

func TestDupWorthRacesTheQueue(t *testing.T) {
	now := time.Now()
	// Holder 1 delivers 1 MiB/s with a 40 ms round trip and has 10 of our
	// blocks queued, asked for 100 ms ago; peer 2 is idle, as fast.
	h := measuredConn(1, now, 1<<20, 40*time.Millisecond)
	d := measuredConn(2, now, 1<<20, 40*time.Millisecond)
	var blocks []picker.Block
	for i := range 10 {
		b := picker.Block{Piece: 3, Begin: i * 16384, Length: 16384}
		blocks = append(blocks, b)
		h.outstanding[b] = now.Add(-100 * time.Millisecond)
	}
	tr := &torrent{conns: map[picker.PeerID]*peerConn{1: h, 2: d}, pickAt: now}
	holders := []picker.PeerID{1}
	// The duplicate takes 40 ms + 16 ms. The first block in the queue
	// comes in 16 ms: no duplicate. The last comes in 160 ms: duplicate.
	if tr.dupWorth(blocks[0], holders, 2) {
		t.Error("duplicated the block at the head of the holder's queue")
	}
	if tr.dupWorth(blocks[2], holders, 2) {
		t.Error("duplicated the third block (48 ms away) with a 56 ms duplicate")
	}
	if !tr.dupWorth(blocks[9], holders, 2) {
		t.Error("did not duplicate the last block of a 160 ms queue")
	}
	// A request sent just now cannot arrive before its round trip.
	fresh := picker.Block{Piece: 4, Begin: 0, Length: 16384}
	h2 := measuredConn(3, now, 1<<20, 200*time.Millisecond)
	h2.outstanding[fresh] = now
	tr.conns[3] = h2
	if !tr.dupWorth(fresh, []picker.PeerID{3}, 2) {
		t.Error("did not duplicate a block 200 ms away (holder's round trip) with a 56 ms duplicate")
	}
	// A slow duplicate peer loses even against the queue's tail.
	slow := measuredConn(5, now, 64<<10, 40*time.Millisecond)
	tr.conns[5] = slow
	if tr.dupWorth(blocks[9], holders, 5) {
		t.Error("duplicated at a 64 KiB/s peer (290 ms) a block 160 ms away")
	}
	// No estimate: a holder that never delivered, a seed server or a gone
	// peer. The duplicate goes ahead.
	idle := &peerConn{id: 6, pipe: picker.NewPipeline(now), outstanding: map[picker.Block]time.Time{blocks[0]: now}}
	tr.conns[6] = idle
	if !tr.dupWorth(blocks[0], []picker.PeerID{6}, 2) {
		t.Error("no duplicate for a block at a holder with no measured rate")
	}
	if !tr.dupWorth(blocks[0], []picker.PeerID{seedServerIDBase}, 2) {
		t.Error("no duplicate for a block at a seed server")
	}
	// Every holder must lose: one fast holder is enough to hold back.
	if tr.dupWorth(blocks[0], []picker.PeerID{6, 1}, 2) {
		t.Error("duplicated a block the second holder delivers next")
	}
}
