package server

import (
	"log/slog"
	"time"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/httpfront"
	"github.com/shoal-p2p/shoal/tracker/udpfront"
)

// Config describes a tracker deployment.
type Config struct {
	// HTTPAddrs and UDPAddrs are listen addresses (host:port; ":6969"
	// listens on every IPv4 and IPv6 address). At least one is required.
	HTTPAddrs, UDPAddrs []string
	// MetricsAddr serves /metrics (Prometheus) and /healthz; empty: none.
	MetricsAddr string
	// RedisURL selects the Redis store; empty: the in-memory store.
	RedisURL    string
	RedisPrefix string
	// PeerTTL is how long a silent peer stays listed (default 2×Interval).
	PeerTTL time.Duration
	// AllowListPath enables private mode (reloaded on SIGHUP).
	AllowListPath string
	// RatePerSecond and Burst limit requests per source IP (IPv6: /64);
	// RatePerSecond 0 disables the limit.
	RatePerSecond float64
	Burst         int
	// StatsEvery is how often the swarm/peer gauges refresh (default 10s).
	StatsEvery time.Duration
	// ShutdownGrace bounds the graceful stop (default 10s).
	ShutdownGrace time.Duration
	// Tracker is the core's policy. Its Store, AllowList, Limiter, Metrics
	// and Logger are filled in by New.
	Tracker tracker.Config
	HTTP    httpfront.Options
	UDP     udpfront.Options
	Logger  *slog.Logger
}
