package dht

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	anacrolixdht "github.com/anacrolix/dht/v2"
)

// maxBootstrapAddrs bounds how many resolved bootstrap addresses one
// attempt contacts.
const maxBootstrapAddrs = 16

// keep is a family's bootstrapper: after the start-up jitter it bootstraps
// whenever the server has fewer than MinGoodNodes good contacts, retrying
// with jittered exponential backoff; when healthy it re-checks every
// CheckInterval (jittered). The library's table maintainer is started after
// the first pass, so it cannot bootstrap before the jitter either.
func (n *Node) keep(f *family) {
	defer n.wg.Done()
	if !sleepCtx(n.ctx, randDur(n.cfg.StartJitter)) {
		n.firstPassDone()
		return
	}
	first, maintaining := true, false
	failures := 0
	for {
		good := f.srv.Stats().GoodNodes
		if good < n.cfg.MinGoodNodes {
			good = n.bootstrap(f)
		}
		if first {
			first = false
			n.firstPassDone()
		}
		// The maintainer bootstraps by itself when it starts; in v2.24.0
		// that leaks a traversal goroutine whenever the table is empty and
		// there are no starting nodes, so it waits for a non-empty table.
		if !maintaining && f.srv.NumNodes() > 0 {
			maintaining = true
			n.wg.Add(1)
			go func() {
				defer n.wg.Done()
				f.srv.TableMaintainer()
			}()
		}
		var wait time.Duration
		if good < n.cfg.MinGoodNodes {
			failures++
			wait = backoff(n.cfg.BackoffMin, n.cfg.BackoffMax, failures)
		} else {
			failures = 0
			wait = n.cfg.CheckInterval/2 + randDur(n.cfg.CheckInterval)
		}
		if !sleepCtx(n.ctx, wait) {
			return
		}
	}
}

func (n *Node) firstPassDone() {
	if n.left.Add(-1) == 0 {
		close(n.ready)
	}
}

// bootstrap runs one attempt and returns the good-contact count after it:
// first a traversal towards our own ID through the contacts we already
// have (warm state); if that leaves too few good contacts, a ping to each
// held contact (up to 64); and only then the configured bootstrap nodes.
func (n *Node) bootstrap(f *family) int {
	f.bootstraps.Add(1)
	ctx, cancel := context.WithTimeout(n.ctx, 4*n.cfg.ResendDelay+8*n.cfg.QueryTimeout)
	defer cancel()
	hadNodes := f.srv.NumNodes() > 0
	addrs, _ := n.startingNodes(f.four)
	if !hadNodes && len(addrs) == 0 {
		// Nothing to start from (a first bootstrap node). BootstrapContext
		// would leak its traversal goroutine in v2.24.0.
		return 0
	}
	// With an empty table the traversal starts from our StartingNodes,
	// that is the configured bootstrap nodes.
	_, _ = f.srv.BootstrapContext(ctx)
	good := f.srv.Stats().GoodNodes
	if good >= n.cfg.MinGoodNodes || !hadNodes || ctx.Err() != nil {
		return good
	}
	// Ping the contacts we hold (saved ones are unverified until they
	// answer): each answer makes one good.
	var known []anacrolixdht.Addr
	for _, ni := range f.srv.Nodes() {
		if len(known) == maxWarmPings {
			break
		}
		if ap, ok := fromNodeAddr(ni.Addr); ok {
			known = append(known, anacrolixdht.NewAddr(udpAddr(ap)))
		}
	}
	n.pingAll(ctx, f, known)
	if good = f.srv.Stats().GoodNodes; good >= n.cfg.MinGoodNodes || ctx.Err() != nil {
		return good
	}
	// Still too few: the configured bootstrap nodes.
	n.pingAll(ctx, f, addrs)
	if len(addrs) > 0 && ctx.Err() == nil {
		_, _ = f.srv.BootstrapContext(ctx)
	}
	return f.srv.Stats().GoodNodes
}

// minLostSweep bounds how often the RTT meter is swept for lost queries.
const minLostSweep = 50 * time.Millisecond

// maxWarmPings bounds how many held contacts one attempt pings.
const maxWarmPings = 64

// pingAll pings addrs, 16 at a time, each bounded by QueryTimeout. A reply
// adds or refreshes the node in the routing table.
func (n *Node) pingAll(ctx context.Context, f *family, addrs []anacrolixdht.Addr) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, a := range addrs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			qctx, qcancel := context.WithTimeout(ctx, n.cfg.QueryTimeout)
			defer qcancel()
			f.srv.Query(qctx, a, "ping", anacrolixdht.QueryInput{})
		}()
	}
	wg.Wait()
}

// startingNodes resolves the configured bootstrap nodes of one family. It
// is the library's StartingNodes: never anything but our configuration.
func (n *Node) startingNodes(four bool) ([]anacrolixdht.Addr, error) {
	aps := resolveHostPorts(n.ctx, n.cfg.Bootstrap, four)
	n.noteBootstrap(aps)
	out := make([]anacrolixdht.Addr, 0, len(aps))
	for _, ap := range aps {
		out = append(out, anacrolixdht.NewAddr(udpAddr(ap)))
	}
	if len(out) == 0 {
		return nil, errNoBootstrap
	}
	return out, nil
}

// maxBootSeen bounds the bootstrap addresses remembered (names may
// resolve differently over time); past it the oldest set is forgotten.
const maxBootSeen = 64

// noteBootstrap remembers resolved bootstrap addresses.
func (n *Node) noteBootstrap(aps []netip.AddrPort) {
	n.bootMu.Lock()
	defer n.bootMu.Unlock()
	if n.bootSeen == nil || len(n.bootSeen)+len(aps) > maxBootSeen {
		n.bootSeen = make(map[netip.AddrPort]bool)
	}
	for _, ap := range aps {
		n.bootSeen[ap] = true
	}
}

// bootstrapAddrs returns the configured bootstrap nodes' addresses: those
// given as literal addresses and those names resolved to so far. It does
// no DNS lookup.
func (n *Node) bootstrapAddrs() map[netip.AddrPort]bool {
	out := make(map[netip.AddrPort]bool)
	for _, hp := range n.cfg.Bootstrap {
		if ap, err := netip.ParseAddrPort(hp); err == nil {
			out[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())] = true
		}
	}
	n.bootMu.Lock()
	defer n.bootMu.Unlock()
	for ap := range n.bootSeen {
		out[ap] = true
	}
	return out
}

type bootstrapError string

func (e bootstrapError) Error() string { return string(e) }

const errNoBootstrap = bootstrapError("dht: no bootstrap nodes configured or resolvable")

// resolveHostPorts resolves host:port strings to endpoints of one family,
// skipping entries that do not parse or resolve; at most
// maxBootstrapAddrs are returned.
func resolveHostPorts(ctx context.Context, hostPorts []string, four bool) []netip.AddrPort {
	var out []netip.AddrPort
	seen := make(map[netip.AddrPort]bool)
	addOne := func(ap netip.AddrPort) {
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if usableAddr(ap) && ap.Addr().Is4() == four && !seen[ap] && len(out) < maxBootstrapAddrs {
			seen[ap] = true
			out = append(out, ap)
		}
	}
	for _, hp := range hostPorts {
		if ap, err := netip.ParseAddrPort(hp); err == nil {
			addOne(ap)
			continue
		}
		host, portStr, err := net.SplitHostPort(hp)
		if err != nil {
			continue
		}
		port, err := net.LookupPort("udp", portStr)
		if err != nil {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ips, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
		cancel()
		if err != nil {
			continue
		}
		for _, ip := range ips {
			addOne(netip.AddrPortFrom(ip, uint16(port)))
		}
	}
	return out
}

// backoff returns the wait after the given number of consecutive failed
// attempts: min·2^(failures-1) capped at max, then jittered to 50–150 %.
func backoff(lo, hi time.Duration, failures int) time.Duration {
	d := lo
	for i := 1; i < failures && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + randDur(d)
}

// randDur returns a uniformly random duration in [0, d); 0 for d <= 0.
func randDur(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)))
}

// sleepCtx waits for d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// housekeep saves the state file, sweeps the peer store and collects the
// RTT meter's lost queries periodically.
func (n *Node) housekeep() {
	defer n.wg.Done()
	save := time.NewTicker(n.cfg.SaveInterval)
	defer save.Stop()
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	lost := time.NewTicker(max(n.cfg.QueryTimeout/4, minLostSweep))
	defer lost.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-lost.C:
			n.rtt.sweep()
		case <-save.C:
			if n.cfg.StateFile != "" {
				if err := n.SaveState(); err != nil {
					n.cfg.Logger.Warn("dht: saving state", "file", n.cfg.StateFile, "err", err)
				}
			}
		case <-sweep.C:
			n.store.sweep()
		}
	}
}
