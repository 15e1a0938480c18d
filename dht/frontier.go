package dht

import (
	"bytes"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/shoal-p2p/shoal/proximity"
)

type candState uint8

const (
	candFresh candState = iota
	candInFlight
	candReplied
	candFailed
)

// candidate is one node a lookup knows of.
type candidate struct {
	id    [20]byte
	addr  netip.AddrPort
	dist  [20]byte // id XOR target
	state candState
	slow  bool   // in flight and past its slow limit
	token string // from its get_peers reply, for announce_peer
	hop   int    // 1 for contacts from our table, else the naming reply's hop + 1
	via   int    // trace index of the query whose reply named it; -1 for table contacts
	trace int    // its own trace index once queried; -1 otherwise

	prox    proximity.Distance // from us, without RTT; valid when proxSet
	proxSet bool
}

// frontier is a lookup's candidate set sorted by XOR distance to the
// target. It is pure bookkeeping: no clock, no network, no goroutines.
//
// A candidate is eligible for a query while it is fresh and among the k
// closest candidates that have neither failed nor turned slow (a query
// past its slow limit: most likely a dead node, so it must not hold a
// place among the k closest while it times out; it counts again if it
// answers). The lookup has converged when no candidate is eligible and
// nothing is in flight, i.e. the k closest live candidates have all
// replied.
type frontier struct {
	target   [20]byte
	k        int
	window   int
	capacity int
	cands    []*candidate
	byAddr   map[netip.AddrPort]*candidate
	inFlight int
}

func newFrontier(target [20]byte, k, window, capacity int) *frontier {
	return &frontier{target: target, k: k, window: window, capacity: capacity,
		byAddr: make(map[netip.AddrPort]*candidate)}
}

func xorDist(a, b [20]byte) (d [20]byte) {
	for i := range d {
		d[i] = a[i] ^ b[i]
	}
	return d
}

// add inserts a candidate unless its address is already known. When over
// capacity the farthest fresh candidate is dropped.
func (f *frontier) add(id [20]byte, addr netip.AddrPort) bool {
	return f.addVia(id, addr, nil) != nil
}

// addVia is add for a contact named in parent's reply (nil: from our
// table); it returns the new candidate, or nil.
func (f *frontier) addVia(id [20]byte, addr netip.AddrPort, parent *candidate) *candidate {
	if _, ok := f.byAddr[addr]; ok {
		return nil
	}
	c := &candidate{id: id, addr: addr, dist: xorDist(id, f.target), hop: 1, via: -1, trace: -1}
	if parent != nil {
		c.hop, c.via = parent.hop+1, parent.trace
	}
	i, _ := slices.BinarySearchFunc(f.cands, c, func(a, b *candidate) int { return bytes.Compare(a.dist[:], b.dist[:]) })
	if len(f.cands) >= f.capacity {
		if i >= len(f.cands) {
			return nil
		}
		last := f.cands[len(f.cands)-1]
		if last.state != candFresh {
			return nil
		}
		delete(f.byAddr, last.addr)
		f.cands = f.cands[:len(f.cands)-1]
	}
	f.cands = slices.Insert(f.cands, i, c)
	f.byAddr[addr] = c
	return c
}

// eligible returns, in XOR order, up to max fresh candidates among the k
// closest candidates that have neither failed nor turned slow.
func (f *frontier) eligible(max int) []*candidate {
	var out []*candidate
	live := 0
	for _, c := range f.cands {
		if c.state == candFailed || c.state == candInFlight && c.slow {
			continue
		}
		if live++; live > f.k {
			break
		}
		if c.state == candFresh {
			out = append(out, c)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

// nextXOR returns the XOR-closest eligible candidate, or nil.
func (f *frontier) nextXOR() *candidate {
	if e := f.eligible(1); len(e) > 0 {
		return e[0]
	}
	return nil
}

// nextNear returns the candidate for a proximity slot, or nil when no
// candidate is eligible. It looks at the next window eligible candidates
// in XOR order and at every other fresh candidate that makes nearly the
// same progress towards the target as the XOR-closest eligible one: whose
// distance has at most slack fewer leading zero bits (none if slack < 0).
// A Kademlia reply brings candidates a few bits closer than its sender,
// whoever the sender is, so such candidates are interchangeable for
// routing, and latency is what tells them apart (proximity route
// selection). nearer(a, b) reports whether a is strictly nearer to us than
// b; ties go to the XOR-closer.
func (f *frontier) nextNear(nearer func(a, b *candidate) bool, slack int) *candidate {
	e := f.eligible(f.window)
	if len(e) == 0 {
		return nil
	}
	best := e[0]
	for _, c := range e[1:] {
		if nearer(c, best) {
			best = c
		}
	}
	if slack < 0 {
		return best
	}
	floor := leadingZeros(e[0].dist) - slack
	last := e[len(e)-1]
	for _, c := range f.cands {
		if c.state != candFresh || bytes.Compare(c.dist[:], last.dist[:]) <= 0 {
			continue
		}
		if leadingZeros(c.dist) < floor {
			break
		}
		if nearer(c, best) {
			best = c
		}
	}
	return best
}

// leadingZeros counts the leading zero bits of a distance: the prefix it
// shares with the target.
func leadingZeros(d [20]byte) int {
	for i, b := range d {
		if b != 0 {
			return 8*i + bits.LeadingZeros8(b)
		}
	}
	return 160
}

// start marks c as queried.
func (f *frontier) start(c *candidate) {
	c.state = candInFlight
	f.inFlight++
}

// markSlow records that c's query passed its slow limit unanswered.
func (f *frontier) markSlow(c *candidate) {
	if c.state == candInFlight {
		c.slow = true
	}
}

// finish records the outcome of c's query.
func (f *frontier) finish(c *candidate, ok bool, token string) {
	if c.state != candInFlight {
		return
	}
	f.inFlight--
	if ok {
		c.state, c.token = candReplied, token
	} else {
		c.state = candFailed
	}
}

// done reports convergence.
func (f *frontier) done() bool { return f.inFlight == 0 && f.nextXOR() == nil }

// closestReplied returns up to n responders in XOR order.
func (f *frontier) closestReplied(n int) []*candidate {
	var out []*candidate
	for _, c := range f.cands {
		if c.state == candReplied {
			out = append(out, c)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
