package choker

import (
	"slices"
	"testing"
	"time"
)

// The optimistic slot rotates exactly every 30 s and not in between.
func TestOptimisticRotatesEvery30s(t *testing.T) {
	for _, busy := range []bool{true, false} {
		cfg := Config{RegularSlots: NoSlots}
		if busy {
			cfg.RegularSlots = 3
		}
		peers := idlePeers(1, 10, t0)
		s := newSim(t, cfg, peers)
		if busy {
			for id := PeerID(1); id <= 3; id++ {
				s.down[id] = 1000 // keep the regular slots busy
			}
		}
		var prev []PeerID
		s.run(20*time.Minute, func(now time.Time, r Result) {
			if len(r.Optimistic) != 1 {
				t.Fatalf("+%v: optimistic %v", now.Sub(t0), r.Optimistic)
			}
			rotate := now.Sub(t0)%(30*time.Second) == 0
			if now.After(t0) && rotate == slices.Equal(prev, r.Optimistic) {
				t.Fatalf("+%v: optimistic %v -> %v (rotation due: %v)", now.Sub(t0), prev, r.Optimistic, rotate)
			}
			prev = r.Optimistic
		})
	}
}

// With a NewPeerWindow longer than the test, half the peers are new
// throughout, so they should get about NewPeerWeight (3) times as many
// optimistic unchokes as the old half.
func TestNewPeersFavoured(t *testing.T) {
	old := idlePeers(1, 5, t0.Add(-4*time.Hour))
	young := idlePeers(11, 5, t0)
	peers := append(old, young...)
	s := newSim(t, Config{RegularSlots: NoSlots, NewPeerWindow: 3 * time.Hour}, peers)
	s.run(2*time.Hour, nil)
	var nOld, nYoung int
	for _, p := range old {
		nOld += s.optimistic[p.ID]
	}
	for _, p := range young {
		nYoung += s.optimistic[p.ID]
	}
	ratio := float64(nYoung) / float64(nOld)
	t.Logf("optimistic unchokes: new %d, old %d, ratio %.2f", nYoung, nOld, ratio)
	if ratio < 2 || ratio > 4 {
		t.Errorf("new/old ratio %.2f, want about 3", ratio)
	}
}

// With the default 60 s window, newly connected peers joining a busy swarm
// are unchoked within their first minute more often than with no favour.
func TestNewPeersFavouredChurn(t *testing.T) {
	probe := func(weight int) float64 {
		peers := idlePeers(1, 8, t0)
		s := newSim(t, Config{RegularSlots: NoSlots, NewPeerWeight: weight}, peers)
		s.run(30*time.Minute, nil)
		next := PeerID(100)
		hits, trials := 0, 0
		for range 200 {
			// A newcomer stays 60 s and leaves; then 50 s of quiet.
			id := next
			next++
			s.peers = append(s.peers, Peer{ID: id, Interested: true, ConnectedAt: s.now})
			s.run(time.Minute, nil)
			if s.unchoked[id] > 0 {
				hits++
			}
			trials++
			s.peers = s.peers[:len(s.peers)-1]
			s.c.Forget(id)
			s.run(50*time.Second, nil)
		}
		return float64(hits) / float64(trials)
	}
	p1, p3 := probe(1), probe(3)
	t.Logf("newcomer unchoked within 60 s: weight 1 %.2f, weight 3 %.2f", p1, p3)
	if p3 < 2*p1 {
		t.Errorf("weight 3 (%.2f) does not favour newcomers over weight 1 (%.2f)", p3, p1)
	}
}
