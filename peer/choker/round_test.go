package choker

import (
	"slices"
	"testing"
	"time"
)

func TestRoundOnlyAtBoundaries(t *testing.T) {
	c := New(Config{Rand: testRand()}, t0)
	peers := idlePeers(1, 10, t0)
	if !c.Due(t0) || !c.NextRound().Equal(t0) {
		t.Fatal("first round not due at New's time")
	}
	r0 := c.Round(t0, peers, false)
	if len(r0.Unchoked) != 4 {
		t.Fatalf("first round: %v", r0)
	}
	if want := t0.Add(10 * time.Second); !c.NextRound().Equal(want) {
		t.Fatalf("NextRound = %v, want %v", c.NextRound(), want)
	}
	// Between rounds nothing is due and nothing changes, whatever the input.
	changed := slices.Clone(peers)
	for i := range changed {
		changed[i].Downloaded = int64(i+1) << 20
		changed[i].Interested = i%2 == 0
	}
	for s := time.Duration(0); s < 10*time.Second; s += 500 * time.Millisecond {
		now := t0.Add(s)
		if s > 0 && c.Due(now) {
			t.Fatalf("due at +%v", s)
		}
		if r := c.Round(now, changed, s%time.Second == 0); !equalResult(r, r0) {
			t.Fatalf("off-boundary Round at +%v changed the result: %v", s, r)
		}
		snap := c.Snapshot()
		if !slices.Equal(snap.Unchoked, r0.Unchoked) || !slices.Equal(snap.Optimistic, r0.Optimistic) {
			t.Fatalf("snapshot changed: %+v", snap)
		}
	}
	if !c.Due(t0.Add(10 * time.Second)) {
		t.Fatal("second round not due")
	}
}

// Off-boundary calls must not touch state (nor consume randomness): a
// choker polled every 100 ms ends up exactly like one called only on the
// round grid.
func TestOffBoundaryCallsAreInvisible(t *testing.T) {
	grid := New(Config{Rand: testRand()}, t0)
	polled := New(Config{Rand: testRand()}, t0)
	peers := idlePeers(1, 12, t0)
	for i := range peers {
		peers[i].Snubbed = i%5 == 0
	}
	for step := time.Duration(0); step <= 10*time.Minute; step += 100 * time.Millisecond {
		now := t0.Add(step)
		for i := range peers {
			peers[i].Downloaded += int64(i%4) * 100
		}
		rp := polled.Round(now, peers, false)
		if grid.Due(now) {
			rg := grid.Round(now, peers, false)
			if !equalResult(rg, rp) {
				t.Fatalf("+%v: grid %v, polled %v", step, rg, rp)
			}
		}
	}
}

func TestLateCallerReanchorsGrid(t *testing.T) {
	c := New(Config{Rand: testRand()}, t0)
	peers := idlePeers(1, 3, t0)
	c.Round(t0.Add(500*time.Millisecond), peers, false)
	if want := t0.Add(10 * time.Second); !c.NextRound().Equal(want) {
		t.Fatalf("slightly late round moved the grid: %v", c.NextRound())
	}
	late := t0.Add(95 * time.Second)
	c.Round(late, peers, false)
	if want := late.Add(10 * time.Second); !c.NextRound().Equal(want) {
		t.Fatalf("after a stall NextRound = %v, want %v", c.NextRound(), want)
	}
}

func TestNotInterestedNeverUnchoked(t *testing.T) {
	peers := idlePeers(1, 6, t0)
	for i := range 3 {
		peers[i].Interested = false
	}
	for _, seeding := range []bool{false, true} {
		s := newSim(t, Config{}, slices.Clone(peers))
		s.seeding = seeding
		for _, p := range peers {
			s.down[p.ID] = int64(p.ID) * 1000
			s.up[p.ID] = int64(p.ID) * 1000
		}
		s.run(10*time.Minute, func(_ time.Time, r Result) {
			for _, id := range r.Unchoked {
				if id <= 3 {
					t.Fatalf("seeding=%v: uninterested peer %d unchoked: %v", seeding, id, r)
				}
			}
		})
	}
}

func TestForgetFreesSlot(t *testing.T) {
	c := New(Config{Rand: testRand()}, t0)
	peers := idlePeers(1, 4, t0)
	r := c.Round(t0, peers, false)
	if len(r.Unchoked) != 4 {
		t.Fatalf("%v", r)
	}
	c.Forget(2)
	if c.Unchoked(2) || slices.Contains(c.Snapshot().Unchoked, 2) {
		t.Fatal("forgotten peer still unchoked")
	}
	peers = append(slices.Delete(peers, 1, 2), Peer{ID: 9, Interested: true, ConnectedAt: t0})
	if !c.OnInterested(t0.Add(time.Second), peers, 9, false) {
		t.Fatal("freed slot not given to a newly interested peer")
	}
	// A peer missing from the list at a round is forgotten too.
	r = c.Round(t0.Add(10*time.Second), peers[:2], false)
	for _, id := range r.Unchoked {
		if !slices.Contains(ids(peers[:2]), id) {
			t.Fatalf("departed peer %d unchoked: %v", id, r)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	c := New(Config{}, t0)
	cfg := c.cfg
	if cfg.RegularSlots != 3 || cfg.OptimisticSlots != 1 || cfg.RoundInterval != 10*time.Second ||
		cfg.OptimisticInterval != 30*time.Second || cfg.RateWindow != 20*time.Second ||
		cfg.NewPeerWindow != time.Minute || cfg.NewPeerWeight != 3 || cfg.Rand == nil {
		t.Fatalf("defaults: %+v", cfg)
	}
	c = New(Config{RegularSlots: NoSlots, OptimisticSlots: -5, NewPeerWeight: -1}, t0)
	if c.cfg.RegularSlots != 0 || c.cfg.OptimisticSlots != 0 || c.cfg.NewPeerWeight != 1 {
		t.Fatalf("none: %+v", c.cfg)
	}
	if r := c.Round(t0, idlePeers(1, 3, t0), false); len(r.Unchoked) != 0 {
		t.Fatalf("no slots but unchoked %v", r)
	}
}
