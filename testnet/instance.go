package testnet

import (
	"context"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// snap is what the runner reads from one incarnation of a leecher, whether
// it runs in this process or as a `shoal get` child.
type snap struct {
	Downloaded  int64 // payload from peers
	FromSeeds   int64 // payload from seed servers
	Uploaded    int64
	Wasted      int64
	Complete    bool
	CompletedAt time.Time // zero when unknown
	FirstPiece  time.Time // first piece verified; zero until then or when unknown
	Peers       int       // connected now
	// The torrent's last finished DHT lookup: peers found and how long it
	// took (0 until one finished; in-process peers only).
	DHTLookupPeers int
	DHTLookupTook  time.Duration
	Err            string
}

// instance is one running incarnation of a leecher.
type instance interface {
	snapshot() snap
	listenAddr() string // ip:port
	// exited is closed when the incarnation ended on its own (a child
	// process that finished); nil when it never does.
	exited() <-chan struct{}
	// close stops it and returns its final snapshot.
	close() snap
}

// inproc is a leecher incarnation in this process: one peer.Client with the
// torrent added.
type inproc struct {
	c *peer.Client
	t *peer.Torrent
}

func startInproc(ctx context.Context, cfg peer.Config, mi any, peers []string) (*inproc, error) {
	c, err := peer.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	t, err := c.Add(ctx, mi, peer.AddOptions{Seed: true, Peers: peers})
	if err != nil {
		c.Close()
		return nil, err
	}
	return &inproc{c: c, t: t}, nil
}

func (p *inproc) snapshot() snap { return snapOf(p.t.Stats()) }

func (p *inproc) listenAddr() string { return p.c.ListenAddr().String() }

func (p *inproc) exited() <-chan struct{} { return nil }

func (p *inproc) close() snap {
	s := p.snapshot()
	p.c.Close()
	return s
}

func snapOf(s peer.Stats) snap {
	return snap{
		Downloaded: s.Downloaded, FromSeeds: s.FromSeeds, Uploaded: s.Uploaded, Wasted: s.Wasted,
		Complete: s.HaveInfo && s.Progress >= 1, CompletedAt: s.CompletedAt, FirstPiece: s.FirstPieceAt, Peers: len(s.Peers),
		DHTLookupPeers: s.DHTLookups, DHTLookupTook: s.DHTLookupTook, Err: s.Err,
	}
}
