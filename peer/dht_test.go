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
	pc, err := net.ListenPacket("udp4", "127.0.0.130:0")
	if err != nil {
		t.Fatal(err)
	}
	boot, err := dht.New(dht.Config{Conn: pc, StartJitter: -1, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer boot.Close()
	bootAddr := []string{boot.Addr().String()}

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
