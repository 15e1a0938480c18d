package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/tracker/redistest"
	"github.com/shoal-p2p/shoal/tracker/store"
	"github.com/shoal-p2p/shoal/tracker/store/redis"
	"github.com/shoal-p2p/shoal/tracker/store/storetest"
)

var prefixes atomic.Int64

// factory returns stores on one redis-server, each in its own key prefix.
func factory(srv *redistest.Server) storetest.Factory {
	return func(t testing.TB, now func() time.Time) store.Store {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := redis.New(ctx, redis.Config{URL: srv.URL(0), Prefix: fmt.Sprintf("t%d:", prefixes.Add(1)),
			PeerTTL: storetest.TTL, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestConformance(t *testing.T) { storetest.Run(t, factory(redistest.Start(t))) }

func BenchmarkStore(b *testing.B) { storetest.Bench(b, factory(redistest.Start(b))) }

// TestSharedView: two stores (as two tracker instances would hold) on one
// server see one swarm.
func TestSharedView(t *testing.T) {
	srv := redistest.Start(t)
	ctx := t.Context()
	open := func() *redis.Store {
		s, err := redis.New(ctx, redis.Config{URL: srv.URL(0), Prefix: "shared:"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	h := storetest.Hash(1)
	if _, err := a.Announce(ctx, store.AnnounceParams{InfoHash: h, Peer: store.Peer{ID: storetest.ID(1), Addr: storetest.V4(1), Seeder: true}}); err != nil {
		t.Fatal(err)
	}
	v, err := b.Announce(ctx, store.AnnounceParams{InfoHash: h, Peer: store.Peer{ID: storetest.ID(2), Addr: storetest.V4(2)}, Want: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Peers) != 1 || v.Peers[0].ID != storetest.ID(1) || v.Peers[0].Addr != storetest.V4(1) || !v.Peers[0].Seeder {
		t.Fatalf("store b got %+v, want the seeder announced to store a", v.Peers)
	}
	if v.Seeders != 1 || v.Leechers != 1 {
		t.Fatalf("counts %+v", v.Counts)
	}
}

func TestBadURL(t *testing.T) {
	if _, err := redis.New(t.Context(), redis.Config{URL: "http://nope"}); err == nil {
		t.Fatal("New accepted a non-redis URL")
	}
}
