package peer

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// clientAt starts a client on ip with the three-AS loopback table
// (127.A.0.0/16 = AS A), no DHT and no PEX.
func clientAt(t *testing.T, ip string, mod func(*Config)) *Client {
	t.Helper()
	return newClientOn(t, ip, func(c *Config) {
		c.Locator, c.NoDHT, c.DisablePEX = proximity.LoopbackTable(3), true, true
		if mod != nil {
			mod(c)
		}
	})
}

// peerAddrs lists the IPs tor is connected to, sorted.
func peerAddrs(tor *Torrent) []string {
	var out []string
	for _, p := range tor.Stats().Peers {
		out = append(out, p.Addr.Addr().String())
	}
	slices.Sort(out)
	return out
}

func waitPeers(t *testing.T, tor *Torrent, want []string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		got := peerAddrs(tor)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connected to %v, want %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTurnover: a leecher in AS 1 capped at two connections holds a slow
// seed in AS 2 and an idle leecher in AS 3 when a neighbour from its own
// /24 appears — dialing in, or announced to it. With proximity on the
// neighbour takes the idle remote peer's slot (the seed stays: the remote
// quota keeps one remote connection, the one that sends the most); with
// proximity off the neighbour is refused and nothing changes.
func TestTurnover(t *testing.T) {
	for _, tc := range []struct {
		name     string
		off      bool
		incoming bool
	}{{"incoming", false, true}, {"announced", false, false}, {"incoming, proximity off", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			seedDir := t.TempDir()
			mi := makeTorrent(t, seedDir, "payload.bin", 8<<20, 256<<10)
			seed := clientAt(t, "127.2.0.1", func(c *Config) { c.DataDir = seedDir; c.UploadRate = 128 << 10 })
			st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
			if err != nil {
				t.Fatal(err)
			}
			waitComplete(t, st, 30*time.Second)
			ctx := context.Background()
			l := clientAt(t, "127.1.0.1", func(c *Config) { c.MaxConnsPerTorrent = 2; c.ProximityOff = tc.off })
			lt, err := l.Add(ctx, mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
			if err != nil {
				t.Fatal(err)
			}
			waitPeers(t, lt, []string{"127.2.0.1"}, 10*time.Second)
			r := clientAt(t, "127.3.0.1", nil)
			if _, err := r.Add(ctx, mi, AddOptions{Peers: []string{l.ListenAddr().String()}}); err != nil {
				t.Fatal(err)
			}
			waitPeers(t, lt, []string{"127.2.0.1", "127.3.0.1"}, 10*time.Second)

			n := clientAt(t, "127.1.0.2", nil)
			var nPeers []string
			if tc.incoming {
				nPeers = []string{l.ListenAddr().String()}
			}
			nt, err := n.Add(ctx, mi, AddOptions{Peers: nPeers})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.incoming {
				// Announce it once it has checked its (empty) data and
				// accepts connections for the torrent.
				for deadline := time.Now().Add(10 * time.Second); nt.Stats().State == StateChecking; {
					if time.Now().After(deadline) {
						t.Fatal("neighbour still checking after 10 s")
					}
					time.Sleep(20 * time.Millisecond)
				}
				if err := lt.AddPeers([]string{n.ListenAddr().String()}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.off {
				time.Sleep(3 * time.Second)
				waitPeers(t, lt, []string{"127.2.0.1", "127.3.0.1"}, time.Second)
				return
			}
			waitPeers(t, lt, []string{"127.1.0.2", "127.2.0.1"}, 10*time.Second)
			// And it stays so: the dropped peer's redials are refused.
			time.Sleep(3 * time.Second)
			if got := peerAddrs(lt); !slices.Equal(got, []string{"127.1.0.2", "127.2.0.1"}) {
				t.Fatalf("after settling: connected to %v", got)
			}
		})
	}
}
