package dht

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"time"

	anacrolixdht "github.com/anacrolix/dht/v2"
	"github.com/anacrolix/dht/v2/int160"
	"github.com/anacrolix/dht/v2/krpc"

	"github.com/shoal-p2p/shoal/proximity"
)

// Bounds of one walk.
const (
	frontierCapacity = 256
	maxNodesPerReply = 16
	seedFactor       = 4 // seed the frontier with K·seedFactor table contacts
)

// walk is one family's iterative get_peers lookup. Only its run goroutine
// touches the frontier; queries run in their own goroutines and report on
// results.
type walk struct {
	n       *Node
	f       *family
	l       *Lookup
	ctx     context.Context
	target  [20]byte
	front   *frontier
	results chan queryDone
	self    [20]byte
	me      netip.Addr

	plain     bool
	queries   int
	converged bool
	wg        sync.WaitGroup
}

type queryDone struct {
	c   *candidate
	res anacrolixdht.QueryResult
	rtt time.Duration
}

func (n *Node) newWalk(ctx context.Context, f *family, l *Lookup, target [20]byte, plain bool) *walk {
	return &walk{
		n: n, f: f, l: l, ctx: ctx, target: target,
		front:   newFrontier(target, n.cfg.K, n.cfg.Window, frontierCapacity),
		results: make(chan queryDone, n.cfg.MaxQueries),
		self:    f.srv.ID(),
		me:      n.self(),
		plain:   plain,
	}
}

// seed fills the frontier from the routing table, waiting for the first
// bootstrap pass when the table is nearly empty.
func (w *walk) seed() {
	if w.f.srv.NumNodes() < w.n.cfg.K {
		select {
		case <-w.n.ready:
		case <-w.ctx.Done():
			return
		}
	}
	nodes := w.f.srv.Nodes()
	slices.SortFunc(nodes, func(a, b krpc.NodeInfo) int {
		da, db := xorDist(a.ID, w.target), xorDist(b.ID, w.target)
		return bytes.Compare(da[:], db[:])
	})
	added := 0
	for _, ni := range nodes {
		if added >= w.n.cfg.K*seedFactor {
			break
		}
		if w.addNode(ni) {
			added++
		}
	}
}

// addNode adds a contact to the frontier unless it is bogus, ourselves, of
// the other family, or skipped for repeated timeouts.
func (w *walk) addNode(ni krpc.NodeInfo) bool { return w.addNodeVia(ni, nil) }

// addNodeVia is addNode for a contact named in parent's reply.
func (w *walk) addNodeVia(ni krpc.NodeInfo, parent *candidate) bool {
	if ni.ID == ([20]byte{}) || ni.ID == w.self {
		return false
	}
	ap, ok := fromNodeAddr(ni.Addr)
	if !ok || ap.Addr().Is4() != w.f.four || w.n.health.skip(ap) {
		return false
	}
	c := w.front.addVia(ni.ID, ap, parent)
	if c != nil {
		w.traceKnown(c)
	}
	return c != nil
}

// nearer reports whether a is nearer to us than b by proximity.
func (w *walk) nearer(a, b *candidate) bool {
	loc := w.n.cfg.Locator
	da := proximity.Measure(loc, w.me, a.addr.Addr(), w.n.health.rtt(a.addr))
	db := proximity.Measure(loc, w.me, b.addr.Addr(), w.n.health.rtt(b.addr))
	return da.Nearer(db)
}

// run walks until convergence, MaxQueries, or the context ends. Up to
// Alpha queries are in flight; one of them always goes to the XOR-closest
// eligible candidate (so the walk converges as plain Kademlia does), the
// others to the nearest by proximity among the next Window eligible
// candidates. A query unanswered after SlowAfter stops holding a slot.
func (w *walk) run() {
	defer w.wg.Wait()
	w.seed()
	cfg := w.n.cfg
	active := make(map[*candidate]time.Time) // in flight and not yet slow
	var xorC *candidate                      // the query holding the XOR slot
	slow := time.NewTimer(time.Hour)
	defer slow.Stop()
	for w.ctx.Err() == nil {
		for len(active) < cfg.Alpha && w.queries < cfg.MaxQueries {
			var c *candidate
			if xorC == nil || w.plain {
				c = w.front.nextXOR()
			} else {
				c = w.front.nextNear(w.nearer)
			}
			if c == nil {
				break
			}
			isXOR := xorC == nil
			if isXOR {
				xorC = c
			}
			w.front.start(c)
			w.traceSend(c, isXOR, 0, cfg.SlowAfter)
			active[c] = time.Now()
			w.launch(c)
		}
		if w.front.inFlight == 0 {
			w.converged = w.front.done() && w.queries > 0
			return
		}
		// Arm the timer for the oldest active query turning slow.
		var oldest time.Time
		for _, t := range active {
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		if !oldest.IsZero() {
			slow.Reset(max(time.Until(oldest.Add(cfg.SlowAfter)), 0))
		}
		select {
		case d := <-w.results:
			delete(active, d.c)
			if d.c == xorC {
				xorC = nil
			}
			w.handle(d)
		case <-slow.C:
			now := time.Now()
			for c, t := range active {
				if now.Sub(t) >= cfg.SlowAfter {
					w.traceSlow(c)
					delete(active, c)
					if c == xorC {
						xorC = nil
					}
				}
			}
		case <-w.ctx.Done():
		}
	}
}

// launch sends one get_peers query in its own goroutine.
func (w *walk) launch(c *candidate) {
	w.queries++
	w.n.queries.Add(1)
	w.l.mu.Lock()
	w.l.stats.Queries++
	w.l.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		ctx, cancel := context.WithTimeout(w.ctx, w.n.cfg.QueryTimeout)
		defer cancel()
		start := time.Now()
		res := w.f.srv.GetPeers(ctx, anacrolixdht.NewAddr(udpAddr(c.addr)), int160.FromByteArray(w.target), false, anacrolixdht.QueryRateLimiting{})
		w.results <- queryDone{c: c, res: res, rtt: time.Since(start)}
	}()
}

// handle folds one query's outcome into the walk.
func (w *walk) handle(d queryDone) {
	r := d.res.Reply.R
	if d.res.Err != nil || r == nil {
		w.front.finish(d.c, false, "")
		timedOut := errors.Is(d.res.Err, context.DeadlineExceeded) || errors.Is(d.res.Err, anacrolixdht.TransactionTimeout)
		w.traceDone(d.c, false, timedOut && w.ctx.Err() == nil, 0)
		if timedOut && w.ctx.Err() == nil {
			w.n.health.timedOut(d.c.addr)
			w.l.mu.Lock()
			w.l.stats.Timeouts++
			w.l.mu.Unlock()
		}
		return
	}
	w.n.health.replied(d.c.addr, d.rtt)
	token := ""
	if r.Token != nil {
		token = *r.Token
	}
	w.front.finish(d.c, true, token)
	w.traceDone(d.c, true, false, len(r.Values))
	w.l.mu.Lock()
	w.l.stats.Replies++
	w.l.mu.Unlock()
	if len(r.Values) > 0 {
		peers := make([]netip.AddrPort, 0, len(r.Values))
		for _, v := range r.Values {
			if ap, ok := fromNodeAddr(v); ok {
				peers = append(peers, ap)
			}
		}
		w.l.addPeers(peers, d.c.trace)
	}
	nodes := []krpc.NodeInfo(r.Nodes)
	if !w.f.four {
		nodes = r.Nodes6
	}
	for i, ni := range nodes {
		if i >= maxNodesPerReply {
			break
		}
		w.addNodeVia(ni, d.c)
	}
}

// announce sends announce_peer to the K closest responders that gave a
// token and returns how many acknowledged.
func (w *walk) announce(port int) int {
	targets := w.front.closestReplied(w.n.cfg.K)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for _, c := range targets {
		if c.token == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(w.ctx, w.n.cfg.QueryTimeout)
			defer cancel()
			p := port
			res := w.f.srv.Query(ctx, anacrolixdht.NewAddr(udpAddr(c.addr)), "announce_peer", anacrolixdht.QueryInput{
				MsgArgs: krpc.MsgArgs{
					InfoHash:    w.target,
					Port:        &p,
					ImpliedPort: port == 0,
					Token:       c.token,
				},
			})
			if res.ToError() == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	w.n.announces.Add(int64(ok))
	return ok
}
