package peer

import (
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/wire"
)

// Super-seeding (BEP 16), opt-in with Config.SuperSeed: a seed that is the
// only source of a new torrent (a flash crowd) should upload each piece about
// once and let the swarm copy it on. Instead of a bitfield it offers each
// peer a few pieces by HAVE — the rarest among its peers, least offered —
// and offers more only when an offered piece shows up at another peer (the
// peer passed it on), or when the peer holds it and nobody it could give it
// to lacks it, or after superSeedRelease so a slow swarm never stalls.

const (
	superSeedOffers  = 4                // pieces offered to a peer at a time
	superSeedRelease = 20 * time.Second // a held offer is replaced after this
)

func (t *torrent) superSeeding() bool { return t.cfg.SuperSeed && t.state == StateSeeding }

// superHello replaces the bitfield for a new connection while super-seeding.
func (t *torrent) superHello(c *peerConn) {
	if c.fast() {
		c.sendType(pp.HaveNone)
	}
	c.offered = map[int]time.Time{}
}

// superOffer tops up the pieces offered to c.
func (t *torrent) superOffer(c *peerConn) {
	if c.offered == nil || c.hasAll || c.has.Len() != t.numPieces {
		return
	}
	for len(c.offered) < superSeedOffers {
		p := t.superPick(c)
		if p < 0 {
			return
		}
		c.offered[p] = time.Now()
		t.offerCount[p]++
		c.send(wire.Message{Type: pp.Have, Index: uint32(p)})
	}
}

// superPick is the piece c lacks that its swarm has least of, least
// offered so far; a random start breaks ties.
func (t *torrent) superPick(c *peerConn) int {
	best, bestScore := -1, 0
	start := t.rng.IntN(t.numPieces)
	for k := 0; k < t.numPieces; k++ {
		i := (start + k) % t.numPieces
		if c.has.Has(i) {
			continue
		}
		if _, ok := c.offered[i]; ok {
			continue
		}
		score := t.pk.Availability(i)*1024 + t.offerCount[i]
		if best < 0 || score < bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// superOnHave: peer x now has piece p. Whoever was offered p and is not x
// has seen its piece passed on; x itself is released when nobody else
// connected still lacks p.
func (t *torrent) superOnHave(x *peerConn, p int) {
	for _, c := range t.conns {
		if _, ok := c.offered[p]; !ok {
			continue
		}
		if c != x || !t.someoneLacks(p, x) {
			delete(c.offered, p)
			t.superOffer(c)
		}
	}
}

func (t *torrent) someoneLacks(p int, except *peerConn) bool {
	for _, c := range t.conns {
		if c != except && !c.hasAll && c.has.Len() == t.numPieces && !c.has.Has(p) {
			return true
		}
	}
	return false
}

// superTick replaces offers a peer has held for a while without them
// spreading (its neighbours may not want them), so nobody stalls.
func (t *torrent) superTick(now time.Time) {
	if !t.superSeeding() {
		return
	}
	for _, c := range t.conns {
		for p, at := range c.offered {
			if c.has.Has(p) && now.Sub(at) >= superSeedRelease {
				delete(c.offered, p)
			}
		}
		t.superOffer(c)
	}
}
