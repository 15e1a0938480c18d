package storetest

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// TTL is the peer TTL every store under test must be built with.
const TTL = 10 * time.Minute

// Factory builds an empty store that reads time from now and expires peers
// after TTL. It must arrange for the store to be closed when t ends.
type Factory func(t testing.TB, now func() time.Time) store.Store

// Sweeper is implemented by stores whose Stats are exact only after a sweep.
type Sweeper interface{ Sweep() }

// Hash makes a distinct info hash from n.
func Hash(n int) store.InfoHash {
	var h store.InfoHash
	copy(h[:], fmt.Sprintf("ih-%017d", n))
	return h
}

// ID makes a distinct peer id from n.
func ID(n int) store.PeerID {
	var id store.PeerID
	copy(id[:], fmt.Sprintf("-SH0001-%012d", n))
	return id
}

// V4 is a documentation-prefix IPv4 peer address for n.
func V4(n int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, byte(n >> 8), byte(n)}), uint16(6881+n%1000))
}

// V6 is a documentation-prefix IPv6 peer address for n.
func V6(n int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(n >> 8), 15: byte(n)}), uint16(6881+n%1000))
}

type env struct {
	t     *testing.T
	s     store.Store
	clock *Clock
	ctx   context.Context
}

func (e *env) announce(h store.InfoHash, id int, addr netip.AddrPort, seeder bool, ev store.Event, want int) store.View {
	e.t.Helper()
	v, err := e.s.Announce(e.ctx, store.AnnounceParams{InfoHash: h, Peer: store.Peer{ID: ID(id), Addr: addr, Seeder: seeder}, Event: ev, Want: want})
	if err != nil {
		e.t.Fatalf("announce peer %d: %v", id, err)
	}
	return v
}

func (e *env) scrape(hs ...store.InfoHash) []store.Counts {
	e.t.Helper()
	c, err := e.s.Scrape(e.ctx, hs)
	if err != nil {
		e.t.Fatalf("scrape: %v", err)
	}
	if len(c) != len(hs) {
		e.t.Fatalf("scrape of %d hashes returned %d counts", len(hs), len(c))
	}
	return c
}

func (e *env) stats() store.Stats {
	e.t.Helper()
	if sw, ok := e.s.(Sweeper); ok {
		sw.Sweep()
	}
	st, err := e.s.Stats(e.ctx)
	if err != nil {
		e.t.Fatalf("stats: %v", err)
	}
	return st
}

func wantCounts(t *testing.T, what string, got store.Counts, seeders, leechers, completed int) {
	t.Helper()
	if got != (store.Counts{Seeders: seeders, Leechers: leechers, Completed: completed}) {
		t.Fatalf("%s: counts %+v, want seeders=%d leechers=%d completed=%d", what, got, seeders, leechers, completed)
	}
}

func peerIDs(ps []store.Peer) map[store.PeerID]store.Peer {
	m := make(map[store.PeerID]store.Peer, len(ps))
	for _, p := range ps {
		m[p.ID] = p
	}
	return m
}

// Run runs the conformance suite against the stores newStore builds.
func Run(t *testing.T, newStore Factory) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock()
			e := &env{t: t, s: newStore(t, clock.Now), clock: clock, ctx: context.Background()}
			tc.fn(e)
		})
	}
	t.Run("Concurrent", func(t *testing.T) { concurrent(t, newStore) })
}

// concurrent announces from many goroutines at once; the counts must come
// out exact and no peer may ever see itself.
func concurrent(t *testing.T, newStore Factory) {
	clock := NewClock()
	s := newStore(t, clock.Now)
	const workers, swarms, peers = 8, 5, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range swarms * peers / workers {
				n := w*(swarms*peers/workers) + i
				h, id := Hash(n%swarms), ID(n)
				v, err := s.Announce(context.Background(), store.AnnounceParams{InfoHash: h,
					Peer: store.Peer{ID: id, Addr: V4(n), Seeder: n%4 == 0}, Event: store.EventStarted, Want: 10})
				if err != nil {
					errs <- err
					return
				}
				for _, p := range v.Peers {
					if p.ID == id {
						errs <- fmt.Errorf("peer %d was handed itself", n)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	hs := make([]store.InfoHash, swarms)
	for i := range hs {
		hs[i] = Hash(i)
	}
	cs, err := s.Scrape(context.Background(), hs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		wantCounts(t, fmt.Sprintf("swarm %d", i), c, peers/4, peers-peers/4, 0)
	}
}
