package peer

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/dht"
)

// A magnet link with no trackers and no peer addresses downloads between
// shoal peers through the DHT alone: the seed announces itself through a
// bootstrap node, the leecher finds it by lookup, fetches the metadata and
// the data.
func TestMagnetOverDHTOnly(t *testing.T) {
	boot, bootAddr := dhtNodeOn(t, "127.0.0.130", nil)

	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "dht.bin", 2<<20, 64<<10)
	seed := newTestClient(t, 131, func(c *Config) { c.DataDir = seedDir; c.DHTBootstrap = bootAddr; c.UploadRate = 1 << 20 })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	deadline := time.Now().Add(45 * time.Second)
	for boot.Stats().Peers == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the seed's announce never reached the bootstrap node: %+v", boot.Stats())
		}
		time.Sleep(50 * time.Millisecond)
	}

	spec, err := specFromMetaInfo(mi)
	if err != nil {
		t.Fatal(err)
	}
	magnet := (&Spec{InfoHash: spec.InfoHash}).Magnet() // no tr=, no x.pe=
	leech := newTestClient(t, 132, func(c *Config) { c.DHTBootstrap = bootAddr })
	lt, err := leech.Add(context.Background(), magnet, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := firstPeer(t, lt); p.Source != SourceDHT || p.Addr.Addr() != seed.ListenAddr().Addr() {
		t.Fatalf("first peer %s from %s; want the seed, from the DHT", p.Addr, p.Source)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "dht.bin"), filepath.Join(lt.t.dataDir, "dht.bin"))
	if s := lt.Stats(); s.DHTNodes == 0 {
		t.Errorf("leecher reports no DHT nodes")
	}
}

// A leecher whose first DHT lookup finds nobody — the seed has not
// announced yet, as after a whole swarm restarts — looks again within
// seconds, not after the minute a torrent with few peers otherwise waits.
func TestDHTEmptyLookupRetried(t *testing.T) {
	_, bootAddr := dhtNodeOn(t, "127.0.0.133", nil)

	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "retry.bin", 1<<20, 64<<10)
	leech := newTestClient(t, 134, func(c *Config) { c.DHTBootstrap = bootAddr })
	lt, err := leech.Add(context.Background(), mi, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	emptyLookups := func() (n int) {
		lt.t.call(func(tt *torrent) { n = tt.dhtEmpty })
		return n
	}
	for emptyLookups() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the leecher's first DHT lookup did not end empty within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The seed runs no DHT itself: a separate node on its address announces
	// it, so only the leecher's own lookups can bring the two together.
	start := time.Now()
	// The seed's upload cap keeps the download (and so the connection,
	// which two seeds drop) open for seconds, long enough to be seen.
	seed := newTestClient(t, 135, func(c *Config) { c.DataDir = seedDir; c.NoDHT = true; c.UploadRate = 256 << 10 })
	if _, err := seed.Add(context.Background(), mi, AddOptions{Seed: true}); err != nil {
		t.Fatal(err)
	}
	sn, _ := dhtNodeOn(t, "127.0.0.135", bootAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range sn.Announce(ctx, lt.InfoHash(), int(seed.ListenAddr().Port())).C {
	}
	for {
		s := lt.Stats()
		if p := s.Peers; len(p) > 0 {
			if p[0].Source != SourceDHT {
				t.Fatalf("first peer %s from %s, want the DHT", p[0].Addr, p[0].Source)
			}
			t.Logf("found the seed %v after it started", time.Since(start).Round(10*time.Millisecond))
			break
		}
		if s.State == StateSeeding {
			// Done between two polls: the DHT is its only peer source.
			t.Logf("downloaded from the seed %v after it started", time.Since(start).Round(10*time.Millisecond))
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("no peer 30 s after the seed started (the lonely re-lookup waits %v)", dhtLonelyEvery)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDHTRetryAfter(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{1, 2 * time.Second}, {2, 4 * time.Second}, {5, 32 * time.Second}, {6, time.Minute}, {100, time.Minute}} {
		if got := dhtRetryAfter(c.n); got != c.want {
			t.Errorf("dhtRetryAfter(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// dhtNodeOn starts a DHT node on ip (any UDP port) that bootstraps from
// boot, closed when the test ends; it returns the node and its address as
// a bootstrap list.
func dhtNodeOn(t *testing.T, ip string, boot []string) (*dht.Node, []string) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := dht.New(dht.Config{Conn: pc, StartJitter: -1, Bootstrap: boot, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, []string{n.Addr().String()}
}
