package dht

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// Lookup is one running get_peers lookup (with announce_peer at the end
// when started by Announce). Peers are delivered on C in batches, each
// holding only peers new to this lookup, ranked by proximity with the
// diversity quota; when the consumer is slower than the network, pending
// peers are merged and ranked together into the next batch. C is closed
// after the lookup has finished and the last batch was delivered, or when
// the lookup's context ends or the node closes. Read C until it closes or
// cancel the context.
type Lookup struct {
	// C streams ranked batches of newly found peers.
	C <-chan []proximity.Ranked

	n       *Node
	c       chan []proximity.Ranked
	done    chan struct{}
	wake    chan struct{}
	started time.Time

	mu      sync.Mutex
	seen    map[netip.AddrPort]bool
	all     []netip.AddrPort
	pending []netip.AddrPort
	stats   LookupStats
	running int          // family walks still running
	trace   *lookupTrace // nil unless the node traces lookups
}

// LookupStats describes a lookup so far.
type LookupStats struct {
	Queries   int           // get_peers queries sent (all families)
	Replies   int           // get_peers replies received
	Timeouts  int           // queries that got no answer
	Peers     int           // distinct peers found
	FirstPeer time.Duration // from start to the first peer; 0 if none yet
	Duration  time.Duration // from start to the end of the walk (0 while running)
	Announced int           // announce_peer queries acknowledged
	Converged bool          // every family's walk reached its K closest live nodes
}

// GetPeers starts a lookup for infoHash and returns at once. The walk runs
// on every family; if the routing table is nearly empty it first waits
// (bounded by ctx) for the node's first bootstrap pass.
func (n *Node) GetPeers(ctx context.Context, infoHash [20]byte) *Lookup {
	return n.startLookup(ctx, infoHash, -1, n.plainXOR.Load())
}

// Announce is GetPeers followed by announce_peer to the K closest nodes
// that replied with a token. port is our BitTorrent port; 0 asks the
// receivers to use the port our DHT packets come from (implied_port).
// Repeat it every 15–30 minutes while the torrent is active.
func (n *Node) Announce(ctx context.Context, infoHash [20]byte, port int) *Lookup {
	return n.startLookup(ctx, infoHash, max(port, 0), n.plainXOR.Load())
}

// Ranked returns up to limit of the peers found so far (all batches
// together), ranked by proximity with the diversity quota.
func (l *Lookup) Ranked(limit int) []proximity.Ranked {
	l.mu.Lock()
	all := append([]netip.AddrPort(nil), l.all...)
	l.mu.Unlock()
	return l.n.rank(all, limit)
}

// Stats returns the lookup's statistics so far.
func (l *Lookup) Stats() LookupStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Done is closed when the walk (and any announce) has finished.
func (l *Lookup) Done() <-chan struct{} { return l.done }

// Wait blocks until the walk has finished or ctx ends and returns the
// statistics. It does not need C to be drained.
func (l *Lookup) Wait(ctx context.Context) LookupStats {
	select {
	case <-l.done:
	case <-ctx.Done():
	}
	return l.Stats()
}

// rank orders peers for us.
func (n *Node) rank(aps []netip.AddrPort, limit int) []proximity.Ranked {
	return proximity.Rank(n.cfg.Locator, n.self(), aps, nil, limit, n.cfg.Rank)
}

// startLookup starts a lookup; plain walks in XOR order only.
func (n *Node) startLookup(ctx context.Context, ih [20]byte, port int, plain bool) *Lookup {
	n.lookups.Add(1)
	l := &Lookup{
		n:       n,
		c:       make(chan []proximity.Ranked),
		done:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		started: time.Now(),
		seen:    make(map[netip.AddrPort]bool),
		running: len(n.fams),
	}
	if n.tracing.Load() {
		l.trace = &lookupTrace{First: -1}
	}
	l.C = l.c
	if !n.track(1 + len(n.fams)) { // closed node: an empty, finished lookup
		close(l.c)
		close(l.done)
		return l
	}
	lctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(n.ctx, cancel)
	for _, f := range n.fams {
		go func() {
			defer n.wg.Done()
			w := n.newWalk(lctx, f, l, ih, plain)
			w.run()
			if port >= 0 && lctx.Err() == nil {
				a := w.announce(port)
				l.mu.Lock()
				l.stats.Announced += a
				l.mu.Unlock()
			}
			l.walkDone(w.converged)
		}()
	}
	go func() {
		defer n.wg.Done()
		defer stop()
		defer cancel()
		l.deliver(lctx)
	}()
	return l
}

// walkDone records the end of one family's walk.
func (l *Lookup) walkDone(converged bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running--
	if l.running == len(l.n.fams)-1 {
		l.stats.Converged = converged
	} else {
		l.stats.Converged = l.stats.Converged && converged
	}
	if l.running == 0 {
		l.stats.Duration = time.Since(l.started)
		close(l.done)
		l.poke()
	}
}

// addPeers records peers from a reply (of traced query from, or -1); it
// returns how many were new.
func (l *Lookup) addPeers(aps []netip.AddrPort, from int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	added := 0
	for _, ap := range aps {
		if l.seen[ap] {
			continue
		}
		l.seen[ap] = true
		l.all = append(l.all, ap)
		l.pending = append(l.pending, ap)
		added++
	}
	if added > 0 {
		if l.stats.Peers == 0 {
			l.stats.FirstPeer = time.Since(l.started)
			if l.trace != nil {
				l.trace.First = from
			}
		}
		l.stats.Peers += added
		l.poke()
	}
	return added
}

func (l *Lookup) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// deliver sends pending peers on C, ranked, until the walk is over and
// nothing is pending, or ctx ends; then it closes C.
func (l *Lookup) deliver(ctx context.Context) {
	defer close(l.c)
	for {
		l.mu.Lock()
		batch := l.pending
		l.pending = nil
		finished := l.running == 0
		l.mu.Unlock()
		if len(batch) > 0 {
			select {
			case l.c <- l.n.rank(batch, len(batch)):
			case <-ctx.Done():
				return
			}
			continue
		}
		if finished {
			return
		}
		select {
		case <-l.wake:
		case <-ctx.Done():
			return
		}
	}
}
