package dht

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// Config configures a [Node]. Only Conn is required; every zero field takes
// the default named in its comment.
type Config struct {
	// Conn is the IPv4 UDP socket the node serves on. The node owns it and
	// closes it on Close. Tests inject wrapped sockets here (latency models).
	Conn net.PacketConn
	// Conn6 is an optional IPv6 socket; when set a second server runs on it
	// (BEP 32) and lookups walk both families.
	Conn6 net.PacketConn

	// Bootstrap lists host:port addresses of bootstrap nodes (seed servers,
	// trackers, `shoal dht` nodes). They are resolved at each bootstrap
	// attempt. Empty means none: there is no public default.
	Bootstrap []string
	// StateFile, when set, is loaded at start (node IDs and routing
	// contacts for a warm restart) and saved periodically and on Close.
	StateFile string
	// SaveInterval is how often the state file is rewritten (default 5m).
	SaveInterval time.Duration

	// Locator maps addresses to ASNs for proximity; nil ranks by common
	// prefix length and RTT only.
	Locator proximity.Locator
	// SelfIP is our address as others see it, the origin for proximity. By
	// default the IPv4 socket's local address, if it is not unspecified;
	// otherwise learnt from the "ip" field of replies (BEP 42).
	SelfIP netip.Addr
	// Rank configures the diversity quota used to rank returned peers.
	Rank proximity.RankConfig
	// PlainXOR turns proximity off in lookups: queries go strictly in XOR
	// order (peers are still ranked). For comparisons and benchmarks.
	PlainXOR bool

	// NodeID fixes the IPv4 node ID; zero means from the state file, or random.
	NodeID [20]byte

	// Alpha is the number of lookup queries in flight (default 3).
	Alpha int
	// Window is how many of the next XOR-closest unqueried candidates the
	// proximity choice looks at (default 4); until the lookup has found
	// peers it also looks at any candidate that makes about the same
	// progress towards the target.
	Window int
	// K is the Kademlia replication parameter: lookups converge on the K
	// closest responders and announce to them (default 8).
	K int
	// QueryTimeout bounds one lookup query (default 2s).
	QueryTimeout time.Duration
	// SlowAfter frees a lookup slot held by a query that has not answered
	// after this long; the query may still answer (default QueryTimeout/3).
	// Proximity lookups free it sooner when the contact's latency is known:
	// after its expected round-trip time plus four deviations (at least
	// 10 ms more, at least 15 ms), or 15 ms when its last query went
	// unanswered.
	SlowAfter time.Duration
	// MaxQueries bounds the queries of one lookup per family (default 128).
	MaxQueries int
	// ResendDelay is the library's resend/timeout delay for its own
	// queries (bootstrap, table refresh, pings) (default 2s).
	ResendDelay time.Duration

	// SendRate and SendBurst configure each server's send limiter in
	// packets per second (defaults 200 and 50). Replies over the limit are
	// dropped; our own queries wait.
	SendRate  float64
	SendBurst int

	// MinGoodNodes: below this many good contacts the node bootstraps
	// again (default 8).
	MinGoodNodes int
	// StartJitter delays the first bootstrap by a random time in
	// [0, StartJitter), so a network restarting at once does not stampede
	// its bootstrap nodes (default 2s; negative means none).
	StartJitter time.Duration
	// BackoffMin and BackoffMax bound the jittered exponential backoff
	// between failed bootstrap attempts (defaults 2s and 2m).
	BackoffMin, BackoffMax time.Duration
	// CheckInterval is how often a healthy node re-checks its good-contact
	// count (default 30s, jittered).
	CheckInterval time.Duration

	// PeerTTL is how long an announced peer is kept (default 30m).
	PeerTTL time.Duration
	// MaxPeersPerHash caps stored peers per info hash (default 200);
	// MaxInfoHashes caps stored info hashes (default 20000); MaxPeersReply
	// caps peers in one get_peers reply (default 50).
	MaxPeersPerHash, MaxInfoHashes, MaxPeersReply int

	// MaxPacket drops larger inbound datagrams before decoding (default 4096).
	MaxPacket int

	// Logger receives warnings (bad state file, bootstrap failures); nil
	// discards. The library's own logging is kept at errors only.
	Logger *slog.Logger
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() (Config, error) {
	if c.Conn == nil {
		return c, errors.New("dht: Config.Conn is required")
	}
	def := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	defInt := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.SaveInterval, 5*time.Minute)
	defInt(&c.Alpha, 3)
	defInt(&c.Window, 4)
	defInt(&c.K, 8)
	def(&c.QueryTimeout, 2*time.Second)
	def(&c.SlowAfter, c.QueryTimeout/3)
	defInt(&c.MaxQueries, 128)
	def(&c.ResendDelay, 2*time.Second)
	if c.SendRate <= 0 {
		c.SendRate = 200
	}
	defInt(&c.SendBurst, 50)
	defInt(&c.MinGoodNodes, 8)
	def(&c.StartJitter, 2*time.Second)
	def(&c.BackoffMin, 2*time.Second)
	def(&c.BackoffMax, 2*time.Minute)
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = c.BackoffMin
	}
	def(&c.CheckInterval, 30*time.Second)
	def(&c.PeerTTL, 30*time.Minute)
	defInt(&c.MaxPeersPerHash, 200)
	defInt(&c.MaxInfoHashes, 20000)
	defInt(&c.MaxPeersReply, 50)
	defInt(&c.MaxPacket, 4096)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if !c.SelfIP.IsValid() {
		if ap, ok := addrPortOf(c.Conn.LocalAddr()); ok && !ap.Addr().IsUnspecified() {
			c.SelfIP = ap.Addr()
		}
	}
	return c, nil
}
