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
	// nearSlackBits: a proximity slot may pick a candidate whose distance
	// to the target shares up to this many bits less with it than the
	// XOR-closest eligible candidate's (see frontier.nextNear). A reply
	// gains about log2(K)+1 bits, so two bits cost about half a hop.
	nearSlackBits = 2
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
	found     bool // a reply carried peers
	queries   int
	converged bool
	wg        sync.WaitGroup
}

type queryDone struct {
	c   *candidate
	res anacrolixdht.QueryResult
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
// bootstrap pass when the table is nearly empty; a proximity walk adds the
// nearby contacts XOR-closest to the target (nearCache).
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
	if w.plain {
		return
	}
	for _, c := range w.n.near.closest(w.target, w.f.four, nearSeeds) {
		w.addNode(krpc.NodeInfo{ID: c.ID, Addr: toNodeAddr(c.Addr)})
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

// nearer reports whether a is nearer to us than b by proximity; a
// suspect contact (its last query went unanswered) comes after every other.
func (w *walk) nearer(a, b *candidate) bool {
	if sa, sb := w.n.health.suspect(a.addr), w.n.health.suspect(b.addr); sa != sb {
		return sb
	}
	return w.distance(a).Nearer(w.distance(b))
}

// distance returns c's distance from us with its measured RTT, if any.
func (w *walk) distance(c *candidate) proximity.Distance {
	if !c.proxSet {
		c.prox = proximity.Measure(w.n.cfg.Locator, w.me, c.addr.Addr(), 0)
		c.proxSet = true
	}
	d := c.prox
	d.RTT = w.n.health.rtt(c.addr)
	return d
}

// run walks until convergence, MaxQueries, or the context ends. Up to
// Alpha queries are in flight; one of them always goes to the XOR-closest
// eligible candidate (so the walk converges as plain Kademlia does), the
// others to the nearest by proximity among the candidates that make about
// as much progress (frontier.nextNear). A query unanswered after its slow
// limit (walk.slowAfter) stops holding a slot; it may still answer.
func (w *walk) run() {
	defer w.wg.Wait()
	w.seed()
	cfg := w.n.cfg
	active := make(map[*candidate]time.Time) // in flight and not yet slow, with the time it turns slow
	var xorC *candidate                      // the query holding the XOR slot
	slow := time.NewTimer(time.Hour)
	defer slow.Stop()
	for w.ctx.Err() == nil {
		for len(active) < cfg.Alpha && w.queries < cfg.MaxQueries {
			var c *candidate
			if xorC == nil || w.plain {
				c = w.front.nextXOR()
			} else {
				c = w.front.nextNear(w.nearer, w.slack())
			}
			if c == nil {
				break
			}
			isXOR := xorC == nil
			if isXOR {
				xorC = c
			}
			limit, expected := w.slowAfter(c)
			w.front.start(c)
			w.traceSend(c, isXOR, expected, limit)
			active[c] = time.Now().Add(limit)
			w.launch(c)
		}
		if w.front.inFlight == 0 {
			w.converged = w.front.done() && w.queries > 0
			return
		}
		// Arm the timer for the first active query turning slow.
		var first time.Time
		for _, t := range active {
			if first.IsZero() || t.Before(first) {
				first = t
			}
		}
		if !first.IsZero() {
			slow.Reset(max(time.Until(first), 0))
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
				if !now.Before(t) {
					w.traceSlow(c)
					w.front.markSlow(c)
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

// minSlowAfter is the least time a query holds its slot however near the
// contact: below it scheduling noise on the sender would dominate.
const minSlowAfter = 15 * time.Millisecond

// Slow limit of a proximity walk's query: the expected base RTT plus
// devFactor times its deviation (as TCP's RTO = SRTT + 4·RTTVAR), and at
// least minSlowMargin more than the base.
const (
	devFactor     = 4
	minSlowMargin = 10 * time.Millisecond
)

// slowAfter returns how long a query to c may hold a lookup slot
// unanswered, and the base round-trip time expected from c (0 if
// unknown). A proximity walk expects the least RTT measured to c, or else
// the median of those measured to contacts alike for latency (same tier
// and common prefix with us, see health.expected), and allows that plus
// devFactor times the deviation answers show from it (at least
// minSlowMargin), within [minSlowAfter, Config.SlowAfter]: a dead contact
// next door then costs tens of milliseconds, one across the world a little
// more than its round trip, not SlowAfter or twice the round trip. A
// suspect contact, whose last query went unanswered, gets minSlowAfter:
// it is most likely gone. Freeing a slot early costs at most one more
// query in flight — the query may still answer. A plain walk (the classic
// lookup, our baseline) and contacts of unknown latency get
// Config.SlowAfter.
func (w *walk) slowAfter(c *candidate) (limit, expected time.Duration) {
	ceil := w.n.cfg.SlowAfter
	if w.plain {
		return ceil, 0
	}
	floor := min(minSlowAfter, ceil)
	rtt, dev, ok := w.n.health.expected(c.addr, w.distance(c))
	if w.n.health.suspect(c.addr) {
		return floor, rtt
	}
	if !ok {
		return ceil, 0
	}
	return max(min(ceil, rtt+max(devFactor*dev, minSlowMargin)), floor), rtt
}

// slack returns how far behind the XOR front a proximity slot may look
// (frontier.nextNear): nearSlackBits until the walk has found peers, then
// none — its proximity slots are there to reach peers early; once it has
// them, what is left is converging on the K closest nodes, where looking
// wider only adds queries.
func (w *walk) slack() int {
	if w.found {
		return -1
	}
	return nearSlackBits
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
		res := w.f.srv.GetPeers(ctx, anacrolixdht.NewAddr(udpAddr(c.addr)), int160.FromByteArray(w.target), false, anacrolixdht.QueryRateLimiting{})
		w.results <- queryDone{c: c, res: res}
	}()
}

// handle folds one query's outcome into the walk.
func (w *walk) handle(d queryDone) {
	r := d.res.Reply.R
	if d.res.Err != nil || r == nil {
		w.front.finish(d.c, false, "")
		timedOut := errors.Is(d.res.Err, context.DeadlineExceeded) || errors.Is(d.res.Err, anacrolixdht.TransactionTimeout)
		w.traceDone(d.c, false, timedOut && w.ctx.Err() == nil, 0)
		// The RTT meter reports the lost query to the contact's health.
		if timedOut && w.ctx.Err() == nil {
			w.l.mu.Lock()
			w.l.stats.Timeouts++
			w.l.mu.Unlock()
		}
		return
	}
	w.n.health.replied(d.c.addr)
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
		w.found = true
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
