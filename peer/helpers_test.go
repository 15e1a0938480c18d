package peer

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/shoal-p2p/shoal/peer/storage"
)

// testLogger keeps engine logs out of test output unless -v.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// makeTorrent writes size random bytes to dir/name and returns its metainfo.
func makeTorrent(t testing.TB, dir, name string, size int, pieceLen int64) *metainfo.MetaInfo {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mi, err := storage.Create(context.Background(), p, storage.CreateOptions{PieceLength: pieceLen})
	if err != nil {
		t.Fatalf("create torrent: %v", err)
	}
	return mi
}

// newTestClient starts a client on its own loopback address 127.0.0.<host>.
func newTestClient(t testing.TB, host int, mod func(*Config)) *Client {
	t.Helper()
	return newClientOn(t, fmt.Sprintf("127.0.0.%d", host), mod)
}

// newClientOn starts a client listening on ip (any loopback address).
func newClientOn(t testing.TB, ip string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		DataDir:    t.TempDir(),
		ListenAddr: ip + ":0",
		Logger:     testLogger(t),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("client on %s: %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitComplete(t testing.TB, tor *Torrent, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := tor.Wait(ctx); err != nil {
		s := tor.Stats()
		var missing []int
		for i, h := range s.HavePieces {
			if !h {
				missing = append(missing, i)
			}
		}
		var dbg string
		tor.t.call(func(tt *torrent) {
			dbg = fmt.Sprintf("endgame %v backlog %v submitted %d bufs %d", tt.pk.InEndgame(), tt.backlog, len(tt.submitted), len(tt.bufs))
			for _, m := range missing {
				dbg += fmt.Sprintf("\n  piece %d: availability %d wanted %v requests:", m, tt.pk.Availability(m), tt.pk.Wanted(m))
				for id, b := range tt.pk.Requests(m) {
					dbg += fmt.Sprintf(" %d@%d", b.Begin, id)
				}
			}
			for _, c := range tt.conns {
				dbg += fmt.Sprintf("\n  conn %d %s interested %v choked %v wanted %d outstanding %d depth %d parole %v hasAll %v",
					c.id, c.addr, c.amInterested, c.peerChoking, c.wanted, len(c.outstanding), c.pipe.Depth(), c.paroled, c.hasAll)
			}
		})
		t.Fatalf("torrent %s did not complete: %v (state %s, %d/%d pieces, %d peers, err %q)\n%s",
			s.Name, err, s.State, s.PiecesHave, s.NumPieces, len(s.Peers), s.Err, dbg)
	}
}

func sameFile(t testing.TB, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Fatalf("%s and %s differ", a, b)
	}
}

// startSeed starts a client on 127.0.0.host seeding a new torrent of one
// file of size bytes (mod may change its config) and waits for its check.
func startSeed(t testing.TB, host int, name string, size int, pieceLen int64, mod func(*Config)) (*Client, *Torrent, *metainfo.MetaInfo) {
	t.Helper()
	dir := t.TempDir()
	mi := makeTorrent(t, dir, name, size, pieceLen)
	c := newTestClient(t, host, func(c *Config) {
		c.DataDir = dir
		if mod != nil {
			mod(c)
		}
	})
	tor, err := c.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, tor, 30*time.Second)
	return c, tor, mi
}
