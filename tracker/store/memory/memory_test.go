package memory_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/tracker/store"
	"github.com/shoal-p2p/shoal/tracker/store/memory"
	"github.com/shoal-p2p/shoal/tracker/store/storetest"
)

func newStore(t testing.TB, now func() time.Time) store.Store {
	s := memory.New(memory.Config{PeerTTL: storetest.TTL, Shards: 16, SweepEvery: -1, Now: now})
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, newStore) }

func BenchmarkStore(b *testing.B) { storetest.Bench(b, newStore) }

// TestJanitorSweeps checks that the background janitor, not only announces,
// removes silent peers.
func TestJanitorSweeps(t *testing.T) {
	clock := storetest.NewClock()
	s := memory.New(memory.Config{PeerTTL: time.Minute, SweepEvery: time.Millisecond, Now: clock.Now})
	defer s.Close()
	ctx := t.Context()
	if _, err := s.Announce(ctx, store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(1), Addr: storetest.V4(1)}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := s.Stats(ctx)
		if st == (store.Stats{}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("janitor left %+v after the TTL", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPicks: the memory store lets the picker choose (the conformance
// suite accepts stores that do not).
func TestPicks(t *testing.T) {
	s := memory.New(memory.Config{SweepEvery: -1})
	defer s.Close()
	ctx := context.Background()
	for i := range 5 {
		if _, err := s.Announce(ctx, store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(i), Addr: storetest.V4(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	pk := &firstPicker{}
	v, err := s.Announce(ctx, store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(9), Addr: storetest.V4(9)}, Want: 50, Picker: pk})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Picked || pk.n != 5 || len(v.Peers) != 1 || v.Peers[0].Addr != pk.first {
		t.Fatalf("picked=%v, %d offered, peers %v; want the one pick of 5 offered (%v)", v.Picked, pk.n, v.Peers, pk.first)
	}
}

// firstPicker picks the first candidate offered.
type firstPicker struct {
	n     int
	first netip.AddrPort
	ref   int32
}

func (p *firstPicker) Add(a netip.AddrPort, ref int32) {
	if p.n == 0 {
		p.first, p.ref = a, ref
	}
	p.n++
}

func (p *firstPicker) Pick() []int32 { return []int32{p.ref} }

// TestNoIDs: a compact announce's peers come without ids (the store does
// not read them), at the right addresses.
func TestNoIDs(t *testing.T) {
	s := memory.New(memory.Config{SweepEvery: -1})
	defer s.Close()
	ctx := context.Background()
	for i := range 3 {
		if _, err := s.Announce(ctx, store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(i), Addr: storetest.V6(i), Seeder: i == 0}}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := s.Announce(ctx, store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(9), Addr: storetest.V6(9)}, Want: 50, NoIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[netip.AddrPort]bool{}
	for _, p := range v.Peers {
		if p.ID != (store.PeerID{}) {
			t.Fatalf("peer %v came with id %q", p.Addr, p.ID)
		}
		if p.Seeder != (p.Addr == storetest.V6(0)) {
			t.Fatalf("peer %v: seeder %v", p.Addr, p.Seeder)
		}
		got[p.Addr] = true
	}
	if len(got) != 3 || !got[storetest.V6(0)] || !got[storetest.V6(1)] || !got[storetest.V6(2)] {
		t.Fatalf("got %v, want the 3 others", v.Peers)
	}
}
