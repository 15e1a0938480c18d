package tracker

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// Tracker applies policy between frontends and a store. It is safe for
// concurrent use.
type Tracker struct {
	cfg Config
}

// New returns a Tracker for cfg.
func New(cfg Config) (*Tracker, error) {
	if cfg.Store == nil {
		return nil, errors.New("tracker: Config.Store is nil")
	}
	cfg.setDefaults()
	return &Tracker{cfg: cfg}, nil
}

// Config returns the effective configuration (defaults filled in).
func (t *Tracker) Config() Config { return t.cfg }

// MaxScrape is the most hashes one scrape may carry.
func (t *Tracker) MaxScrape() int { return t.cfg.MaxScrape }

// Allow reports whether a request from ip may proceed under the rate limit,
// counting refusals in the metrics.
func (t *Tracker) Allow(proto string, ip netip.Addr) bool {
	if t.cfg.Limiter == nil || t.cfg.Limiter.Allow(ip) {
		return true
	}
	t.cfg.Metrics.rateLimited(proto)
	return false
}

// Announce records the announce and returns the peer list for the client.
// Errors are *Error values meant for the client, or ErrInternal.
func (t *Tracker) Announce(ctx context.Context, req AnnounceRequest) (resp AnnounceResponse, err error) {
	start := req.Received
	if start.IsZero() {
		start = time.Now()
	}
	defer func() { t.cfg.Metrics.observe(req.Proto, "announce", err, time.Since(start)) }()
	if !req.Addr.Addr().IsValid() || req.Addr.Addr().IsUnspecified() {
		return resp, ErrMalformed
	}
	if req.Addr.Port() == 0 {
		return resp, ErrPort
	}
	if !t.cfg.AllowList.Allowed(req.InfoHash) {
		return resp, ErrNotAuthorized
	}
	self := netip.AddrPortFrom(req.Addr.Addr().Unmap(), req.Addr.Port())
	n := t.numWant(req.NumWant)
	if req.Event == store.EventStopped {
		n = 0
	}
	pk := pickers.Get().(*picker)
	defer pickers.Put(pk)
	pk.reset(t.cfg.Locator, self, n, t.cfg.Rank)
	p := store.AnnounceParams{
		InfoHash: req.InfoHash,
		Peer:     store.Peer{ID: req.PeerID, Addr: self, Seeder: req.Left == 0},
		Event:    req.Event,
		Want:     t.poolSize(n),
		NoIDs:    req.NoPeerIDs,
		Buf:      pk.view,
	}
	if n > 0 {
		p.Picker = pk
		if req.NoPeerIDs {
			p.Compact = req.CompactBuf
		}
	}
	view, err := t.cfg.Store.Announce(ctx, p)
	if err != nil {
		t.cfg.Logger.Error("store announce failed", "proto", req.Proto, "info_hash", req.InfoHash, "err", err)
		return resp, ErrInternal
	}
	if cap(view.Peers) > cap(pk.view) {
		pk.view = view.Peers[:0]
	}
	resp.Interval = t.interval()
	resp.MinInterval = t.cfg.MinInterval
	resp.Counts = view.Counts
	if view.Compact != nil {
		resp.Compact = view.Compact
		return resp, nil
	}
	resp.Peers = pk.choose(view, req.PeerBuf)
	return resp, nil
}

// Scrape returns the counts for each hash, in order.
func (t *Tracker) Scrape(ctx context.Context, proto string, hashes []InfoHash) (out []Counts, err error) {
	start := time.Now()
	defer func() { t.cfg.Metrics.observe(proto, "scrape", err, time.Since(start)) }()
	switch {
	case len(hashes) == 0:
		return nil, ErrFullScrape
	case len(hashes) > t.cfg.MaxScrape:
		return nil, ErrTooManyHashes
	}
	for _, h := range hashes {
		if !t.cfg.AllowList.Allowed(h) {
			return nil, ErrNotAuthorized
		}
	}
	out, err = t.cfg.Store.Scrape(ctx, hashes)
	if err != nil {
		t.cfg.Logger.Error("store scrape failed", "proto", proto, "err", err)
		return nil, ErrInternal
	}
	return out, nil
}

// Connect counts a UDP connect (the only request the core does not see
// otherwise) in the metrics.
func (t *Tracker) Connect(d time.Duration) { t.cfg.Metrics.observe(ProtoUDP, "connect", nil, d) }

// Rejected counts a request a frontend refused before it reached the core.
func (t *Tracker) Rejected(proto, action string, err error, d time.Duration) {
	t.cfg.Metrics.observe(proto, action, err, d)
}

func (t *Tracker) numWant(asked int) int {
	if asked < 0 {
		return t.cfg.NumWant
	}
	return min(asked, t.cfg.MaxNumWant)
}

func (t *Tracker) poolSize(n int) int {
	if n == 0 {
		return 0
	}
	// Even a uniform list needs spare candidates: the per-/24 caps apply.
	return max(n, min(n*t.cfg.RankPool, 800))
}

func (t *Tracker) interval() time.Duration {
	if t.cfg.Jitter <= 0 {
		return t.cfg.Interval
	}
	return t.cfg.Interval + rand.N(t.cfg.Jitter)
}

// UpdateStats refreshes the swarm and peer gauges from the store.
func (t *Tracker) UpdateStats(ctx context.Context) error {
	st, err := t.cfg.Store.Stats(ctx)
	if err != nil {
		return err
	}
	t.cfg.Metrics.setStats(st)
	return nil
}

// Metrics returns the metrics the tracker records into (possibly nil).
func (t *Tracker) Metrics() *Metrics { return t.cfg.Metrics }

// Logger returns the tracker's logger.
func (t *Tracker) Logger() *slog.Logger { return t.cfg.Logger }
