package peer

import (
	"errors"
	"math"
	"net/netip"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// Proximity turnover (DESIGN.md §4). Dial order alone cannot keep a torrent
// that is at its connection cap near: whoever connected first holds the
// slots — peers that joined before any neighbour did, or remote peers that
// dialed us — and a neighbour that shows up later is refused. So, with
// proximity on and the cap reached, a nearer peer takes the place of the
// farthest connection: an incoming or just-dialed one replaces it at
// once, and a nearer candidate that nobody dialed yet is dialed after the
// farthest connection is closed (at most one such swap per turnoverEvery,
// so that the swarm settles). Remote connections (other AS, other /24) are
// never cut below the diversity quota, ceil(RemoteShare × cap), and the
// remote ones that stay are those that send us the most: the swarm must
// not split into islands, and an AS must keep its ways in.

// turnoverEvery spaces out the connections closed to dial nearer peers.
const turnoverEvery = 2 * time.Second

// errReplaced closes a connection whose slot went to a nearer peer.
var errReplaced = errors.New("replaced by a nearer peer (connection limit)")

// nearness is the coarse proximity level used for turnover: 2 same /24
// (/48), 1 same AS, 0 anything else. Finer differences (prefix length)
// never cause a swap, so connections do not churn over a bit or two.
func nearness(d proximity.Distance) int {
	switch {
	case d.SameNet:
		return 2
	case d.SameASN:
		return 1
	}
	return 0
}

// remoteQuota is how many remote connections turnover keeps.
func (t *torrent) remoteQuota() int {
	return int(math.Ceil(proximity.DefaultRemoteShare * float64(t.cfg.MaxConnsPerTorrent)))
}

// turnoverVictim returns the connection a peer at level would replace, or
// nil: the farthest connection strictly less near than level, the one that
// sent us least lately among equals, never a remote one at or below the
// quota. Turnover is off with proximity off.
func (t *torrent) turnoverVictim(level int, now time.Time) *peerConn {
	if t.cfg.ProximityOff || level == 0 {
		return nil
	}
	remote := 0
	for _, c := range t.conns {
		if nearness(c.dist) == 0 {
			remote++
		}
	}
	var victim *peerConn
	var vLevel int
	var vRate float64
	for _, c := range t.conns {
		l := nearness(c.dist)
		if l >= level || (l == 0 && remote <= t.remoteQuota()) {
			continue
		}
		r := c.pipe.Rate(now)
		if victim == nil || l < vLevel || (l == vLevel && r < vRate) {
			victim, vLevel, vRate = c, l, r
		}
	}
	return victim
}

// levelOf is the turnover level of an address.
func (t *torrent) levelOf(a netip.Addr) int {
	_, d := t.classify(a)
	return nearness(d)
}

// turnoverDial, at the connection cap, closes the farthest connection when
// a ready candidate is nearer, and dials that candidate. It reports
// whether it did.
func (t *torrent) turnoverDial(now time.Time, ready []netip.AddrPort) bool {
	if t.cfg.ProximityOff || t.halfOpen > 0 || now.Sub(t.lastTurnover) < turnoverEvery || len(ready) == 0 {
		return false
	}
	best := t.orderCandidates(ready, 1)
	if len(best) == 0 {
		return false
	}
	victim := t.turnoverVictim(nearness(best[0].Distance), now)
	if victim == nil {
		return false
	}
	c := t.cands.m[best[0].Addr]
	if c == nil {
		return false
	}
	t.lastTurnover = now
	t.log.Debug("turnover: dialing a nearer peer", "dial", best[0].Addr, "class", best[0].Class, "closing", victim.addr)
	t.dropConn(victim, errReplaced)
	c.class = best[0].Class.String()
	c.nextTry = now.Add(dialTimeout + 5*time.Second)
	t.halfOpen++
	go t.dial(c.addr, c.src, c.encrypt)
	return true
}
