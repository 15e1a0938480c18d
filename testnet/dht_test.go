package testnet

import "testing"

// TestDHTRestartScenario runs a swarm that finds peers only through the DHT
// across a cold and a warm mass restart: every leecher completes with a
// correct file, and in every phase the DHT found peers and the bootstrap
// node was used.
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
		if ph.LookupsFound == 0 {
			t.Errorf("%s: no DHT lookup found a peer", ph.Name)
		}
		if ph.BootTotal == 0 {
			t.Errorf("%s: the bootstrap node received nothing", ph.Name)
		}
		if ph.LookupSuccess < 1 || ph.FirstPeer < ph.Needy {
			bound(t, "%s: lookups found peers %d/%d, first peer %d/%d", ph.Name, ph.LookupsFound, ph.Leechers, ph.FirstPeer, ph.Needy)
		}
	}
}
