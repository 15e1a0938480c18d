package tracker

import (
	"log/slog"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tracker/store"
)

// Defaults of Config.
const (
	DefaultInterval    = 30 * time.Minute
	DefaultMinInterval = 5 * time.Minute
	DefaultNumWant     = 50
	MaxNumWant         = 200
	DefaultMaxScrape   = 74 // what fits one UDP packet on a 1500-byte MTU (BEP 15)
)

// Config configures a Tracker. The zero value (plus a Store) is usable.
type Config struct {
	// Store holds the swarms (required).
	Store store.Store
	// Interval is the announce interval given to clients (default 30m);
	// each response adds a random 0..Jitter to it so that clients that
	// started together drift apart.
	Interval time.Duration
	// Jitter defaults to Interval/10; negative means none.
	Jitter time.Duration
	// MinInterval is the minimum announce interval (default 5m, never more
	// than Interval).
	MinInterval time.Duration
	// NumWant is the default list length (default 50); MaxNumWant (default
	// and ceiling 200) caps what a client may ask for.
	NumWant, MaxNumWant int
	// MaxScrape is the most info hashes one scrape may ask for (default 74).
	MaxScrape int
	// AllowList, when set, is private mode: other hashes are refused.
	AllowList *AllowList
	// Locator maps addresses to ASNs for ranking (nil: prefix ranking only).
	Locator proximity.Locator
	// Rank tunes proximity ranking; Rank.Off gives uniform random lists.
	// Rank.Rand is ignored (each request draws its own randomness).
	Rank proximity.RankConfig
	// RankPool is how many candidates the store samples for ranking, as a
	// multiple of the list length (default 4, at least 1; at most 800
	// candidates).
	RankPool int
	// Limiter, when set, rate-limits requests per source address.
	Limiter *Limiter
	// Metrics, when set, receives request counts and latencies.
	Metrics *Metrics
	// Logger gets request errors (default: discard).
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Jitter == 0 {
		c.Jitter = c.Interval / 10
	}
	if c.MinInterval <= 0 {
		c.MinInterval = DefaultMinInterval
	}
	c.MinInterval = min(c.MinInterval, c.Interval)
	if c.MaxNumWant <= 0 || c.MaxNumWant > MaxNumWant {
		c.MaxNumWant = MaxNumWant
	}
	if c.NumWant <= 0 {
		c.NumWant = DefaultNumWant
	}
	c.NumWant = min(c.NumWant, c.MaxNumWant)
	if c.MaxScrape <= 0 {
		c.MaxScrape = DefaultMaxScrape
	}
	if c.RankPool <= 0 {
		c.RankPool = 4
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}
