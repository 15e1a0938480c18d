package dht

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/anacrolix/dht/v2/krpc"
	peer_store "github.com/anacrolix/dht/v2/peer-store"
)

// maxPortsPerIP caps how many entries one IP may hold in one swarm, so a
// single host cannot fill an info hash's cap by announcing many ports.
const maxPortsPerIP = 8

// peerStore holds announced peers: per info hash, address → time of the
// last announce. Entries expire after ttl; each info hash keeps at most
// perHash entries (the oldest is evicted) and at most maxHashes info hashes
// are stored (new ones are refused when full). It replaces the library's
// in-memory store, which is broken up to v2.24.0.
type peerStore struct {
	ttl                       time.Duration
	perHash, maxHashes, reply int
	now                       func() time.Time

	mu     sync.Mutex
	swarms map[[20]byte]map[netip.AddrPort]time.Time
	rng    *rand.Rand
	added  uint64
}

func newPeerStore(ttl time.Duration, perHash, maxHashes, reply int, now func() time.Time) *peerStore {
	return &peerStore{
		ttl: ttl, perHash: perHash, maxHashes: maxHashes, reply: reply, now: now,
		swarms: make(map[[20]byte]map[netip.AddrPort]time.Time),
		rng:    rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
}

// add records an announce; bogus addresses are ignored.
func (s *peerStore) add(ih [20]byte, ap netip.AddrPort) bool {
	if !usableAddr(ap) {
		return false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sw := s.swarms[ih]
	if sw == nil {
		if len(s.swarms) >= s.maxHashes {
			s.sweepLocked(now)
			if len(s.swarms) >= s.maxHashes {
				return false
			}
		}
		sw = make(map[netip.AddrPort]time.Time)
		s.swarms[ih] = sw
	}
	if _, ok := sw[ap]; !ok {
		samePort := 0
		var oldest netip.AddrPort
		var oldestT time.Time
		for a, t := range sw {
			if a.Addr() == ap.Addr() {
				samePort++
			}
			if oldestT.IsZero() || t.Before(oldestT) {
				oldest, oldestT = a, t
			}
		}
		if samePort >= maxPortsPerIP {
			return false
		}
		if len(sw) >= s.perHash {
			delete(sw, oldest)
		}
	}
	sw[ap] = now
	s.added++
	return true
}

// get returns up to reply live peers of the given family, chosen at random
// when there are more.
func (s *peerStore) get(ih [20]byte, want4 bool) []netip.AddrPort {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sw := s.swarms[ih]
	out := make([]netip.AddrPort, 0, min(len(sw), s.reply))
	seen := 0
	for a, t := range sw {
		if now.Sub(t) > s.ttl {
			delete(sw, a)
			continue
		}
		if a.Addr().Is4() != want4 {
			continue
		}
		// Reservoir sampling keeps the reply a uniform sample.
		seen++
		if len(out) < s.reply {
			out = append(out, a)
		} else if j := s.rng.IntN(seen); j < s.reply {
			out[j] = a
		}
	}
	if len(sw) == 0 {
		delete(s.swarms, ih)
	}
	return out
}

// sweep drops expired entries and empty swarms.
func (s *peerStore) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(s.now())
}

func (s *peerStore) sweepLocked(now time.Time) {
	for ih, sw := range s.swarms {
		for a, t := range sw {
			if now.Sub(t) > s.ttl {
				delete(sw, a)
			}
		}
		if len(sw) == 0 {
			delete(s.swarms, ih)
		}
	}
}

// counts reports stored info hashes and peers.
func (s *peerStore) counts() (hashes, peers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sw := range s.swarms {
		peers += len(sw)
	}
	return len(s.swarms), peers
}

// storeView adapts the shared store to one server's family for the library.
type storeView struct {
	s     *peerStore
	four  bool
	onAdd func()
}

var _ peer_store.Interface = storeView{}

// AddPeer is called by the library for a valid announce_peer.
func (v storeView) AddPeer(ih peer_store.InfoHash, na krpc.NodeAddr) {
	if ap, ok := fromNodeAddr(na); ok && v.s.add(ih, ap) && v.onAdd != nil {
		v.onAdd()
	}
}

// GetPeers is called by the library to answer get_peers.
func (v storeView) GetPeers(ih peer_store.InfoHash) []krpc.NodeAddr {
	aps := v.s.get(ih, v.four)
	out := make([]krpc.NodeAddr, len(aps))
	for i, ap := range aps {
		out[i] = toNodeAddr(ap)
	}
	return out
}
