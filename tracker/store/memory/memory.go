package memory

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// Config tunes a Store. The zero value is usable.
type Config struct {
	// PeerTTL is how long a peer stays listed after its last announce
	// (default 1h).
	PeerTTL time.Duration
	// Shards is the number of lock shards (default 1024, rounded up to a
	// power of two).
	Shards int
	// SweepEvery is how often the janitor removes expired peers (default
	// PeerTTL/4, at most one minute). Negative: no janitor (call Sweep).
	SweepEvery time.Duration
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time
}

// Store is the sharded in-memory store.
type Store struct {
	cfg    Config
	shards []shard
	mask   uint64
	epoch  time.Time
	key    uint64 // keys the peer-id hash (see idIndex)

	swarms, seeders, leechers atomic.Int64

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

type shard struct {
	mu     sync.Mutex
	swarms map[store.InfoHash]*swarm
	rng    *rand.Rand
	idx    []int32 // an announce's sample (positions), reused
	sink   uint64  // see peerSet.touch
	_      [8]byte // keep neighbouring shards' locks off one cache line
}

var _ store.Store = (*Store)(nil)

// New returns an empty store and starts its janitor; Close stops it.
func New(cfg Config) *Store {
	if cfg.PeerTTL <= 0 {
		cfg.PeerTTL = time.Hour
	}
	if cfg.Shards <= 0 {
		cfg.Shards = 1024
	}
	n := 1
	for n < cfg.Shards {
		n <<= 1
	}
	if cfg.SweepEvery == 0 {
		cfg.SweepEvery = min(cfg.PeerTTL/4, time.Minute)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Store{cfg: cfg, shards: make([]shard, n), mask: uint64(n - 1), epoch: cfg.Now(),
		stop: make(chan struct{}), done: make(chan struct{})}
	s.key = rand.Uint64()
	seed := rand.Uint64()
	for i := range s.shards {
		s.shards[i].swarms = make(map[store.InfoHash]*swarm)
		s.shards[i].rng = rand.New(rand.NewPCG(seed, uint64(i)))
	}
	if cfg.SweepEvery > 0 {
		go s.janitor()
	} else {
		close(s.done)
	}
	return s
}

// now is seconds since the store began, the unit peers are stamped with.
func (s *Store) now() uint32 {
	d := s.cfg.Now().Sub(s.epoch)
	if d < 0 {
		return 0
	}
	return uint32(d / time.Second)
}

func (s *Store) ttl() uint32 { return uint32((s.cfg.PeerTTL + time.Second - 1) / time.Second) }

func (s *Store) shard(h store.InfoHash) *shard {
	return &s.shards[binary.LittleEndian.Uint64(h[:8])&s.mask]
}

// Announce implements store.Store.
func (s *Store) Announce(ctx context.Context, p store.AnnounceParams) (store.View, error) {
	now, ttl := s.now(), s.ttl()
	sh := s.shard(p.InfoHash)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sw := sh.swarms[p.InfoHash]
	if sw == nil {
		if p.Event == store.EventStopped {
			return store.View{}, nil
		}
		sw = &swarm{oldest: now}
		sw.fam[0].v4 = true
		sw.fam[0].key, sw.fam[1].key = s.key, s.key
		sh.swarms[p.InfoHash] = sw
		s.swarms.Add(1)
	}
	fam := famIndex(p.Peer.Addr)
	sh.sink += sw.fam[fam].touch()
	s.expire(sw, now, ttl)
	self := -1 // the requester's position in its family's set
	if p.Event == store.EventStopped {
		if e, ok := sw.fam[fam].remove(p.Peer.ID); ok {
			s.forget(sw, e.seeder)
		}
	} else {
		self = s.upsert(sw, fam, p, now)
	}
	v := store.View{Counts: sw.counts()}
	if p.Want > 0 && p.Event != store.EventStopped {
		v.Peers, v.Compact, v.Picked = sw.fam[fam].view(p.Buf[:0], &sh.idx, sh.rng, self, &p)
	}
	if sw.empty() {
		delete(sh.swarms, p.InfoHash)
		s.swarms.Add(-1)
	}
	return v, ctx.Err()
}

// upsert records p's peer and returns its position in its family's set.
func (s *Store) upsert(sw *swarm, fam int, p store.AnnounceParams, now uint32) int {
	e := entry{id: p.Peer.ID, port: p.Peer.Addr.Port(), seeder: p.Peer.Seeder, seen: now}
	e.ip = p.Peer.Addr.Addr().As16()
	sw.oldest = min(sw.oldest, now) // a clock set back keeps the bound
	set := &sw.fam[fam]
	existed, oldSeeder, at := set.put(e)
	switch {
	case !existed:
		s.count(sw, e.seeder, 1)
	case oldSeeder != e.seeder:
		s.count(sw, oldSeeder, -1)
		s.count(sw, e.seeder, 1)
	}
	if p.Event == store.EventCompleted && !(existed && oldSeeder) {
		sw.completed++
	}
	return at
}

func (s *Store) count(sw *swarm, seeder bool, d int) {
	if seeder {
		sw.seeders += d
		s.seeders.Add(int64(d))
	} else {
		sw.leechers += d
		s.leechers.Add(int64(d))
	}
}

func (s *Store) forget(sw *swarm, seeder bool) { s.count(sw, seeder, -1) }

// expire drops sw's peers not seen within ttl seconds of now.
func (s *Store) expire(sw *swarm, now, ttl uint32) {
	if now < ttl {
		return
	}
	cutoff := now - ttl
	if sw.oldest >= cutoff {
		return // nobody can have expired: no need to look at every peer
	}
	oldest := now
	for f := range sw.fam {
		sw.fam[f].removeIf(func(seen uint32, seeder bool) bool {
			if seen < cutoff {
				s.forget(sw, seeder)
				return true
			}
			oldest = min(oldest, seen)
			return false
		})
	}
	sw.oldest = oldest
}

// Scrape implements store.Store.
func (s *Store) Scrape(ctx context.Context, hashes []store.InfoHash) ([]store.Counts, error) {
	now, ttl := s.now(), s.ttl()
	out := make([]store.Counts, len(hashes))
	for i, h := range hashes {
		sh := s.shard(h)
		sh.mu.Lock()
		if sw := sh.swarms[h]; sw != nil {
			s.expire(sw, now, ttl)
			out[i] = sw.counts()
			if sw.empty() {
				delete(sh.swarms, h)
				s.swarms.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
	return out, ctx.Err()
}

// Stats implements store.Store. It is exact as of the last sweep.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	return store.Stats{Swarms: int(s.swarms.Load()), Seeders: int(s.seeders.Load()), Leechers: int(s.leechers.Load())}, ctx.Err()
}

// Sweep removes every expired peer and every empty swarm now.
func (s *Store) Sweep() {
	now, ttl := s.now(), s.ttl()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for h, sw := range sh.swarms {
			s.expire(sw, now, ttl)
			if sw.empty() {
				delete(sh.swarms, h)
				s.swarms.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
}

func (s *Store) janitor() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// Close stops the janitor. The store keeps answering afterwards.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}
