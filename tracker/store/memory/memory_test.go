package memory_test

import (
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
