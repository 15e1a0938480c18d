package peer

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A leecher whose one peer delivers steadily (well above the slow-peer
// endgame floor) still asks the seed server for some of its last few
// pieces, and for nothing before them. Without the rule the server serves
// nothing here. Pieces of 256 KiB make the last 4 take 1.6 s at the
// peer's 640 KiB/s, well beyond the server's round trip: with 64 KiB
// pieces the tail lasted 0.4 s, under -race the peer's copies were often
// judged to come first, and the test failed 2-5 times in 8.
func TestSeedServerHelpsWithLastPieces(t *testing.T) {
	seedDir := t.TempDir()
	const pl, n = 256 << 10, 12
	mi := makeTorrent(t, seedDir, "tail.bin", n*pl, pl)
	seed := newTestClient(t, 160, func(c *Config) { c.DataDir = seedDir; c.UploadRate = 640 << 10; c.SeedServers = SeedServersOff })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	leech := newTestClient(t, 161, nil)
	lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, nil)), AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	var tail, early []string // fallback reasons seen with ≤ and > seedTailPieces left
	samples := sampleUntilComplete(t, lt, time.Minute)
	for _, s := range samples {
		if s.FallbackReason == "" {
			continue
		}
		if s.NumPieces-s.PiecesHave <= seedTailPieces {
			tail = append(tail, s.FallbackReason)
		} else {
			early = append(early, s.FallbackReason)
		}
	}
	sameFile(t, filepath.Join(seedDir, "tail.bin"), filepath.Join(lt.t.dataDir, "tail.bin"))
	s := lt.Stats()
	t.Logf("from the seed server %d bytes, from the peer %d; reasons near the end %q", s.FromSeeds, s.FromPeers, tail)
	if len(early) > 0 {
		t.Errorf("seed server used with more than %d pieces left: %q", seedTailPieces, early)
	}
	if s.FromSeeds == 0 || s.FromSeeds > seedTailPieces*pl {
		t.Fatalf("seed server served %d bytes; want some of the last %d pieces (at most %d bytes)", s.FromSeeds, seedTailPieces, seedTailPieces*pl)
	}
	for _, r := range tail { // sampled every 100 ms: the tail may fall between
		if !strings.Contains(r, "a seed server helps") {
			t.Errorf("fallback reason near the end %q; want the last pieces' rule", r)
		}
	}
}
