package peer

import (
	"context"
	"crypto/sha1"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/storage"
	"github.com/shoal-p2p/shoal/peer/wire"
)

func TestMalformedTorrentsAndMagnets(t *testing.T) {
	dir := t.TempDir()
	goodInfo := map[string]any{"name": "x", "piece length": 16384, "length": 100, "pieces": string(make([]byte, 20))}
	write := func(name string, v any) string {
		p := filepath.Join(dir, name)
		var b []byte
		if s, ok := v.(string); ok {
			b = []byte(s)
		} else {
			b = bencode.MustMarshal(v)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range goodInfo {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return map[string]any{"info": m}
	}
	cases := []struct {
		name, src, want string
	}{
		{"not bencode", write("junk.torrent", "hello"), "not a bencoded torrent"},
		{"no info", write("noinfo.torrent", map[string]any{"announce": "http://x"}), "no info dictionary"},
		{"pieces not multiple of 20", write("p61.torrent", with("pieces", string(make([]byte, 61)))), "61"},
		{"path traversal", write("trav.torrent", map[string]any{"info": map[string]any{"name": "x", "piece length": 16384,
			"pieces": string(make([]byte, 20)), "files": []any{map[string]any{"length": 10, "path": []any{"..", "etc", "passwd"}}}}}), ".."},
		{"absolute path", write("abs.torrent", map[string]any{"info": map[string]any{"name": "x", "piece length": 16384,
			"pieces": string(make([]byte, 20)), "files": []any{map[string]any{"length": 10, "path": []any{"/etc/passwd"}}}}}), "passwd"},
		{"oversized piece length", write("huge.torrent", with("piece length", int64(1)<<40)), "piece length"},
		{"missing file", filepath.Join(dir, "nope.torrent"), "nope.torrent"},
		{"magnet without hash", "magnet:?dn=foo", "magnet"},
		{"magnet bad hash", "magnet:?xt=urn:btih:zzzz", "magnet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSource(context.Background(), tc.src)
			if err == nil {
				t.Fatalf("%s accepted", tc.src)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	// The good one parses, and its hash is the SHA-1 of the info bytes.
	s, err := ParseSource(context.Background(), write("good.torrent", map[string]any{"info": goodInfo}))
	if err != nil {
		t.Fatal(err)
	}
	if s.InfoHash != sha1.Sum(bencode.MustMarshal(goodInfo)) {
		t.Fatal("info hash mismatch")
	}
}

// A peer that completes a handshake and then sends garbage is disconnected;
// the seed keeps serving a well-behaved leecher.
func TestProtocolGarbageDisconnects(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "g.bin", 1<<20, 32<<10)
	seed := newTestClient(t, 50, func(c *Config) { c.DataDir = seedDir })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)

	garbage := [][]byte{
		{0xff, 0xff, 0xff, 0xff, 0x07},                                         // length far over the limit
		{0, 0, 0, 5, byte(pp.Have), 0xff, 0xff, 0, 0},                          // have of a piece that does not exist
		{0, 0, 0, 13, byte(pp.Request), 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0}, // 1 MiB request
		{0, 0, 0, 3, byte(pp.Bitfield), 0xff, 0xff},                            // bitfield of the wrong length
	}
	for i, g := range garbage {
		nc, err := net.Dial("tcp", seed.ListenAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		wc, err := wire.Initiate(ctx, nc, st.InfoHash(), wire.Options{PeerID: [20]byte{'-', 'X', 'X'}, Extensions: pp.NewPeerExtensionBytes(pp.ExtensionBitFast)})
		cancel()
		if err != nil {
			t.Fatalf("case %d: handshake: %v", i, err)
		}
		if _, err := wc.Write(g); err != nil {
			t.Fatalf("case %d: write: %v", i, err)
		}
		// The seed must hang up on us: reading ends in EOF/reset, not a timeout.
		_ = wc.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 64<<10)
		var rerr error
		for rerr == nil {
			_, rerr = wc.Read(buf)
		}
		if ne, ok := rerr.(net.Error); ok && ne.Timeout() {
			t.Fatalf("case %d: seed kept the connection open after garbage", i)
		}
		wc.Close()
	}
	leech := newTestClient(t, 51, nil)
	lt, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "g.bin"), filepath.Join(lt.t.dataDir, "g.bin"))
}

// A download onto a full disk stops with a reason that says so; nothing panics.
func TestDiskFullStopsTorrent(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	small := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small).CombinedOutput(); err != nil {
		t.Skipf("cannot mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", small).Run() })

	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "big.bin", 2<<20, 32<<10)
	seed := newTestClient(t, 60, func(c *Config) { c.DataDir = seedDir })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	leech := newTestClient(t, 61, func(c *Config) { c.DataDir = small })
	lt, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-lt.Done():
	case <-time.After(time.Minute):
		t.Fatalf("torrent did not stop on a full disk: %+v", lt.Stats().State)
	}
	s := lt.Stats()
	if s.State != StateError || !strings.Contains(s.Err, "disk full") {
		t.Fatalf("state %s err %q; want error mentioning disk full", s.State, s.Err)
	}
	if err := lt.Wait(context.Background()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Wait = %v", err)
	}
	// The seed is unaffected.
	if ss := st.Stats(); ss.State != StateSeeding {
		t.Fatalf("seed state %s", ss.State)
	}
}

// aria2c sends a whole new bitfield instead of HAVE messages: a second
// bitfield is an update, not a protocol error. The seed keeps the
// connection and serves the peer.
func TestRepeatedBitfieldAccepted(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "bf.bin", 10*32<<10, 32<<10)
	seed := newTestClient(t, 52, func(c *Config) { c.DataDir = seedDir })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	nc, err := net.Dial("tcp", seed.ListenAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	wc, err := wire.Initiate(ctx, nc, st.InfoHash(), wire.Options{PeerID: [20]byte{'-', 'A', '2'}, Extensions: pp.NewPeerExtensionBytes(pp.ExtensionBitFast)})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	w := wire.NewWriter(wc)
	for _, m := range []wire.Message{
		{Type: pp.HaveNone},
		{Type: pp.Bitfield, Bitfield: []byte{0x80, 0x00}},
		{Type: pp.Bitfield, Bitfield: []byte{0xc0, 0x00}},
		{Type: pp.Interested},
		{Type: pp.Request, Index: 5, Begin: 0, Length: 16384},
	} {
		if err := w.WriteMessage(&m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = wc.SetReadDeadline(time.Now().Add(20 * time.Second))
	r := wire.NewReader(wc, 1<<20)
	for {
		var m wire.Message
		if err := r.ReadMessage(&m); err != nil {
			t.Fatalf("seed hung up or went silent before serving the block: %v", err)
		}
		if m.Type == pp.Piece && !m.Keepalive {
			if m.Index != 5 || len(m.Piece) != 16384 {
				t.Fatalf("got piece %d len %d", m.Index, len(m.Piece))
			}
			return
		}
	}
}

func TestRemoveWithData(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "tree")
	if err := os.MkdirAll(filepath.Join(sub, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a.bin", "inner/b.bin"} {
		if err := os.WriteFile(filepath.Join(sub, f), make([]byte, 40000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mi, err := storage.Create(context.Background(), sub, storage.CreateOptions{PieceLength: 16384})
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, 53, func(cfg *Config) { cfg.DataDir = dir })
	tor, err := c.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, tor, 30*time.Second)
	if sp := tor.Spec(); len(sp.InfoBytes) == 0 || sp.Name != "tree" {
		t.Fatalf("spec %+v", sp.Name)
	}
	if err := c.Remove(tor.InfoHash(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sub); !os.IsNotExist(err) {
		t.Fatalf("torrent directory still there: %v", err)
	}
	if len(c.Torrents()) != 0 {
		t.Fatal("torrent still listed")
	}
	if err := c.Remove(tor.InfoHash(), false); err == nil {
		t.Fatal("second remove succeeded")
	}
}

// A complete torrent paused while its data was being checked stays paused
// (it must not report seeding), and seeds once resumed.
func TestPausedDuringCheckStaysPaused(t *testing.T) {
	dir := t.TempDir()
	mi := makeTorrent(t, dir, "p.bin", 4<<20, 64<<10)
	c := newTestClient(t, 54, func(cfg *Config) { cfg.DataDir = dir })
	tor, err := c.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	tor.Pause()
	waitComplete(t, tor, 30*time.Second)
	if s := tor.Stats(); s.State != StatePaused {
		t.Fatalf("state %s after completing while paused", s.State)
	}
	tor.Resume()
	if s := tor.Stats(); s.State != StateSeeding {
		t.Fatalf("state %s after resume", s.State)
	}
}

// Pausing or closing a torrent while its existing data is still being
// checked must not overwrite a valid resume file with an empty piece set:
// reopened afterwards, a complete torrent is still complete (with no peers
// to fetch anything from).
func TestPauseDuringCheckKeepsResume(t *testing.T) {
	dir := t.TempDir()
	mi := makeTorrent(t, dir, "keep.bin", 8<<20, 64<<10)
	open := func() (*Client, *Torrent) {
		c, err := NewClient(Config{DataDir: dir, ListenAddr: "127.0.0.55:0", Logger: testLogger(t), NoDHT: true})
		if err != nil {
			t.Fatal(err)
		}
		tor, err := c.Add(context.Background(), mi, AddOptions{Seed: true})
		if err != nil {
			t.Fatal(err)
		}
		return c, tor
	}
	c, tor := open()
	waitComplete(t, tor, 30*time.Second) // writes a full resume file on Close
	c.Close()
	for i := 0; i < 5; i++ {
		c, tor = open()
		tor.Pause() // most likely while the resume file is being read
		c.Close()
	}
	c, tor = open()
	defer c.Close()
	waitComplete(t, tor, 30*time.Second)
}
