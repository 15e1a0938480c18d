package choker

import (
	"slices"
	"testing"
	"time"
)

// Distinct rates: the top three senders hold the regular slots.
func TestLeecherTopUploaders(t *testing.T) {
	peers := idlePeers(1, 8, t0)
	s := newSim(t, Config{}, peers)
	for _, p := range peers {
		s.down[p.ID] = int64(p.ID) * 1000 // peer 8 fastest
	}
	s.run(5*time.Minute, func(now time.Time, r Result) {
		if now.Equal(t0) {
			return // nothing measured yet
		}
		if reg := regularSet(r); !slices.Equal(reg, []PeerID{6, 7, 8}) {
			t.Fatalf("+%v: regular %v, want [6 7 8]", now.Sub(t0), reg)
		}
		if len(r.Optimistic) != 1 || r.Optimistic[0] > 5 {
			t.Fatalf("+%v: optimistic %v", now.Sub(t0), r.Optimistic)
		}
	})
}

// Only bytes inside the rate window count: a peer that sent a lot earlier
// but nothing lately loses its slot to steady senders.
func TestLeecherRateWindow(t *testing.T) {
	peers := idlePeers(1, 5, t0)
	s := newSim(t, Config{}, peers)
	s.down[1] = 1 << 20
	for id := PeerID(2); id <= 4; id++ {
		s.down[id] = 100
	}
	s.run(time.Minute, nil)
	if !slices.Contains(regularSet(s.last), 1) {
		t.Fatalf("fast peer not regular: %v", s.last)
	}
	s.down[1] = 0
	s.run(31*time.Second, nil)
	if reg := regularSet(s.last); !slices.Equal(reg, []PeerID{2, 3, 4}) {
		t.Fatalf("regular %v after peer 1 stopped, want [2 3 4]", reg)
	}
}

// Equal rates: the peers already unchoked keep their slots.
func TestLeecherTiesPreferUnchoked(t *testing.T) {
	peers := idlePeers(1, 6, t0)
	s := newSim(t, Config{}, peers)
	for _, id := range []PeerID{2, 4, 6} {
		s.down[id] = 5000
	}
	s.run(time.Minute, nil)
	if reg := regularSet(s.last); !slices.Equal(reg, []PeerID{2, 4, 6}) {
		t.Fatalf("regular %v, want [2 4 6]", reg)
	}
	for _, id := range []PeerID{1, 3, 5} {
		s.down[id] = 5000 // now everyone ties
	}
	s.run(10*time.Minute, func(now time.Time, r Result) {
		if reg := regularSet(r); !slices.Equal(reg, []PeerID{2, 4, 6}) {
			t.Fatalf("+%v: tie moved the regular set to %v", now.Sub(t0), reg)
		}
	})
}

// A snubbed peer never gets a regular slot, however fast it was, but does
// get optimistic unchokes.
func TestLeecherSnubbedOnlyOptimistic(t *testing.T) {
	peers := idlePeers(1, 6, t0)
	peers[0].Snubbed = true
	s := newSim(t, Config{}, peers)
	for _, p := range peers {
		s.down[p.ID] = 1000
	}
	s.down[1] = 1 << 20
	s.run(30*time.Minute, func(now time.Time, r Result) {
		if slices.Contains(regularSet(r), 1) {
			t.Fatalf("+%v: snubbed peer has a regular slot: %v", now.Sub(t0), r)
		}
	})
	if s.optimistic[1] == 0 {
		t.Fatal("snubbed peer never unchoked optimistically")
	}
}

// Free regular slots are lent round-robin to zero-rate peers; the earner
// keeps its slot throughout.
func TestLeecherLentSlots(t *testing.T) {
	peers := idlePeers(1, 11, t0)
	s := newSim(t, Config{}, peers)
	s.down[1] = 1000
	s.run(time.Hour, func(now time.Time, r Result) {
		if now.After(t0) && !slices.Contains(regularSet(r), 1) {
			t.Fatalf("+%v: earner lost its slot: %v", now.Sub(t0), r)
		}
		if len(r.Unchoked) != 4 {
			t.Fatalf("+%v: slots wasted: %v", now.Sub(t0), r)
		}
	})
	checkFair(t, s.unchoked, ids(peers[1:]), 0.15)
}

// A borrower that starts sending earns its slot and keeps it.
func TestLeecherBorrowerEarns(t *testing.T) {
	peers := idlePeers(1, 10, t0)
	s := newSim(t, Config{RegularSlots: 1, OptimisticSlots: NoSlots}, peers)
	s.run(10*time.Second, nil)
	b := s.last.Unchoked[0]
	s.down[b] = 100
	s.run(10*time.Minute, func(now time.Time, r Result) {
		if !slices.Equal(r.Unchoked, []PeerID{b}) {
			t.Fatalf("+%v: reciprocating borrower %d lost its slot: %v", now.Sub(t0), b, r)
		}
	})
}
