package dht

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// The lab runs many nodes in-process on loopback addresses 127.A.B.C, where
// A is a synthetic AS (proximity.LoopbackTable). Nothing leaves 127/8.

// labNumAS ASes, grouped into regions of four consecutive A values
// (A>>2), so that address prefixes and regions agree as they tend to on
// the real Internet.
const labNumAS = 15

func labRegion(ip netip.Addr) int { return int(ip.As4()[1]) >> 2 }
func labAS(ip netip.Addr) int     { return int(ip.As4()[1]) }

// latencyModel returns the one-way delay between two lab addresses.
type latencyModel func(a, b netip.Addr) time.Duration

// asLatency: same AS, same region, otherwise.
func asLatency(same, region, other time.Duration) latencyModel {
	return func(a, b netip.Addr) time.Duration {
		if !a.Is4() || !b.Is4() {
			return other
		}
		switch {
		case labAS(a) == labAS(b):
			return same
		case labRegion(a) == labRegion(b):
			return region
		default:
			return other
		}
	}
}

// labConn is a UDP socket that refuses non-loopback destinations and
// delays every datagram by the latency model.
type labConn struct {
	net.PacketConn
	self  netip.Addr
	delay latencyModel
	in    atomic.Uint64
}

func (c *labConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ap, ok := addrPortOf(addr)
	if !ok || !ap.Addr().IsLoopback() {
		return 0, errors.New("lab: refusing to send outside loopback")
	}
	var d time.Duration
	if c.delay != nil {
		d = c.delay(c.self, ap.Addr())
	}
	if d <= 0 {
		return c.PacketConn.WriteTo(p, addr)
	}
	b := bytes.Clone(p)
	time.AfterFunc(d, func() { _, _ = c.PacketConn.WriteTo(b, addr) })
	return len(p), nil
}

func (c *labConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, a, err := c.PacketConn.ReadFrom(p)
	if err == nil {
		c.in.Add(1)
	}
	return n, a, err
}

// labNode is one slot of the lab: an address that a node may run on.
type labNode struct {
	ip    netip.Addr
	port  uint16
	state string
	node  *Node
	conn  *labConn
	// received counts datagrams over all runs of this slot.
	received atomic.Uint64
}

type lab struct {
	tb      testing.TB
	loc     *proximity.Table
	latency latencyModel
	dir     string
	base    Config // template for every node
	boot    []*labNode
	nodes   []*labNode
	mu      sync.Mutex
}

// newLab prepares nb bootstrap slots and n node slots spread round-robin
// over the ASes, each slot in its own /24-ish spread.
func newLab(tb testing.TB, nb, n int, latency latencyModel, base Config) *lab {
	l := &lab{tb: tb, loc: proximity.LoopbackTable(labNumAS), latency: latency, dir: tb.TempDir(), base: base}
	for i := range nb {
		a := 1 + (i*5)%labNumAS
		l.boot = append(l.boot, &labNode{ip: netip.AddrFrom4([4]byte{127, byte(a), 250, byte(1 + i)})})
	}
	for i := range n {
		a := 1 + i%labNumAS
		j := i / labNumAS
		l.nodes = append(l.nodes, &labNode{ip: netip.AddrFrom4([4]byte{127, byte(a), byte(j % 16), byte(2 + j/16)})})
	}
	for i, s := range append(append([]*labNode{}, l.boot...), l.nodes...) {
		s.state = filepath.Join(l.dir, fmt.Sprintf("node%d.json", i))
	}
	tb.Cleanup(l.closeAll)
	return l
}

func (l *lab) bootAddrs() []string {
	var out []string
	for _, b := range l.boot {
		out = append(out, netip.AddrPortFrom(b.ip, b.port).String())
	}
	return out
}

// start runs a node on slot s (on its previous port when restarting).
// warm keeps the slot's state file; otherwise it is not used for loading.
func (l *lab) start(s *labNode, isBoot, warm bool, mod func(*Config)) error {
	pc, err := net.ListenPacket("udp4", netip.AddrPortFrom(s.ip, s.port).String())
	if err != nil {
		return err
	}
	ap, _ := addrPortOf(pc.LocalAddr())
	s.port = ap.Port()
	lc := &labConn{PacketConn: pc, self: s.ip, delay: l.latency}
	cfg := l.base
	cfg.Conn = lc
	cfg.Locator = l.loc
	cfg.StateFile = s.state
	if !warm {
		cfg.StateFile = filepath.Join(l.dir, fmt.Sprintf("cold-%s-%d.json", s.ip, rand.Uint32()))
	}
	if !isBoot {
		cfg.Bootstrap = l.bootAddrs()
	}
	if mod != nil {
		mod(&cfg)
	}
	n, err := New(cfg)
	if err != nil {
		pc.Close()
		return err
	}
	l.mu.Lock()
	s.node, s.conn = n, lc
	l.mu.Unlock()
	return nil
}

// stop closes the node on s (saving its state file when it has one).
func (l *lab) stop(s *labNode) {
	l.mu.Lock()
	n, c := s.node, s.conn
	s.node, s.conn = nil, nil
	l.mu.Unlock()
	if n != nil {
		// A warm run wrote to s.state; a cold one to a throwaway file.
		if err := n.Close(); err != nil {
			l.tb.Logf("close %v: %v", s.ip, err)
		}
		s.received.Add(c.in.Load())
	}
}

// startAll starts the bootstrap nodes, then every node slot concurrently
// (bounded parallelism), failing the test on error.
func (l *lab) startAll(warm bool, mod func(*Config)) {
	for _, b := range l.boot {
		if err := l.start(b, true, warm, mod); err != nil {
			l.tb.Fatal(err)
		}
	}
	l.forEach(l.nodes, 32, func(s *labNode) {
		if err := l.start(s, false, warm, mod); err != nil {
			l.tb.Error(err)
		}
	})
}

func (l *lab) closeAll() {
	l.forEach(append(append([]*labNode{}, l.nodes...), l.boot...), 32, l.stop)
}

// forEach runs f on every slot with at most par at a time.
func (l *lab) forEach(slots []*labNode, par int, f func(*labNode)) {
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, s := range slots {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(s)
		}()
	}
	wg.Wait()
}

// live returns the slots with a running node.
func (l *lab) live() []*labNode {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*labNode
	for _, s := range l.nodes {
		if s.node != nil {
			out = append(out, s)
		}
	}
	return out
}

// waitHealthy waits until the share frac of running nodes know at least
// min good contacts, or the timeout; it returns the share reached.
func (l *lab) waitHealthy(minGood int, frac float64, timeout time.Duration) float64 {
	deadline := time.Now().Add(timeout)
	for {
		live := l.live()
		ok := 0
		for _, s := range live {
			if s.node.Stats().GoodNodes >= minGood {
				ok++
			}
		}
		share := float64(ok) / float64(max(len(live), 1))
		if share >= frac || time.Now().After(deadline) {
			return share
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// swarm is an info hash and the peers announced for it.
type swarm struct {
	ih    [20]byte
	peers map[netip.AddrPort]bool
	// holders are the DHT endpoints of running nodes storing peers for
	// ih, as of the last markHolders.
	holders map[netip.AddrPort]bool
}

// markHolders records which running nodes store peers of each swarm.
func (l *lab) markHolders(swarms []*swarm) {
	live := l.live()
	for _, sw := range swarms {
		sw.holders = make(map[netip.AddrPort]bool)
		for _, s := range live {
			if len(s.node.store.get(sw.ih, true)) > 0 {
				sw.holders[netip.AddrPortFrom(s.ip, s.port)] = true
			}
		}
	}
}

// announceSwarms makes each of nSwarms info hashes announced by perSwarm
// random running nodes (peer port 6881 on the node's IP).
func (l *lab) announceSwarms(ctx context.Context, rng *rand.Rand, nSwarms, perSwarm int) []*swarm {
	live := l.live()
	var swarms []*swarm
	type job struct {
		s  *labNode
		ih [20]byte
	}
	var jobs []job
	for range nSwarms {
		sw := &swarm{peers: make(map[netip.AddrPort]bool)}
		for i := range sw.ih {
			sw.ih[i] = byte(rng.UintN(256))
		}
		for _, k := range rng.Perm(len(live))[:perSwarm] {
			sw.peers[netip.AddrPortFrom(live[k].ip, 6881)] = true
			jobs = append(jobs, job{live[k], sw.ih})
		}
		swarms = append(swarms, sw)
	}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lk := j.s.node.Announce(ctx, j.ih, 6881)
			drain(lk)
		}()
	}
	wg.Wait()
	return swarms
}

// drain reads a lookup's stream to the end.
func drain(l *Lookup) {
	for range l.C {
	}
}

// lookupResult is one measured lookup.
type lookupResult struct {
	from     *labNode
	sw       *swarm
	found    bool // at least one announced peer found
	stats    LookupStats
	ranked   []proximity.Ranked // everything found, ranked
	top      []proximity.Ranked // the first 5 of ranked
	firstHit time.Duration      // time to the first announced peer
	trace    *lookupTrace       // when the node traces lookups
}

// runLookups performs count lookups from random running nodes for random
// swarms, par at a time, with the nodes' configured lookup mode.
func (l *lab) runLookups(ctx context.Context, rng *rand.Rand, swarms []*swarm, count, par int) []lookupResult {
	return l.runLookupsMode(ctx, rng, swarms, count, par, func(int) lookupMode { return modeNode })
}

// lookupMode chooses a lookup's walk.
type lookupMode int

const (
	modeNode      lookupMode = iota // the node's setting (Config.PlainXOR)
	modeProximity                   // proximity walk
	modePlain                       // plain XOR walk
)

// runLookupsMode is runLookups with lookup i walking in mode(i), so that
// modes can be interleaved and share the network's state and the machine's
// load.
func (l *lab) runLookupsMode(ctx context.Context, rng *rand.Rand, swarms []*swarm, count, par int, mode func(int) lookupMode) []lookupResult {
	live := l.live()
	type job struct {
		s  *labNode
		sw *swarm
	}
	jobs := make([]job, count)
	for i := range jobs {
		jobs[i] = job{live[rng.IntN(len(live))], swarms[rng.IntN(len(swarms))]}
	}
	out := make([]lookupResult, count)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = lookupOnce(ctx, j.s, j.sw, mode(i))
		}()
	}
	wg.Wait()
	return out
}

func lookupOnce(ctx context.Context, s *labNode, sw *swarm, mode lookupMode) lookupResult {
	r := lookupResult{from: s, sw: sw}
	start := time.Now()
	var lk *Lookup
	if mode == modeNode {
		lk = s.node.GetPeers(ctx, sw.ih)
	} else {
		lk = s.node.startLookup(ctx, sw.ih, -1, mode == modePlain)
	}
	for batch := range lk.C {
		for _, p := range batch {
			if sw.peers[p.Addr] && !r.found {
				r.found = true
				r.firstHit = time.Since(start)
			}
		}
	}
	r.stats = lk.Wait(ctx)
	r.ranked = lk.Ranked(1 << 12)
	r.top = lk.Ranked(5)
	r.trace = lk.traceCopy()
	return r
}
