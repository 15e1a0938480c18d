package peer

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/shoal-p2p/shoal/peer/choker"
	"github.com/shoal-p2p/shoal/peer/wire"
	"github.com/shoal-p2p/shoal/proximity"
)

// Config is a Client's configuration. The zero value plus a DataDir is a
// working client listening on an ephemeral port on every interface.
type Config struct {
	// DataDir is where torrent data is written (single-file torrents at
	// DataDir/Name, multi-file at DataDir/Name/...) and where resume state
	// lives (DataDir/.shoal/).
	DataDir string
	// ListenAddr is the peer port's address, "IP:PORT". An IP other than
	// the unspecified address is also used as the source of outgoing
	// connections. Default ":0".
	ListenAddr string
	// NoListen disables the listening socket (outgoing connections only).
	NoListen bool
	// Encryption is the message stream encryption policy.
	Encryption wire.Encryption
	// PeerIDPrefix is prepended to a random peer ID. Default "-SH0001-".
	PeerIDPrefix string

	// UploadRate and DownloadRate cap the whole client, in bytes per second;
	// 0 means unlimited. DownloadRate covers peers and seed servers alike.
	UploadRate, DownloadRate int64

	// MaxConnsPerTorrent caps peer connections per torrent (default 50).
	MaxConnsPerTorrent int
	// MaxHalfOpen caps concurrent outgoing connection attempts per torrent
	// (default 8).
	MaxHalfOpen int

	// Choker parameters (defaults: 3 regular slots, 1 optimistic, 10 s rounds).
	RegularSlots    int
	OptimisticSlots int
	SeedPolicy      choker.SeedPolicy

	// DisableTrackers stops all announces (peers come from --peer, PEX and
	// incoming connections only).
	DisableTrackers bool
	// DisablePEX turns off BEP 11 peer exchange.
	DisablePEX bool

	// MaxQueuedDiskBytes is the back-pressure cap on bytes received but not
	// yet hashed and written (default 64 MiB).
	MaxQueuedDiskBytes int64
	// HashWorkers is the size of the hashing pool (default: number of CPUs).
	HashWorkers int

	// ResumeInterval is how often resume state is checkpointed (default 30 s).
	ResumeInterval time.Duration

	// AnnounceIP, when valid, is sent to trackers as our address.
	AnnounceIP netip.Addr

	// Locator maps addresses to autonomous systems for proximity-ordered
	// connections (proximity.LoadFile, proximity.LoopbackTable); nil ranks
	// by common IP prefix alone.
	Locator proximity.Locator
	// SeedServers says when BEP 19 web seeds (seed servers) are used:
	// fallback (default), off, or always.
	SeedServers SeedServerMode
	// SeedServerMinRate (bytes/s): when the swarm delivers less than this for
	// SeedServerGrace, seed servers fill in. 0 disables the floor.
	SeedServerMinRate int64
	// SeedServerGrace is how long pieces must be unservable by peers (or the
	// rate under the floor) before seed servers are asked (default 3 s).
	SeedServerGrace time.Duration

	// NoDHT turns the mainline DHT (BEP 5) off. With it on, the node has no
	// contacts but DHTBootstrap and those it learns from peers: there are
	// no public defaults.
	NoDHT bool
	// DHTBootstrap lists host:port bootstrap nodes (other shoal nodes, seed
	// servers, `shoal dht`).
	DHTBootstrap []string
	// DHTPort is the node's UDP port (default: the peer port's number).
	DHTPort int
	// DHTStateFile keeps routing contacts for warm restarts (default
	// DataDir/.shoal/dht.state).
	DHTStateFile string

	// SuperSeed makes seeding torrents super-seed (BEP 16): peers are offered
	// a few pieces at a time instead of a bitfield, so that a lone seed in
	// a flash crowd uploads each piece about once. Off by default.
	SuperSeed bool

	// ProximityOff dials candidates in uniformly random order instead
	// (for comparisons).
	ProximityOff bool

	// Dial, when set, opens outgoing peer connections in place of a
	// net.Dialer: network is "tcp", laddr the source address ("IP:0", or ""
	// when the client is not bound to an IP) and raddr the peer's
	// "IP:PORT". It must honour ctx. Trackers, DHT and seed servers do not
	// use it. The testnet uses it to add per-AS-pair latency.
	Dial func(ctx context.Context, network, laddr, raddr string) (net.Conn, error)
	// WrapConn, when set, wraps every accepted peer connection before the
	// handshake. The returned conn must keep the original RemoteAddr and
	// close the original on Close.
	WrapConn func(net.Conn) net.Conn

	// Logger receives structured logs; default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.DataDir == "" {
		return fmt.Errorf("peer config: DataDir is empty")
	}
	if c.ListenAddr == "" {
		c.ListenAddr = ":0"
	}
	if c.PeerIDPrefix == "" {
		c.PeerIDPrefix = "-SH0001-"
	}
	if len(c.PeerIDPrefix) > 20 {
		return fmt.Errorf("peer config: PeerIDPrefix %q is longer than 20 bytes", c.PeerIDPrefix)
	}
	if c.MaxConnsPerTorrent <= 0 {
		c.MaxConnsPerTorrent = 50
	}
	if c.MaxHalfOpen <= 0 {
		c.MaxHalfOpen = 8
	}
	if c.MaxQueuedDiskBytes <= 0 {
		c.MaxQueuedDiskBytes = 64 << 20
	}
	if c.ResumeInterval <= 0 {
		c.ResumeInterval = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.UploadRate < 0 || c.DownloadRate < 0 {
		return fmt.Errorf("peer config: negative rate limit (up %d, down %d)", c.UploadRate, c.DownloadRate)
	}
	return nil
}

// AddOptions tune one torrent.
type AddOptions struct {
	// Peers are dialed at once ("host:port"), in addition to other sources.
	Peers []string
	// UploadRate and DownloadRate cap this torrent, bytes per second; 0 = unlimited.
	// DownloadRate covers peers and seed servers alike.
	UploadRate, DownloadRate int64
	// SeedRatio and SeedTime say how long to keep seeding after completion.
	// The torrent is Finished when either is reached (a zero value is
	// "not set"; both zero means finish on completion unless Seed is set).
	SeedRatio float64
	SeedTime  time.Duration
	// Seed keeps seeding until the torrent is closed.
	Seed bool
	// FilePriorities maps file index to priority (0 = skip, 1..7).
	FilePriorities map[int]int
	// DataDir overrides the client's DataDir for this torrent.
	DataDir string
}
