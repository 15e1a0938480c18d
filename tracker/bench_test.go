package tracker_test

import (
	"context"
	"fmt"
	"math/rand/v2"
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

// BenchmarkAnnounceLoad is the load generator's population in one process:
// 10,000 swarms × 100 peers (10⁶ peers, so that every swarm is a cache
// miss), peer k of a swarm at 127.10.(k%8).1:10000+k, every third peer a
// seeder, and compact announces (as over UDP) with numwant 50 from random
// peers.
func BenchmarkAnnounceLoad(b *testing.B) {
	const swarms, perSwarm = 10_000, 100
	for _, off := range []bool{false, true} {
		b.Run(fmt.Sprintf("proximityOff=%v", off), func(b *testing.B) {
			tr := newTrackerB(b, off)
			ctx := context.Background()
			req := func(n, want int) tracker.AnnounceRequest {
				k := n / swarms
				left := int64(1)
				if n%3 == 0 {
					left = 0
				}
				return tracker.AnnounceRequest{InfoHash: storetest.Hash(n % swarms), PeerID: storetest.ID(n),
					Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 10, byte(k % 8), 1}), uint16(10000+k)), Left: left, NumWant: want}
			}
			for n := range swarms * perSwarm {
				if _, err := tr.Announce(ctx, req(n, 0)); err != nil {
					b.Fatal(err)
				}
			}
			r := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			b.ResetTimer()
			var buf []tracker.Peer // reused, as the frontends do
			for b.Loop() {
				q := req(r.IntN(swarms*perSwarm), 50)
				q.PeerBuf, q.NoPeerIDs = buf, true
				resp, err := tr.Announce(ctx, q)
				buf = resp.Peers
				if err != nil || len(resp.Peers) < 30 {
					b.Fatalf("%v, %d peers", err, len(resp.Peers))
				}
			}
		})
	}
}
