package peer

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/wire"
)

// A leecher holding nothing whose only peer has every piece but chokes it
// gets one piece from the seed server within moments — and only one: with
// a piece to trade it waits for its peers again (the choked-only grace).
func TestFirstPieceFromSeedServer(t *testing.T) {
	const pl = 64 << 10
	lt := chokedLeecher(t, 150, pl, []bool{true, true, true, true, true, true, true, true})
	start := time.Now()
	s := waitFirstPiece(t, lt)
	t.Logf("first piece after %v: %q", time.Since(start).Round(time.Millisecond), s.FallbackReason)
	time.Sleep(2500 * time.Millisecond) // two more 1 s ticks
	s = lt.Stats()
	if s.FromSeeds != pl || s.PiecesHave != 1 || s.FromPeers != 0 {
		t.Fatalf("after the first piece: %d pieces, %d bytes from seed servers, %d from peers; want 1 piece of %d bytes from a seed server",
			s.PiecesHave, s.FromSeeds, s.FromPeers, pl)
	}
	if s.FallbackReason != "" {
		t.Fatalf("fallback still %q with a piece to trade", s.FallbackReason)
	}
}

// The first piece from a seed server is one our peers lack, so that we can
// relay it at once: in a flash crowd every peer used to get piece 0 and a
// dozen held the same single piece that nobody wanted from them.
func TestFirstPieceIsRarest(t *testing.T) {
	for i := range 4 {
		// The peer has every piece but one, a different one each time.
		has := []bool{true, true, true, true, true, true, true, true}
		lack := []int{0, 7, 3, 5}[i]
		has[lack] = false
		lt := chokedLeecher(t, 152+2*i, 64<<10, has)
		s := waitFirstPiece(t, lt)
		if !s.HavePieces[lack] {
			t.Fatalf("peer lacks piece %d, first piece from the seed server: have %v", lack, s.HavePieces)
		}
	}
}

// chokedLeecher adds a torrent of len(has) pieces of pl bytes, with a seed
// server, to a client on 127.0.0.{ip}; its one peer, on 127.0.0.{ip+1},
// holds the pieces in has and never unchokes. The peer is closed when the
// test ends.
func chokedLeecher(t *testing.T, ip, pl int, has []bool) *Torrent {
	t.Helper()
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "first.bin", len(has)*pl, int64(pl))
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", ip+1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	leech := newTestClient(t, ip, nil)
	lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, nil)), AddOptions{Peers: []string{ln.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ih := lt.InfoHash()
	wc, err := wire.Accept(ctx, nc, wire.Options{PeerID: [20]byte{'-', 'X', 'X'}}, func(h [20]byte) bool { return h == ih }, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &rawPeer{nc: nc, r: wire.NewReader(wc, 1<<20), w: wc}
	p.send(t, pp.Message{Type: pp.Bitfield, Bitfield: has})
	go func() { // keep reading so the leecher's writes never block
		var m wire.Message
		for p.r.ReadMessage(&m) == nil {
		}
	}()
	return lt
}

// waitFirstPiece waits up to 5 s for lt to hold a piece.
func waitFirstPiece(t *testing.T, lt *Torrent) Stats {
	t.Helper()
	start := time.Now()
	var s Stats
	for s = lt.Stats(); s.PiecesHave == 0; s = lt.Stats() {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no piece after 5 s; from seed servers %d bytes, fallback %q", s.FromSeeds, s.FallbackReason)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s
}
