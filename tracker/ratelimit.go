package tracker

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a per-source token bucket: each IPv4 address, or IPv6 /64,
// may make Rate requests per second with bursts of Burst. Idle buckets are
// forgotten; at most MaxSources are kept (the oldest idle go first).
type Limiter struct {
	rate   rate.Limit
	burst  int
	max    int
	shards [64]limShard
	seed   maphash.Seed
	now    func() time.Time
}

type limShard struct {
	mu sync.Mutex
	m  map[netip.Addr]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows perSecond requests per source with bursts of burst,
// tracking at most maxSources sources (default 1,000,000).
func NewLimiter(perSecond float64, burst, maxSources int) *Limiter {
	if maxSources <= 0 {
		maxSources = 1_000_000
	}
	l := &Limiter{rate: rate.Limit(perSecond), burst: max(burst, 1), max: maxSources, seed: maphash.MakeSeed(), now: time.Now}
	for i := range l.shards {
		l.shards[i].m = make(map[netip.Addr]*bucket)
	}
	return l
}

func sourceKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// Allow takes a token for ip's bucket.
func (l *Limiter) Allow(ip netip.Addr) bool {
	k := sourceKey(ip)
	b16 := k.As16()
	sh := &l.shards[maphash.Bytes(l.seed, b16[:])%uint64(len(l.shards))]
	now := l.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.m[k]
	if b == nil {
		if len(sh.m) >= l.max/len(l.shards)+1 {
			l.evict(sh, now)
		}
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		sh.m[k] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// evict drops buckets idle long enough to be full again, or failing that
// an arbitrary one.
func (l *Limiter) evict(sh *limShard, now time.Time) {
	refill := time.Duration(float64(l.burst) / float64(l.rate) * float64(time.Second))
	var any netip.Addr
	for k, b := range sh.m {
		any = k
		if now.Sub(b.seen) > refill {
			delete(sh.m, k)
		}
	}
	if len(sh.m) >= l.max/len(l.shards)+1 {
		delete(sh.m, any)
	}
}

// Sources is how many sources are being tracked.
func (l *Limiter) Sources() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].m)
		l.shards[i].mu.Unlock()
	}
	return n
}
