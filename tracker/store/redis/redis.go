package redis

import (
	"context"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/shoal-p2p/shoal/tracker/store"
)

//go:embed announce.lua
var announceLua string

var announceScript = goredis.NewScript(announceLua)

// Config configures a Store.
type Config struct {
	// URL is a redis:// or rediss:// URL (ignored when Client is set).
	URL string
	// Client is an existing client to use; the store does not close it.
	Client goredis.UniversalClient
	// Prefix namespaces every key (default "shoal:tracker:").
	Prefix string
	// PeerTTL is how long a peer stays listed after its last announce (default 1h).
	PeerTTL time.Duration
	// Now is the clock (default time.Now). Instances sharing a server must
	// have roughly synchronised clocks.
	Now func() time.Time
}

// Store keeps swarms in Redis.
type Store struct {
	c      goredis.UniversalClient
	own    bool
	prefix string
	ttl    time.Duration
	now    func() time.Time
}

var _ store.Store = (*Store)(nil)

// New connects, checks the server answers and loads the announce script.
func New(ctx context.Context, cfg Config) (*Store, error) {
	s := &Store{c: cfg.Client, prefix: cfg.Prefix, ttl: cfg.PeerTTL, now: cfg.Now}
	if s.c == nil {
		opt, err := goredis.ParseURL(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("redis URL: %w", err)
		}
		s.c, s.own = goredis.NewClient(opt), true
	}
	if s.prefix == "" {
		s.prefix = "shoal:tracker:"
	}
	if s.ttl <= 0 {
		s.ttl = time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := announceScript.Load(ctx, s.c).Err(); err != nil {
		s.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	return s, nil
}

func (s *Store) key(h store.InfoHash, kind string) string {
	return s.prefix + "{" + h.String() + "}:" + kind
}

func (s *Store) indexKey() string { return s.prefix + "swarms" }

// Announce implements store.Store.
func (s *Store) Announce(ctx context.Context, p store.AnnounceParams) (store.View, error) {
	fam, other := "4", "6"
	if store.Family(p.Peer.Addr) == 6 {
		fam, other = "6", "4"
	}
	val := make([]byte, 1, 19)
	if p.Peer.Seeder {
		val[0] = 1
	}
	val = store.AppendCompact(val, p.Peer.Addr)
	seeder := "0"
	if p.Peer.Seeder {
		seeder = "1"
	}
	keys := []string{s.key(p.InfoHash, "s"), s.key(p.InfoHash, "l"), s.key(p.InfoHash, "a"+fam),
		s.key(p.InfoHash, "a"+other), s.key(p.InfoHash, "c"), s.indexKey()}
	res, err := announceScript.Run(ctx, s.c, keys, s.now().UnixMilli(), s.ttl.Milliseconds(), fam,
		string(p.Peer.ID[:]), string(val), seeder, p.Event.String(), p.Want, p.InfoHash.String(), other).Slice()
	if err != nil {
		return store.View{}, fmt.Errorf("redis announce: %w", err)
	}
	return decodeView(res, p.Want)
}

var errReply = errors.New("redis announce: malformed script reply")

func decodeView(res []any, want int) (store.View, error) {
	if len(res) < 3 || (len(res)-3)%2 != 0 {
		return store.View{}, errReply
	}
	var v store.View
	var ok [3]bool
	v.Seeders, ok[0] = asInt(res[0])
	v.Leechers, ok[1] = asInt(res[1])
	v.Completed, ok[2] = asInt(res[2])
	if !ok[0] || !ok[1] || !ok[2] {
		return store.View{}, errReply
	}
	for i := 3; i+1 < len(res) && len(v.Peers) < want; i += 2 {
		id, _ := res[i].(string)
		val, _ := res[i+1].(string)
		p, good := unpackPeer(id, val)
		if good {
			v.Peers = append(v.Peers, p)
		}
	}
	return v, nil
}

func asInt(x any) (int, bool) {
	n, ok := x.(int64)
	return int(n), ok
}

func unpackPeer(id, val string) (store.Peer, bool) {
	var p store.Peer
	if len(id) != len(p.ID) || (len(val) != 7 && len(val) != 19) {
		return p, false
	}
	copy(p.ID[:], id)
	p.Seeder = val[0] == 1
	ip, _ := netip.AddrFromSlice([]byte(val[1 : len(val)-2]))
	port := uint16(val[len(val)-2])<<8 | uint16(val[len(val)-1])
	p.Addr = netip.AddrPortFrom(ip, port)
	return p, true
}

// Scrape implements store.Store: one pipelined round trip.
func (s *Store) Scrape(ctx context.Context, hashes []store.InfoHash) ([]store.Counts, error) {
	if len(hashes) == 0 {
		return nil, nil
	}
	cutoff := strconv.FormatInt(s.now().Add(-s.ttl).UnixMilli(), 10)
	pipe := s.c.Pipeline()
	cmds := make([][3]goredis.Cmder, len(hashes))
	for i, h := range hashes {
		cmds[i] = [3]goredis.Cmder{
			pipe.ZCount(ctx, s.key(h, "s"), cutoff, "+inf"),
			pipe.ZCount(ctx, s.key(h, "l"), cutoff, "+inf"),
			pipe.Get(ctx, s.key(h, "c")),
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("redis scrape: %w", err)
	}
	out := make([]store.Counts, len(hashes))
	for i, c := range cmds {
		out[i].Seeders = int(c[0].(*goredis.IntCmd).Val())
		out[i].Leechers = int(c[1].(*goredis.IntCmd).Val())
		if out[i].Seeders+out[i].Leechers > 0 {
			out[i].Completed, _ = c[2].(*goredis.StringCmd).Int()
		}
	}
	return out, nil
}

// Stats implements store.Store. It walks the swarm index, so it costs one
// pipelined round trip per 1,000 swarms; call it for metrics, not per request.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	cutoff := s.now().Add(-s.ttl).UnixMilli()
	if err := s.c.ZRemRangeByScore(ctx, s.indexKey(), "-inf", "("+strconv.FormatInt(cutoff, 10)).Err(); err != nil {
		return store.Stats{}, fmt.Errorf("redis stats: %w", err)
	}
	var st store.Stats
	const batch = 1000
	for start := int64(0); ; start += batch {
		hexes, err := s.c.ZRange(ctx, s.indexKey(), start, start+batch-1).Result()
		if err != nil {
			return store.Stats{}, fmt.Errorf("redis stats: %w", err)
		}
		hs := make([]store.InfoHash, 0, len(hexes))
		for _, x := range hexes {
			var h store.InfoHash
			if b, err := hex.DecodeString(x); err == nil && len(b) == len(h) {
				hs = append(hs, store.InfoHash(b))
			}
		}
		cs, err := s.Scrape(ctx, hs)
		if err != nil {
			return store.Stats{}, err
		}
		for _, c := range cs {
			if c.Seeders+c.Leechers > 0 {
				st.Swarms++
				st.Seeders += c.Seeders
				st.Leechers += c.Leechers
			}
		}
		if len(hexes) < batch {
			return st, nil
		}
	}
}

// Close closes the client if the store opened it.
func (s *Store) Close() error {
	if s.own {
		return s.c.Close()
	}
	return nil
}
