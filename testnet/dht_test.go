package testnet

import "testing"

// TestDHTRestartScenario runs a swarm that finds peers only through the DHT
// across a cold and a warm mass restart: every leecher completes with a
// correct file, and in every phase the DHT brought peers together (a first
// lookup found peers, or a leecher was connected again: with no tracker
// every connection starts from a DHT lookup) and the bootstrap node was
// used. A first lookup can come up empty when it runs before the seed has
// announced again after a cold restart (seen once under make test's full
// load); the per-leecher success stays a logged bound.
func TestDHTRestartScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a whole swarm with DHT nodes (about 20 s)")
	}
	r := runScenario(t, "scenarios/ci-dht.yaml", nil)
	if r.Completed != r.Leechers || r.Verified != r.Leechers {
		t.Errorf("%d/%d complete, %d verified", r.Completed, r.Leechers, r.Verified)
	}
	if r.DHT == nil || len(r.DHT.Phases) != 3 {
		t.Fatalf("DHT report %+v, want 3 phases", r.DHT)
	}
	for _, ph := range r.DHT.Phases {
		if ph.Leechers != r.Leechers {
			t.Errorf("%s: %d leechers (re)started, want %d", ph.Name, ph.Leechers, r.Leechers)
		}
		if ph.LookupsFound == 0 && ph.FirstPeer == 0 {
			t.Errorf("%s: no DHT lookup found a peer and no leecher was connected again", ph.Name)
		}
		if ph.BootTotal == 0 {
			t.Errorf("%s: the bootstrap node received nothing", ph.Name)
		}
		if ph.LookupSuccess < 1 || ph.FirstPeer < ph.Needy {
			bound(t, "%s: lookups found peers %d/%d, first peer %d/%d", ph.Name, ph.LookupsFound, ph.Leechers, ph.FirstPeer, ph.Needy)
		}
	}
}
