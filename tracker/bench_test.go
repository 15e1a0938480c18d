package tracker_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store/storetest"
)

// BenchmarkAnnounce50 is one announce with numwant 50 into a 100-peer swarm
// whose peers come from 8 /24s, with proximity on and off.
func BenchmarkAnnounce50(b *testing.B) {
	for _, off := range []bool{false, true} {
		b.Run(fmt.Sprintf("proximityOff=%v", off), func(b *testing.B) {
			tr := newTrackerB(b, off)
			ctx := context.Background()
			for k := range 100 {
				if _, err := tr.Announce(ctx, tracker.AnnounceRequest{InfoHash: storetest.Hash(1), PeerID: storetest.ID(k),
					Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(k % 8), 0, 1}), uint16(10000+k)), Left: 1, NumWant: 0}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var buf []tracker.Peer // reused, as the frontends do
			for i := 0; b.Loop(); i++ {
				k := i % 100
				r, err := tr.Announce(ctx, tracker.AnnounceRequest{InfoHash: storetest.Hash(1), PeerID: storetest.ID(k),
					Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(k % 8), 0, 1}), uint16(10000+k)), Left: 1, NumWant: 50, PeerBuf: buf})
				buf = r.Peers
				if err != nil || len(r.Peers) != 50 {
					b.Fatalf("%v, %d peers", err, len(r.Peers))
				}
			}
		})
	}
}
