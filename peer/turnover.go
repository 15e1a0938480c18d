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
// remote ones that stay are those that send us the most; a torrent whose
// slots all went to neighbours gives its least near one up for a remote
// peer. The swarm must not split into islands: an AS must keep its ways in.

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
// nil. A near peer (level > 0) replaces the farthest connection strictly
// less near, never a remote one at or below the quota; a remote peer
// replaces the least near connection only while remote connections are
// below the quota (a torrent whose slots all went to its neighbours must
// still reach the rest of the swarm). Among equals the one that sent us
// least lately goes. Turnover is off with proximity off.
func (t *torrent) turnoverVictim(level int, now time.Time) *peerConn {
	if t.cfg.ProximityOff {
		return nil
	}
	remote := 0
	for _, c := range t.conns {
		if nearness(c.dist) == 0 {
			remote++
		}
	}
	quota := t.remoteQuota()
	if level == 0 && remote >= quota {
		return nil
	}
	var victim *peerConn
	var vLevel int
	var vRate float64
	for _, c := range t.conns {
		l := nearness(c.dist)
		switch {
		case level == 0 && l == 0: // a remote peer replaces only a near one
			continue
		case level > 0 && (l >= level || (l == 0 && remote <= quota)):
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

// turnoverDue reports whether a connection at the cap may be swapped for a
// better candidate now: proximity on, the cap reached with no dial under
// way, and turnoverEvery since the last look. It counts as the look, so the
// candidates are ranked for this at most once per turnoverEvery, not on
// every tick of the event loop.
func (t *torrent) turnoverDue(now time.Time) bool {
	if t.cfg.ProximityOff || t.halfOpen > 0 || len(t.conns) < t.cfg.MaxConnsPerTorrent || now.Sub(t.lastTurnover) < turnoverEvery {
		return false
	}
	t.lastTurnover = now
	return true
}

// turnoverDial, at the connection cap, closes a connection to dial a
// better candidate: a remote one while remote connections are below the
// quota, else the nearest ready candidate when it is nearer than the
// farthest connection.
func (t *torrent) turnoverDial(now time.Time, ready []netip.AddrPort) {
	var pick netip.AddrPort
	var class string
	var victim *peerConn
	if v := t.turnoverVictim(0, now); v != nil {
		// Below the remote quota: any remote candidate, at random.
		var remote []netip.AddrPort
		for _, a := range ready {
			if t.levelOf(a.Addr()) == 0 {
				remote = append(remote, a)
			}
		}
		if len(remote) > 0 {
			pick, class, victim = remote[t.rng.IntN(len(remote))], proximity.ClassRemote.String(), v
		}
	}
	if victim == nil {
		best := t.orderCandidates(ready, 1)
		if len(best) == 0 {
			return
		}
		if victim = t.turnoverVictim(nearness(best[0].Distance), now); victim == nil {
			return
		}
		pick, class = best[0].Addr, best[0].Class.String()
	}
	c := t.cands.m[pick]
	if c == nil {
		return
	}
	// The victim stays until the dial succeeds: onConnected then finds it
	// again (or a better one) and closes it, so a failed dial costs nothing.
	t.log.Debug("turnover: dialing a better-placed peer", "dial", pick, "class", class, "would close", victim.addr)
	c.class = class
	c.nextTry = now.Add(dialTimeout + 5*time.Second)
	t.halfOpen++
	go t.dial(c.addr, c.src, c.encrypt)
}
