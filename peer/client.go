package peer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"golang.org/x/time/rate"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/dht"
	"github.com/shoal-p2p/shoal/peer/webseed"
	"github.com/shoal-p2p/shoal/peer/wire"
)

const acceptHandshakeTimeout = 20 * time.Second

// Client runs torrents: it owns the listening socket, the peer ID and the
// global rate limits.
type Client struct {
	cfg       Config
	peerID    [20]byte
	ln        net.Listener
	listen    netip.AddrPort
	bindIP    netip.Addr // source address of outgoing connections, if set
	upLimit   *rate.Limiter
	downLimit *rate.Limiter
	webseeds  *webseed.Client
	dht       *dht.Node
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu       sync.Mutex
	torrents map[[20]byte]*Torrent
	closed   bool
}

// NewClient starts a client: it listens on Config.ListenAddr unless NoListen.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		cfg:       cfg,
		peerID:    newPeerID(cfg.PeerIDPrefix),
		upLimit:   newLimiter(cfg.UploadRate),
		downLimit: newLimiter(cfg.DownloadRate),
		ctx:       ctx,
		cancel:    cancel,
		torrents:  map[[20]byte]*Torrent{},
		webseeds:  webseed.NewClient(soloSeedPerHost, 2*time.Minute, Version),
	}
	if host, _, err := net.SplitHostPort(cfg.ListenAddr); err == nil && host != "" {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("listen address %q: host must be an IP address", cfg.ListenAddr)
		}
		if !ip.IsUnspecified() {
			c.bindIP = ip
		}
	} else if err != nil {
		cancel()
		return nil, fmt.Errorf("listen address %q: %w", cfg.ListenAddr, err)
	}
	if !cfg.NoListen {
		ln, err := net.Listen("tcp", cfg.ListenAddr)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("listen on %q: %w", cfg.ListenAddr, err)
		}
		c.ln = ln
		ap := ln.Addr().(*net.TCPAddr).AddrPort()
		c.listen = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		c.wg.Add(1)
		go c.acceptLoop()
	}
	if err := c.startDHT(); err != nil {
		cancel()
		if c.ln != nil {
			c.ln.Close()
		}
		c.wg.Wait()
		return nil, err
	}
	return c, nil
}

// ListenAddr is the address peers can reach us on (zero if not listening).
func (c *Client) ListenAddr() netip.AddrPort { return c.listen }

// PeerID is our 20-byte peer ID.
func (c *Client) PeerID() [20]byte { return c.peerID }

func (c *Client) localIP() netip.Addr { return c.bindIP }

// localAddrFor binds outgoing connections to the listen IP, when one was
// given and is of the same family as the destination.
func (c *Client) localAddrFor(dst netip.Addr) net.Addr {
	if !c.bindIP.IsValid() || c.bindIP.Is4() != dst.Unmap().Is4() {
		return nil
	}
	return &net.TCPAddr{IP: c.bindIP.AsSlice()}
}

func (c *Client) wireOptions() wire.Options {
	ext := pp.NewPeerExtensionBytes(pp.ExtensionBitFast, pp.ExtensionBitLtep)
	if c.dht != nil {
		ext.SetBit(pp.ExtensionBitDht, true)
	}
	return wire.Options{PeerID: c.peerID, Extensions: ext, Encryption: c.cfg.Encryption}
}

func (c *Client) downLimits(t *torrent) []*rate.Limiter {
	return []*rate.Limiter{t.downLimit, c.downLimit}
}
func (c *Client) upLimits(t *torrent) []*rate.Limiter { return []*rate.Limiter{t.upLimit, c.upLimit} }

func (c *Client) acceptLoop() {
	defer c.wg.Done()
	for {
		nc, err := c.ln.Accept()
		if err != nil {
			if c.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			c.cfg.Logger.Warn("accept failed", "err", err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-c.ctx.Done():
				return
			}
			continue
		}
		if c.cfg.WrapConn != nil {
			nc = c.cfg.WrapConn(nc)
		}
		c.wg.Add(1)
		go c.handleIncoming(nc)
	}
}

func (c *Client) handleIncoming(nc net.Conn) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, acceptHandshakeTimeout)
	defer cancel()
	_ = nc.SetDeadline(time.Now().Add(acceptHandshakeTimeout))
	wc, err := wire.Accept(ctx, nc, c.wireOptions(), c.knows, c.infoHashes)
	if err != nil {
		c.cfg.Logger.Debug("incoming handshake failed", "addr", nc.RemoteAddr(), "err", err)
		nc.Close()
		return
	}
	_ = nc.SetDeadline(time.Time{})
	t := c.lookup(wc.InfoHash)
	if t == nil {
		wc.Close()
		return
	}
	addr, err := netip.ParseAddrPort(nc.RemoteAddr().String())
	if err != nil {
		wc.Close()
		return
	}
	if !t.t.post(event{kind: evConnected, wc: wc, addr: addr, src: SourceIncoming}) {
		wc.Close()
	}
}

func (c *Client) knows(ih [20]byte) bool { return c.lookup(ih) != nil }

func (c *Client) infoHashes() [][20]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][20]byte, 0, len(c.torrents))
	for ih := range c.torrents {
		out = append(out, ih)
	}
	return out
}

func (c *Client) lookup(ih [20]byte) *Torrent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.torrents[ih]
}

func (c *Client) remove(ih [20]byte) {
	c.mu.Lock()
	delete(c.torrents, ih)
	c.mu.Unlock()
}

// Add adds a torrent from a source: a magnet link, an http(s) URL of a
// .torrent, a path (all as string), a *Spec or a *metainfo.MetaInfo. Adding
// a torrent already present returns the existing one.
func (c *Client) Add(ctx context.Context, src any, opts AddOptions) (*Torrent, error) {
	var spec *Spec
	var err error
	switch s := src.(type) {
	case string:
		spec, err = ParseSource(ctx, s)
	case *Spec:
		spec = s
	case *metainfo.MetaInfo:
		spec, err = specFromMetaInfo(s)
	default:
		return nil, fmt.Errorf("add torrent: unsupported source type %T", src)
	}
	if err != nil {
		return nil, err
	}
	if _, err := resolvePeers(opts.Peers); err != nil {
		return nil, fmt.Errorf("add torrent: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("add torrent: client closed")
	}
	if t, ok := c.torrents[spec.InfoHash]; ok {
		return t, nil
	}
	t := &Torrent{t: newTorrent(c, spec, opts)}
	c.torrents[spec.InfoHash] = t
	go t.t.run()
	return t, nil
}

func specFromMetaInfo(mi *metainfo.MetaInfo) (*Spec, error) {
	s, err := specFromInfoBytes(mi.InfoBytes)
	if err != nil {
		return nil, err
	}
	s.Trackers = cleanTiers(mi.UpvertedAnnounceList())
	s.WebSeeds = append(s.WebSeeds, mi.UrlList...)
	s.Comment = mi.Comment
	return s, nil
}

// Torrents lists the torrents in the client.
func (c *Client) Torrents() []*Torrent {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Torrent, 0, len(c.torrents))
	for _, t := range c.torrents {
		out = append(out, t)
	}
	return out
}

// Close stops every torrent (each saves its resume state) and the listener.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	ts := make([]*Torrent, 0, len(c.torrents))
	for _, t := range c.torrents {
		ts = append(ts, t)
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Add(1)
		go func() { defer wg.Done(); t.Close() }()
	}
	wg.Wait()
	c.cancel()
	if c.ln != nil {
		c.ln.Close()
	}
	c.wg.Wait()
	c.webseeds.Close()
	if c.dht != nil {
		c.dht.Close()
	}
	return nil
}

// resolveAddr parses "host:port"; host names are resolved (first address).
func resolveAddr(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ta, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return netip.AddrPort{}, err
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
