package peer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
)

// TestLocalityOneCopyIn: three leechers in AS 2, connected to each other,
// then to a seed in AS 1. With proximity on they ask the remote seed only
// for pieces none of them has or has claimed, so the seed sends about one
// copy of the file into AS 2 and the leechers trade the rest among
// themselves (1.00 copies over many runs); with proximity off they take
// 1.3-1.5 copies from it.
func TestLocalityOneCopyIn(t *testing.T) {
	for _, off := range []bool{false, true} {
		name := "proximity on"
		if off {
			name = "proximity off"
		}
		t.Run(name, func(t *testing.T) {
			const size = 4 << 20
			seedDir := t.TempDir()
			mi := makeTorrent(t, seedDir, "payload.bin", size, 64<<10)
			seed := clientAt(t, "127.1.0.1", func(c *Config) { c.DataDir = seedDir; c.UploadRate = 4 << 20; c.ProximityOff = off })
			st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
			if err != nil {
				t.Fatal(err)
			}
			waitComplete(t, st, 30*time.Second)

			var cls []*Client
			for _, ip := range []string{"127.2.0.1", "127.2.0.2", "127.2.0.3"} {
				cls = append(cls, clientAt(t, ip, func(c *Config) { c.UploadRate = 2 << 20; c.ProximityOff = off }))
			}
			var tors []*Torrent
			for i, c := range cls {
				var peers []string
				for _, o := range cls[:i] {
					peers = append(peers, o.ListenAddr().String())
				}
				tor, err := c.Add(context.Background(), mi, AddOptions{Peers: peers, Seed: true})
				if err != nil {
					t.Fatal(err)
				}
				waitChecked(t, tor)
				tors = append(tors, tor)
			}
			for _, tor := range tors {
				waitPeers(t, tor, neighboursOf(tor, "127.2.0.1", "127.2.0.2", "127.2.0.3"), 10*time.Second)
			}
			for _, tor := range tors {
				if err := tor.AddPeers([]string{seed.ListenAddr().String()}); err != nil {
					t.Fatal(err)
				}
			}
			for _, tor := range tors {
				waitComplete(t, tor, time.Minute)
			}
			up := float64(st.Stats().Uploaded) / size
			t.Logf("the seed sent %.2f copies into AS 2", up)
			if !off && up > 1.1 {
				t.Errorf("the seed sent %.2f copies into AS 2 with proximity on, want about 1", up)
			}
		})
	}
}

// waitChecked waits until tor has checked its data and accepts peers.
func waitChecked(t *testing.T, tor *Torrent) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); tor.Stats().State == StateChecking; {
		if time.Now().After(deadline) {
			t.Fatal("still checking after 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// neighboursOf lists ips without tor's own address.
func neighboursOf(tor *Torrent, ips ...string) []string {
	self := tor.t.cl.ListenAddr().Addr().String()
	var out []string
	for _, ip := range ips {
		if ip != self {
			out = append(out, ip)
		}
	}
	return out
}

// TestLocalityEndgameAsksRemote: a leecher in AS 2 lacks its last two
// pieces; its only neighbour, a seed in AS 2, uploads at 8 KiB/s, and a
// fast seed sits in AS 1. Before the endgame the remote seed is asked for
// nothing (every piece is near); once every missing block has been asked
// for, the restriction lifts and the remote seed brings the last blocks.
// Without the lift the remote seed sends nothing and every byte waits on
// the slow neighbour.
func TestLocalityEndgameAsksRemote(t *testing.T) {
	const size, pieceLen = 1 << 20, 64 << 10
	// The last two pieces fail their check.
	mi, seedDir, leechDir, data := partialCopy(t, size, pieceLen, size-2*pieceLen)

	far := clientAt(t, "127.1.0.1", func(c *Config) { c.DataDir = seedDir; c.UploadRate = 4 << 20 })
	farTor, err := far.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, farTor, 30*time.Second)
	slow := clientAt(t, "127.2.0.1", func(c *Config) { c.DataDir = seedDir; c.UploadRate = 8 << 10 })
	slowTor, err := slow.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, slowTor, 30*time.Second)

	leech := clientAt(t, "127.2.0.2", func(c *Config) { c.DataDir = leechDir })
	tor, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{slow.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	waitChecked(t, tor)
	if got := tor.Stats().PiecesHave; got != 14 {
		t.Fatalf("leecher verified %d pieces of its partial file, want 14", got)
	}
	waitPeers(t, tor, []string{"127.2.0.1"}, 10*time.Second)
	if err := tor.AddPeers([]string{far.ListenAddr().String()}); err != nil {
		t.Fatal(err)
	}
	waitComplete(t, tor, time.Minute)
	got, err := os.ReadFile(filepath.Join(leechDir, "payload.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the leecher's file differs from the seed's")
	}
	if up := farTor.Stats().Uploaded; up == 0 {
		t.Error("the remote seed sent nothing: the endgame did not lift the locality restriction")
	} else {
		t.Logf("remote seed sent %d KiB, the slow neighbour %d KiB", up>>10, slowTor.Stats().Uploaded>>10)
	}
}

// TestRemoteSlot: a leecher in AS 2 with half the file has four neighbours
// interested in it, which take its four unchoke slots at once. A leecher in
// AS 3 then asks too: with the locality rules it takes a neighbour's slot
// (one slot of four is kept for remote peers); with proximity off it waits
// for the next round like any other peer.
func TestRemoteSlot(t *testing.T) {
	for _, off := range []bool{false, true} {
		name := "proximity on"
		if off {
			name = "proximity off"
		}
		t.Run(name, func(t *testing.T) {
			const size, pieceLen = 1 << 20, 64 << 10
			// The second half fails its check: the uploader stays a leecher.
			mi, _, upDir, _ := partialCopy(t, size, pieceLen, size/2)
			mod := func(c *Config) { c.ProximityOff = off }
			up := clientAt(t, "127.2.0.1", func(c *Config) { mod(c); c.DataDir = upDir; c.UploadRate = 16 << 10 })
			upTor, err := up.Add(context.Background(), mi, AddOptions{})
			if err != nil {
				t.Fatal(err)
			}
			waitChecked(t, upTor)
			upAddr := up.ListenAddr().String()
			for _, ip := range []string{"127.2.0.2", "127.2.0.3", "127.2.0.4", "127.2.0.5"} {
				if _, err := clientAt(t, ip, mod).Add(context.Background(), mi, AddOptions{Peers: []string{upAddr}}); err != nil {
					t.Fatal(err)
				}
			}
			waitUnchoking(t, upTor, 4, 10*time.Second)
			// Past the first choke round (due when the torrent started), the
			// next is 10 s away: nothing but the remote slot changes the
			// unchoked set in the window watched below.
			for deadline := time.Now().Add(5 * time.Second); time.Until(upTor.Stats().Choke.NextRound) < 5*time.Second; {
				if time.Now().After(deadline) {
					t.Fatal("no choke round within 5 s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			waitUnchoking(t, upTor, 4, time.Second)

			remote := clientAt(t, "127.3.0.1", mod)
			rt, err := remote.Add(context.Background(), mi, AddOptions{Peers: []string{upAddr}})
			if err != nil {
				t.Fatal(err)
			}
			// Once the remote leecher is interested, watch for 2 s whether
			// it gets a slot.
			deadline := time.Now().Add(10 * time.Second)
			var since time.Time
			unchoked := false
			for !unchoked && (since.IsZero() || time.Since(since) < 2*time.Second) {
				if time.Now().After(deadline) {
					t.Fatal("the remote leecher never got interested in 10 s")
				}
				for _, p := range rt.Stats().Peers {
					if p.AmInterested && since.IsZero() {
						since = time.Now()
					}
					unchoked = unchoked || !p.PeerChoking
				}
				time.Sleep(20 * time.Millisecond)
			}
			if unchoked == off {
				t.Fatalf("remote leecher unchoked %v within 2 s of its interest, want %v", unchoked, !off)
			}
			if n := unchoking(upTor); n != 4 {
				t.Fatalf("the uploader unchokes %d peers, want 4", n)
			}
		})
	}
}

// unchoking counts the peers tor unchokes.
func unchoking(tor *Torrent) int {
	n := 0
	for _, p := range tor.Stats().Peers {
		if !p.AmChoking {
			n++
		}
	}
	return n
}

// waitUnchoking waits until tor unchokes n peers.
func waitUnchoking(t *testing.T, tor *Torrent, n int, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); unchoking(tor) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("unchoking %d peers after %v, want %d", unchoking(tor), d, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// partialCopy makes a torrent of size random bytes in seedDir and a copy of
// its file in dir with every byte from corruptFrom on flipped, so those
// pieces fail their check; data is the seed's file.
func partialCopy(t *testing.T, size int, pieceLen int64, corruptFrom int) (mi *metainfo.MetaInfo, seedDir, dir string, data []byte) {
	t.Helper()
	seedDir, dir = t.TempDir(), t.TempDir()
	mi = makeTorrent(t, seedDir, "payload.bin", size, pieceLen)
	data, err := os.ReadFile(filepath.Join(seedDir, "payload.bin"))
	if err != nil {
		t.Fatal(err)
	}
	partial := slices.Clone(data)
	for i := corruptFrom; i < size; i++ {
		partial[i] ^= 0xff
	}
	if err := os.WriteFile(filepath.Join(dir, "payload.bin"), partial, 0o644); err != nil {
		t.Fatal(err)
	}
	return mi, seedDir, dir, data
}
