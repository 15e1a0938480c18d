package peer

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// flashCrowd runs one capped seed and n leechers that know the seed and the
// leechers started before them (as a tracker would tell them), and returns
// how many bytes the seed uploaded. With the seed alone as their source,
// peers met only through the seed's PEX, and in about one run in four one
// leecher stayed without neighbours and took a whole second copy from the
// super-seeding seed (2.1–2.3× the file; the same before and after the
// seed-turn changes).
func flashCrowd(t *testing.T, host int, superSeed bool, n int) (seedUp, size int64) {
	t.Helper()
	seedDir := t.TempDir()
	const fileSize = 6 << 20
	mi := makeTorrent(t, seedDir, "crowd.bin", fileSize, 64<<10)
	seed := newTestClient(t, host, func(c *Config) {
		c.DataDir = seedDir
		c.UploadRate = 2 << 20
		c.SuperSeed = superSeed
		c.NoDHT = true
	})
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	var ls []*Torrent
	known := []string{seed.ListenAddr().String()}
	for i := 0; i < n; i++ {
		c := newTestClient(t, host+1+i, func(c *Config) { c.NoDHT = true })
		tor, err := c.Add(context.Background(), mi, AddOptions{Peers: known, Seed: true})
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, tor)
		known = append(known[:len(known):len(known)], c.ListenAddr().String())
	}
	for _, tor := range ls {
		waitComplete(t, tor, 2*time.Minute)
		sameFile(t, filepath.Join(seedDir, "crowd.bin"), filepath.Join(tor.t.dataDir, "crowd.bin"))
	}
	return st.Stats().Uploaded, fileSize
}

// A super-seeding seed in a flash crowd uploads each piece about once: the
// swarm copies pieces on, and every leecher still completes.
func TestSuperSeedFlashCrowd(t *testing.T) {
	up, size := flashCrowd(t, 140, true, 6)
	ratio := float64(up) / float64(size)
	t.Logf("super-seeding seed uploaded %.2f× the file", ratio)
	if ratio > 1.5 {
		t.Fatalf("super-seeding seed uploaded %.2f× the file; want at most 1.5×", ratio)
	}
	if !testing.Short() {
		up, size = flashCrowd(t, 150, false, 6)
		t.Logf("for comparison, a normal seed uploaded %.2f× the file", float64(up)/float64(size))
	}
}
