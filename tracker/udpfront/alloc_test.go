package udpfront

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// TestAnnounceAllocs: answering an announce (numwant 50, a 100-peer swarm
// from 8 /24s, proximity on) allocates nothing once the pools are warm.
func TestAnnounceAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	s := newServer(t, &fakeClock{t: time.Unix(1e9, 0)}, nil)
	ctx := context.Background()
	for i := range 100 {
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 10, byte(i % 8), 1}), 9000)
		s.Handle(ctx, announcePkt(connect(t, s, from), 1, 1, byte(i), 1, 0, 0, uint16(10000+i)), from, nil)
	}
	from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 10, 0, 1}), 9000)
	pkt := announcePkt(connect(t, s, from), 1, 1, 0, 1, 0, 50, 10000)
	out := make([]byte, 0, 2048)
	n := testing.AllocsPerRun(200, func() { out = s.Handle(ctx, pkt, from, out[:0]) })
	if len(out) != 20+50*6 {
		t.Fatalf("answer of %d bytes, want 50 peers", len(out))
	}
	if n != 0 {
		t.Fatalf("%v allocations per announce, want 0", n)
	}
}
