package peer

import (
	"net/netip"
	"time"
)

// maxCandidates bounds the address book per torrent.
const maxCandidates = 2000

type candidate struct {
	addr     netip.AddrPort
	src      Source
	failures int
	nextTry  time.Time
	encrypt  bool   // retry with MSE: a plaintext attempt was refused
	class    string // why proximity ranking chose it (for Stats)
}

// candidates is a torrent's address book of peers to dial, with backoff
// after failures. Issue order is first-come within the earliest-ready set;
// proximity ranking plugs in here.
type candidates struct {
	m     map[netip.AddrPort]*candidate
	order []netip.AddrPort
}

func newCandidates() *candidates { return &candidates{m: map[netip.AddrPort]*candidate{}} }

func (cs *candidates) add(a netip.AddrPort, src Source) {
	a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	if !a.IsValid() || a.Port() == 0 || a.Addr().IsUnspecified() || a.Addr().IsMulticast() {
		return
	}
	if c, ok := cs.m[a]; ok {
		if src == SourceManual {
			c.src = src
		}
		return
	}
	if len(cs.m) >= maxCandidates {
		return
	}
	cs.m[a] = &candidate{addr: a, src: src}
	cs.order = append(cs.order, a)
}

// ready lists the candidates that may be dialed now and skip does not reject.
func (cs *candidates) ready(now time.Time, skip func(netip.AddrPort) bool) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range cs.order {
		c := cs.m[a]
		if c == nil || now.Before(c.nextTry) || skip(a) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// failed backs a candidate off exponentially; after 6 failures it is dropped.
func (cs *candidates) failed(a netip.AddrPort, now time.Time) {
	c := cs.m[a]
	if c == nil {
		return
	}
	c.failures++
	if c.failures > 6 && c.src != SourceManual {
		cs.remove(a)
		return
	}
	c.nextTry = now.Add(time.Duration(15<<min(c.failures, 6)) * time.Second)
}

// connected resets a candidate's backoff; after it disconnects it may be
// dialed again once the delay passes.
func (cs *candidates) connected(a netip.AddrPort, now time.Time) {
	if c := cs.m[a]; c != nil {
		c.failures = 0
		c.nextTry = now.Add(30 * time.Second)
	}
}

func (cs *candidates) remove(a netip.AddrPort) {
	delete(cs.m, a)
	for i, x := range cs.order {
		if x == a {
			cs.order = append(cs.order[:i], cs.order[i+1:]...)
			break
		}
	}
}

func (cs *candidates) resetBackoff() {
	for _, c := range cs.m {
		c.nextTry = time.Time{}
	}
}

func (cs *candidates) len() int { return len(cs.m) }
