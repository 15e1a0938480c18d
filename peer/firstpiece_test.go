package peer

import (
	"context"
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
	seedDir := t.TempDir()
	const pl = 64 << 10
	mi := makeTorrent(t, seedDir, "first.bin", 8*pl, pl)
	// Its one peer has every piece and never unchokes.
	ln, err := net.Listen("tcp", "127.0.0.151:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	leech := newTestClient(t, 150, nil)
	lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, nil)), AddOptions{Peers: []string{ln.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ih := lt.InfoHash()
	wc, err := wire.Accept(ctx, nc, wire.Options{PeerID: [20]byte{'-', 'X', 'X'}}, func(h [20]byte) bool { return h == ih }, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &rawPeer{nc: nc, r: wire.NewReader(wc, 1<<20), w: wc}
	p.send(t, pp.Message{Type: pp.Bitfield, Bitfield: []bool{true, true, true, true, true, true, true, true}})
	go func() { // keep reading so the leecher's writes never block
		var m wire.Message
		for p.r.ReadMessage(&m) == nil {
		}
	}()
	start := time.Now()
	var s Stats
	for s = lt.Stats(); s.PiecesHave == 0; s = lt.Stats() {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no piece after 5 s; from seed servers %d bytes, fallback %q", s.FromSeeds, s.FallbackReason)
		}
		time.Sleep(10 * time.Millisecond)
	}
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
