package dht

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// testConfig is tuned for a loopback lab under -race on two shared cores.
func testConfig() Config {
	return Config{
		QueryTimeout:  time.Second,
		ResendDelay:   time.Second,
		StartJitter:   time.Second,
		BackoffMin:    300 * time.Millisecond,
		BackoffMax:    3 * time.Second,
		CheckInterval: 2 * time.Second,
		SaveInterval:  time.Hour,
		SendRate:      500,
		SendBurst:     100,
	}
}

// TestNetwork runs an in-process DHT of 200 nodes (60 with -short) over 15
// synthetic ASes and checks, in order: announced peers are found; ranking
// puts same-AS peers first and keeps the remote quota; with 30 % of the
// nodes killed, at least 97 % of lookups still succeed; a node restarted
// from its state file rejoins with its bootstrap node gone.
func TestNetwork(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 60
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	l := newLab(t, 1, n, nil, testConfig())
	l.startAll(true, nil)
	if share := l.waitHealthy(8, 0.95, 30*time.Second); share < 0.95 {
		t.Fatalf("only %.0f%% of nodes have 8 good contacts", 100*share)
	}
	swarms := l.announceSwarms(ctx, rng, 6, 12)

	// Steady state: every lookup finds announced peers.
	res := l.runLookups(ctx, rng, swarms, 40, 8)
	if ok := successes(res); ok != len(res) {
		t.Fatalf("steady state: %d/%d lookups found announced peers", ok, len(res))
	}
	checkRanking(t, res)

	// Kill 30 % of the nodes (never the bootstrap node).
	live := l.live()
	for _, k := range rng.Perm(len(live))[:len(live)*3/10] {
		l.stop(live[k])
	}
	res = l.runLookups(ctx, rng, swarms, 60, 8)
	if ok := successes(res); float64(ok) < 0.97*float64(len(res)) {
		t.Fatalf("after killing 30%%: %d/%d lookups succeeded, want ≥97%%", ok, len(res))
	} else {
		t.Logf("after killing 30%%: %d/%d lookups succeeded", ok, len(res))
	}

	// Warm restart without the bootstrap node.
	s := l.live()[0]
	l.stop(s)
	l.stop(l.boot[0])
	if err := l.start(s, false, true, func(c *Config) { c.StartJitter = -1 }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.node.Stats().GoodNodes < 8 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if g := s.node.Stats().GoodNodes; g < 8 {
		t.Fatalf("restarted node has %d good contacts, want ≥8", g)
	}
	r := lookupOnce(ctx, s, swarms[0], modeNode)
	if !r.found {
		t.Fatalf("restarted node's lookup found nothing: %+v", r.stats)
	}
}

func successes(res []lookupResult) int {
	ok := 0
	for _, r := range res {
		if r.found {
			ok++
		}
	}
	return ok
}

// checkRanking: when a lookup found a same-AS peer, the top-ranked peer is
// one; when it found peers of other ASes, the top 5 hold a quota pick.
func checkRanking(t *testing.T, res []lookupResult) {
	t.Helper()
	withSame, withRemote := 0, 0
	for _, r := range res {
		var same, other int
		for _, p := range r.ranked {
			if p.ASN == proximity.ASN(0) {
				continue
			}
			if labAS(p.Addr.Addr()) == labAS(r.from.ip) {
				same++
			} else {
				other++
			}
		}
		all := r.top
		if len(all) == 0 {
			continue
		}
		if same > 0 {
			withSame++
			if c := all[0].Class; c != proximity.ClassSameASN && c != proximity.ClassSameNet {
				t.Errorf("lookup from %v: top peer %v is %v although a same-AS peer was found", r.from.ip, all[0].Addr, c)
			}
		}
		if other > 0 && len(all) >= 2 {
			withRemote++
			quota := 0
			for _, p := range all {
				if p.Class == proximity.ClassRemote {
					quota++
				}
			}
			if quota == 0 {
				t.Errorf("lookup from %v: no remote quota pick in top %d: %+v", r.from.ip, len(all), all)
			}
		}
	}
	t.Logf("ranking checked on %d lookups with same-AS peers, %d with remote peers", withSame, withRemote)
}
