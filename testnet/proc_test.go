package testnet

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// shoalBinary is $SHOAL_BIN, or the shoal command built into a temp dir.
func shoalBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("SHOAL_BIN"); b != "" {
		return b
	}
	out := filepath.Join(t.TempDir(), "shoal")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/shoal-p2p/shoal/cmd/shoal")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building shoal: %v\n%s", err, b)
	}
	return out
}

// TestProcessesScenarios runs leechers as separate `shoal get` processes:
// a flash crowd with a tracker and a seed server, and the DHT swarm across
// its cold and warm mass restarts. Completion, verification, restarts and
// bytes by source come from the children's JSON events.
func TestProcessesScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("builds shoal and runs swarms of child processes (about a minute)")
	}
	opts := RunOptions{Binary: shoalBinary(t)}
	procs := func(sc *Scenario) { sc.Processes = true }
	check := func(t *testing.T, r *Report) {
		t.Helper()
		if !r.Processes || r.Completed != r.Leechers || r.Verified != r.Leechers {
			t.Errorf("processes %v: %d/%d complete, %d verified", r.Processes, r.Completed, r.Leechers, r.Verified)
		}
		for _, p := range r.Peers {
			if p.Downloaded < r.FileSize || p.Completed <= 0 {
				t.Errorf("%s: downloaded %d of %d, completed at %.2fs", p.Name, p.Downloaded, r.FileSize, p.Completed)
			}
		}
	}
	t.Run("flash-crowd", func(t *testing.T) {
		r := runScenarioWith(t, "scenarios/ci-flash.yaml", procs, opts)
		check(t, r)
		if r.Downloaded-r.FromSeedServers <= 0 {
			t.Errorf("no bytes from peers reported: downloaded %d, from seed servers %d", r.Downloaded, r.FromSeedServers)
		}
	})
	t.Run("dht-restart", func(t *testing.T) {
		r := runScenarioWith(t, "scenarios/ci-dht.yaml", procs, opts)
		check(t, r)
		for _, p := range r.Peers {
			if p.Restarts != 2 {
				t.Errorf("%s: %d restarts, want 2", p.Name, p.Restarts)
			}
		}
		if r.DHT == nil || !r.DHT.LookupsUnknown || len(r.DHT.Phases) != 3 {
			t.Fatalf("DHT report %+v", r.DHT)
		}
		for _, ph := range r.DHT.Phases {
			if ph.FirstPeer < ph.Needy {
				bound(t, "%s: %d of %d downloading leechers found a peer", ph.Name, ph.FirstPeer, ph.Needy)
			}
		}
	})
}
