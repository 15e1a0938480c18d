package choker

import (
	"slices"
	"testing"
	"time"
)

// Round-robin seeding gives every interested leecher the same unchoked
// time, whatever they send us, how fast we serve them, or snubbing.
func TestSeedRoundRobinEqualTime(t *testing.T) {
	peers := idlePeers(1, 20, t0)
	for i := range peers {
		peers[i].Snubbed = i%3 == 0
	}
	s := newSim(t, Config{SeedPolicy: RoundRobin}, peers)
	s.seeding = true
	for _, p := range peers {
		s.down[p.ID] = int64(p.ID%4) * 1000
		s.up[p.ID] = int64(p.ID) * 10000
	}
	s.run(time.Hour, func(now time.Time, r Result) {
		if len(r.Unchoked) != 4 {
			t.Fatalf("+%v: %v", now.Sub(t0), r)
		}
	})
	checkFair(t, s.unchoked, ids(peers), 0.15)
}

// Every round-robin holder keeps its slot for at least one round (here: for
// the optimistic interval).
func TestSeedRoundRobinHold(t *testing.T) {
	peers := idlePeers(1, 12, t0)
	s := newSim(t, Config{}, peers)
	s.seeding = true
	since := map[PeerID]time.Time{}
	s.run(30*time.Minute, func(now time.Time, r Result) {
		for id, at := range since {
			if !slices.Contains(r.Unchoked, id) {
				if now.Sub(at) < 30*time.Second {
					t.Fatalf("+%v: peer %d held its slot only %v", now.Sub(t0), id, now.Sub(at))
				}
				delete(since, id)
			}
		}
		for _, id := range r.Unchoked {
			if _, ok := since[id]; !ok {
				since[id] = now
			}
		}
	})
}

// FastestUpload seeding ranks by what we uploaded over the window.
func TestSeedFastestUpload(t *testing.T) {
	peers := idlePeers(1, 8, t0)
	s := newSim(t, Config{SeedPolicy: FastestUpload}, peers)
	s.seeding = true
	// Peers 1..8 download from us at ID×1000 B/s while unchoked; 1, 2 and 3
	// also send us the most (irrelevant when seeding).
	for _, p := range peers {
		s.up[p.ID] = int64(p.ID) * 1000
		s.down[p.ID] = int64(9-p.ID) * 1 << 20
	}
	s.run(10*time.Minute, nil)
	if reg := regularSet(s.last); !slices.Equal(reg, []PeerID{6, 7, 8}) {
		t.Fatalf("regular %v, want the fastest downloaders [6 7 8]", reg)
	}
	// Once settled, the top three keep their slots.
	s.run(10*time.Minute, func(now time.Time, r Result) {
		if reg := regularSet(r); !slices.Equal(reg, []PeerID{6, 7, 8}) {
			t.Fatalf("+%v: regular %v", now.Sub(t0), reg)
		}
	})
}
