package peer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// One seed and five leechers on loopback, leechers knowing only the seed:
// everyone completes with identical files, and leechers trade among
// themselves (PEX and incoming connections), not only with the seed.
func TestSwarmSeedFiveLeechers(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "payload.bin", 24<<20+12345, 256<<10)
	seed := newTestClient(t, 10, func(c *Config) { c.DataDir = seedDir; c.UploadRate = 8 << 20 })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second) // verifies existing data
	seedAddr := seed.ListenAddr().String()

	var leechers []*Torrent
	for i := 0; i < 5; i++ {
		c := newTestClient(t, 11+i, nil)
		tor, err := c.Add(context.Background(), mi, AddOptions{Peers: []string{seedAddr}, Seed: true})
		if err != nil {
			t.Fatal(err)
		}
		leechers = append(leechers, tor)
	}
	for i, tor := range leechers {
		waitComplete(t, tor, 3*time.Minute)
		sameFile(t, filepath.Join(seedDir, "payload.bin"), filepath.Join(tor.t.dataDir, "payload.bin"))
		if s := tor.Stats(); s.Progress != 1 || s.PiecesHave != s.NumPieces {
			t.Fatalf("leecher %d: progress %v", i, s.Progress)
		}
	}
	// The seed was capped at 8 MiB/s: peers must have uploaded to each other.
	var peerUpload int64
	for _, tor := range leechers {
		peerUpload += tor.Stats().Uploaded
	}
	if peerUpload == 0 {
		t.Errorf("leechers uploaded nothing to each other")
	}
	t.Logf("seed uploaded %d bytes, leechers uploaded %d bytes among themselves", st.Stats().Uploaded, peerUpload)
}

// A leecher that has only a magnet link fetches the info dictionary from the
// seed (BEP 9), then the data.
func TestMagnetOnlyLeecher(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "magnet.bin", 3<<20+7, 64<<10)
	seed := newTestClient(t, 20, func(c *Config) { c.DataDir = seedDir })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)

	spec, err := specFromMetaInfo(mi)
	if err != nil {
		t.Fatal(err)
	}
	magnet := (&Spec{InfoHash: spec.InfoHash, Name: "magnet.bin"}).Magnet()
	leech := newTestClient(t, 21, nil)
	lt, err := leech.Add(context.Background(), magnet, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	if s := lt.Stats(); s.HaveInfo {
		t.Fatalf("a magnet leecher should start without metadata")
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "magnet.bin"), filepath.Join(lt.t.dataDir, "magnet.bin"))
}

// A seed whose data was corrupted on disk after it verified sends bad blocks.
// The leecher puts it on parole, then bans it, and completes correctly from
// an honest seed.
func TestCorruptPeerBanned(t *testing.T) {
	goodDir, badDir := t.TempDir(), t.TempDir()
	mi := makeTorrent(t, goodDir, "c.bin", 4<<20, 64<<10)
	orig, err := os.ReadFile(filepath.Join(goodDir, "c.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badDir, "c.bin"), orig, 0o644); err != nil {
		t.Fatal(err)
	}
	good := newTestClient(t, 30, func(c *Config) { c.DataDir = goodDir; c.UploadRate = 1 << 20 })
	bad := newTestClient(t, 31, func(c *Config) { c.DataDir = badDir })
	for _, c := range []*Client{good, bad} {
		tor, err := c.Add(context.Background(), mi, AddOptions{Seed: true})
		if err != nil {
			t.Fatal(err)
		}
		waitComplete(t, tor, 30*time.Second)
	}
	// Now corrupt the bad seed's file in place: it still claims every piece.
	junk := make([]byte, len(orig))
	for i := range junk {
		junk[i] = orig[i] ^ 0x5a
	}
	if err := os.WriteFile(filepath.Join(badDir, "c.bin"), junk, 0o644); err != nil {
		t.Fatal(err)
	}
	leech := newTestClient(t, 32, nil)
	lt, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{bad.ListenAddr().String(), good.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, lt, 2*time.Minute)
	sameFile(t, filepath.Join(goodDir, "c.bin"), filepath.Join(lt.t.dataDir, "c.bin"))
	s := lt.Stats()
	if s.HashFailures == 0 {
		t.Fatalf("expected hash failures from the corrupt seed")
	}
	var banned bool
	lt.t.call(func(tt *torrent) { banned = tt.banned[bad.ListenAddr().Addr()] })
	if !banned {
		t.Fatalf("corrupt seed %s was not banned (hash failures %d)", bad.ListenAddr(), s.HashFailures)
	}
	t.Logf("hash failures %d, wasted %d bytes", s.HashFailures, s.Wasted)
}

// A download stopped mid-way resumes from its resume state: pieces verified
// before the stop are not downloaded again.
func TestResumeAfterStop(t *testing.T) {
	seedDir, leechDir := t.TempDir(), t.TempDir()
	const size = 8 << 20
	mi := makeTorrent(t, seedDir, "r.bin", size, 64<<10)
	seed := newTestClient(t, 40, func(c *Config) { c.DataDir = seedDir; c.UploadRate = 2 << 20 })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)

	first := newTestClient(t, 41, func(c *Config) { c.DataDir = leechDir })
	ft, err := first.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for ft.Stats().Progress < 0.3 {
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %+v", ft.Stats().Progress)
		}
		time.Sleep(50 * time.Millisecond)
	}
	first.Close()
	before := ft.Stats()
	if before.PiecesHave == 0 || before.PiecesHave == before.NumPieces {
		t.Fatalf("stopped at %d/%d pieces: want a partial download", before.PiecesHave, before.NumPieces)
	}

	second := newTestClient(t, 42, func(c *Config) { c.DataDir = leechDir })
	sec, err := second.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, sec, 2*time.Minute)
	sameFile(t, filepath.Join(seedDir, "r.bin"), filepath.Join(leechDir, "r.bin"))
	after := sec.Stats()
	left := int64(size) - int64(before.PiecesHave)*(64<<10)
	// Allow endgame duplicates and in-flight blocks, but not a re-download.
	if after.Downloaded > left+left/4+(256<<10) {
		t.Fatalf("second session downloaded %d bytes; only %d were missing (had %d pieces)", after.Downloaded, left, before.PiecesHave)
	}
	t.Logf("first session %d pieces; second session downloaded %d of %d missing bytes", before.PiecesHave, after.Downloaded, left)
}

// Peer exchange: two leechers that know only the seed (no tracker, no DHT)
// are introduced by the seed's PEX messages and connect to each other.
func TestPEXIntroducesPeers(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "pex.bin", 8<<20, 64<<10)
	noDHT := func(c *Config) { c.NoDHT = true }
	seed := newTestClient(t, 100, func(c *Config) { c.DataDir = seedDir; c.UploadRate = 512 << 10; c.NoDHT = true })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	a := newTestClient(t, 101, noDHT)
	at, err := a.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}, Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	firstPeer(t, at)
	// Let the seed's first PEX to a go by, so the introduction comes from a
	// message sent after b connected.
	time.Sleep(3 * time.Second)
	b := newTestClient(t, 102, noDHT)
	bt, err := b.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}, Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	viaPEX := func(tor *Torrent, other *Client) bool {
		for _, p := range tor.Stats().Peers {
			if p.Addr.Addr() == other.ListenAddr().Addr() && p.Source == SourcePEX {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if viaPEX(bt, a) || viaPEX(at, b) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("a and b never connected through PEX; b's peers: %+v", bt.Stats().Peers)
}
