package storetest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// BenchSwarms × BenchPeers is the population the benchmarks announce into.
const (
	BenchSwarms = 10_000
	BenchPeers  = 100
)

// Bench runs the shared store benchmarks: parallel announces from
// BenchSwarms × BenchPeers simulated peers (every op one announce with
// want 50), and scrapes of 10 hashes.
func Bench(b *testing.B, newStore Factory) {
	b.Run("Announce", func(b *testing.B) {
		s := newStore(b, NewClock().Now)
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				n := int(next.Add(1)) % (BenchSwarms * BenchPeers)
				_, err := s.Announce(ctx, store.AnnounceParams{InfoHash: Hash(n % BenchSwarms),
					Peer: store.Peer{ID: ID(n), Addr: V4(n), Seeder: n%3 == 0}, Want: 50})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("Scrape10", func(b *testing.B) {
		s := newStore(b, NewClock().Now)
		ctx := context.Background()
		for n := range 1000 {
			if _, err := s.Announce(ctx, store.AnnounceParams{InfoHash: Hash(n % 100),
				Peer: store.Peer{ID: ID(n), Addr: V4(n)}}); err != nil {
				b.Fatal(err)
			}
		}
		hs := make([]store.InfoHash, 10)
		for i := range hs {
			hs[i] = Hash(i * 7)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Scrape(ctx, hs); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
