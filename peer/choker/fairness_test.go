package choker

import (
	"testing"
	"time"
)

func TestIdleFairnessDefault(t *testing.T) {
	peers := idlePeers(1, 20, t0)
	s := newSim(t, Config{}, peers)
	s.run(time.Hour, func(_ time.Time, r Result) {
		if len(r.Unchoked) != 4 || len(r.Optimistic) != 1 {
			t.Fatalf("want 3 regular + 1 optimistic, got %v", r)
		}
	})
	if s.rounds != 360 {
		t.Fatalf("rounds = %d, want 360", s.rounds)
	}
	checkFair(t, s.unchoked, ids(peers), 0.15)
}

func TestIdleFairnessOptimisticOnly(t *testing.T) {
	peers := idlePeers(1, 20, t0)
	s := newSim(t, Config{RegularSlots: NoSlots, OptimisticSlots: 1}, peers)
	s.run(time.Hour, func(_ time.Time, r Result) {
		if len(r.Unchoked) != 1 || len(r.Optimistic) != 1 {
			t.Fatalf("want 1 optimistic only, got %v", r)
		}
	})
	checkFair(t, s.unchoked, ids(peers), 0.15)
}

// A peer that joins late starts level with the least served peer instead of
// at zero, so it does not monopolise the lent slots while catching up.
func TestLateJoinerDoesNotMonopolise(t *testing.T) {
	peers := idlePeers(1, 10, t0)
	s := newSim(t, Config{}, peers)
	s.run(30*time.Minute, nil)
	s.peers = append(s.peers, Peer{ID: 99, Interested: true, ConnectedAt: s.now})
	before := s.unchoked[99]
	s.run(10*time.Minute, nil)
	got := s.unchoked[99] - before
	// Fair share of 4 slots among 11 peers over 10 min is about 218 s.
	if got > 6*time.Minute || got < time.Minute {
		t.Errorf("late joiner unchoked %v in 10 min, want about its fair share", got)
	}
	checkFair(t, s.unchoked, ids(s.peers[:10]), 0.15)
}
