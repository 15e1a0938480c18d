package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/server"
)

type trackerFlags struct {
	http, udp                          []string
	metrics, redis, redisPrefix        string
	asnDB, proximity, allowList        string
	realIPHeader, udpSecretFile        string
	logLevel, logFormat                string
	interval, minInterval, jitter, ttl time.Duration
	numWant, maxNumWant, maxScrape     int
	remoteShare                        float64
	maxPerNet, maxPerASN               int
	rate                               float64
	burst                              int
	trustIP                            bool
}

func newTrackerCmd() *cobra.Command {
	var f trackerFlags
	cmd := &cobra.Command{
		Use:   "tracker",
		Short: "Run an HTTP and UDP BitTorrent tracker with proximity-ranked peer lists",
		Long: `Run a BitTorrent tracker: HTTP announce/scrape (BEP 3, 23, 7, 48) and UDP
(BEP 15). Peer lists are ranked by network proximity to the asking peer (same
/24 or /48, then same AS with --asn-db, then longest common prefix) with a
quarter of each list drawn at random from other networks. State lives in
memory, or in Redis (--redis) so that several trackers share one swarm view.
SIGTERM or SIGINT stops it gracefully; SIGHUP reloads --allow-list.`,
		Example: `  shoal tracker --http :6969 --udp :6969 --metrics 127.0.0.1:9469
  shoal tracker --http 0.0.0.0:80 --http [::]:80 --udp :6969 --asn-db ip2asn-combined.tsv
  shoal tracker --redis redis://10.0.0.5:6379/0 --allow-list hashes.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.config()
			if err != nil {
				return err
			}
			s, err := server.New(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, a := range s.HTTPAddrs() {
				fmt.Fprintf(out, "http announce: http://%s/announce\n", a)
			}
			for _, a := range s.UDPAddrs() {
				fmt.Fprintf(out, "udp announce: udp://%s/announce\n", a)
			}
			if a := s.MetricsAddr(); a != nil {
				fmt.Fprintf(out, "metrics: http://%s/metrics\n", a)
			}
			return s.Run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&f.http, "http", []string{":6969"}, "HTTP listen address (repeatable; empty string: no HTTP)")
	fs.StringArrayVar(&f.udp, "udp", []string{":6969"}, "UDP listen address (repeatable; empty string: no UDP)")
	fs.StringVar(&f.metrics, "metrics", "", "serve Prometheus /metrics and /healthz on this address")
	fs.StringVar(&f.redis, "redis", "", "keep swarms in Redis at this redis:// URL (default: in memory)")
	fs.StringVar(&f.redisPrefix, "redis-prefix", "shoal:tracker:", "key prefix in Redis")
	fs.StringVar(&f.asnDB, "asn-db", "", "IP-to-ASN database: MaxMind-format MMDB or iptoasn-style TSV")
	fs.StringVar(&f.proximity, "proximity", "on", "rank peer lists by proximity: on, or off for uniform random lists")
	fs.Float64Var(&f.remoteShare, "remote-share", proximity.DefaultRemoteShare, "share of each list drawn at random from other ASes")
	fs.IntVar(&f.maxPerNet, "max-per-net", proximity.DefaultMaxPerNet, "most peers per /24 (/48) in one list (-1: no cap)")
	fs.IntVar(&f.maxPerASN, "max-per-asn", 0, "most peers per ASN in one list (0: no cap)")
	fs.StringVar(&f.allowList, "allow-list", "", "private mode: file of allowed info hashes, 40 hex digits per line")
	fs.DurationVar(&f.interval, "interval", tracker.DefaultInterval, "announce interval given to clients")
	fs.DurationVar(&f.minInterval, "min-interval", tracker.DefaultMinInterval, "minimum announce interval given to clients")
	fs.DurationVar(&f.jitter, "jitter", 0, "random 0..jitter added to each interval (default interval/10; negative: none)")
	fs.DurationVar(&f.ttl, "peer-ttl", 0, "forget peers silent this long (default 2×interval)")
	fs.IntVar(&f.numWant, "numwant", tracker.DefaultNumWant, "peers per list when the client does not say")
	fs.IntVar(&f.maxNumWant, "max-numwant", tracker.MaxNumWant, "most peers per list (at most 200)")
	fs.IntVar(&f.maxScrape, "max-scrape", tracker.DefaultMaxScrape, "most info hashes per scrape")
	fs.Float64Var(&f.rate, "rate", 20, "requests per second per source IP (IPv6: per /64); 0: unlimited")
	fs.IntVar(&f.burst, "burst", 60, "request burst per source IP")
	fs.StringVar(&f.realIPHeader, "real-ip-header", "", "behind a reverse proxy: header carrying the client address (e.g. X-Forwarded-For)")
	fs.BoolVar(&f.trustIP, "trust-ip-param", false, "honour the ip parameter of announces (trusted networks only)")
	fs.StringVar(&f.udpSecretFile, "udp-secret-file", "", "file whose contents key UDP connection IDs, shared by trackers behind one address")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error (logs go to stderr)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	return cmd
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (f *trackerFlags) config() (server.Config, error) {
	var cfg server.Config
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		return cfg, usagef("--log-level %q: %v", f.logLevel, err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch f.logFormat {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, opts))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, opts))
	default:
		return cfg, usagef("--log-format must be text or json, not %q", f.logFormat)
	}
	cfg.HTTPAddrs, cfg.UDPAddrs = nonEmpty(f.http), nonEmpty(f.udp)
	if len(cfg.HTTPAddrs)+len(cfg.UDPAddrs) == 0 {
		return cfg, usagef("nothing to serve: give --http or --udp an address")
	}
	switch f.proximity {
	case "on":
	case "off":
		cfg.Tracker.Rank.Off = true
	default:
		return cfg, usagef("--proximity must be on or off, not %q", f.proximity)
	}
	switch {
	case f.interval <= 0 || f.minInterval <= 0:
		return cfg, usagef("--interval and --min-interval must be positive")
	case f.numWant <= 0 || f.maxNumWant <= 0 || f.maxNumWant > tracker.MaxNumWant:
		return cfg, usagef("--numwant must be positive and --max-numwant within 1…%d", tracker.MaxNumWant)
	case f.maxScrape <= 0:
		return cfg, usagef("--max-scrape must be positive")
	case f.rate < 0 || f.burst <= 0:
		return cfg, usagef("--rate must not be negative and --burst must be positive")
	case f.remoteShare <= 0 || f.remoteShare > 1:
		return cfg, usagef("--remote-share must be in (0, 1], not %v", f.remoteShare)
	}
	if f.asnDB != "" {
		t, err := proximity.LoadFile(f.asnDB)
		if err != nil {
			return cfg, err
		}
		cfg.Tracker.Locator = t
	}
	if f.udpSecretFile != "" {
		b, err := os.ReadFile(f.udpSecretFile)
		if err != nil {
			return cfg, err
		}
		if len(strings.TrimSpace(string(b))) < 16 {
			return cfg, usagef("--udp-secret-file must hold at least 16 characters")
		}
		cfg.UDP.Secret = b
	}
	cfg.MetricsAddr, cfg.RedisURL, cfg.RedisPrefix = f.metrics, f.redis, f.redisPrefix
	cfg.AllowListPath, cfg.PeerTTL = f.allowList, f.ttl
	cfg.RatePerSecond, cfg.Burst = f.rate, f.burst
	cfg.Tracker.Interval, cfg.Tracker.MinInterval, cfg.Tracker.Jitter = f.interval, f.minInterval, f.jitter
	cfg.Tracker.NumWant, cfg.Tracker.MaxNumWant, cfg.Tracker.MaxScrape = f.numWant, f.maxNumWant, f.maxScrape
	cfg.Tracker.Rank.RemoteShare, cfg.Tracker.Rank.MaxPerNet, cfg.Tracker.Rank.MaxPerASN = f.remoteShare, f.maxPerNet, f.maxPerASN
	cfg.HTTP.RealIPHeader, cfg.HTTP.TrustIPParam, cfg.UDP.TrustIPParam = f.realIPHeader, f.trustIP, f.trustIP
	return cfg, nil
}
