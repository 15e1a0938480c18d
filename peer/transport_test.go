package peer

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/peer/wire"
)

// A swarm over IPv6 loopback.
func TestIPv6Loopback(t *testing.T) {
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		l.Close()
	}
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "six.bin", 2<<20, 32<<10)
	mk := func(dir string, up int64) *Client {
		c, err := NewClient(Config{DataDir: dir, ListenAddr: "[::1]:0", Logger: testLogger(t), UploadRate: up})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	seed := mk(seedDir, 1<<20)
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	leech := mk(t.TempDir(), 0)
	lt, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	p := firstPeer(t, lt)
	if !p.Addr.Addr().Is6() {
		t.Fatalf("peer address %s is not IPv6", p.Addr)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "six.bin"), filepath.Join(lt.t.dataDir, "six.bin"))
}

// Encryption policies between shoal peers: a seed that requires MSE serves a
// leecher that prefers plaintext (its plaintext attempt is refused, it retries
// with MSE), and the connection is encrypted.
func TestEncryptionPolicies(t *testing.T) {
	cases := []struct {
		name        string
		seed, leech wire.Encryption
		encrypted   bool
	}{
		{"require-require", wire.RequireEncryption, wire.RequireEncryption, true},
		{"require-prefer", wire.RequireEncryption, wire.PreferPlaintext, true},
		{"prefer-require", wire.PreferPlaintext, wire.RequireEncryption, true},
		{"off-prefer", wire.PlaintextOnly, wire.PreferPlaintext, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seedDir := t.TempDir()
			mi := makeTorrent(t, seedDir, "e.bin", 1<<20, 32<<10)
			seed := newTestClient(t, 70+2*i, func(c *Config) { c.DataDir = seedDir; c.Encryption = tc.seed; c.UploadRate = 512 << 10 })
			st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
			if err != nil {
				t.Fatal(err)
			}
			waitComplete(t, st, 30*time.Second)
			leech := newTestClient(t, 71+2*i, func(c *Config) { c.Encryption = tc.leech })
			lt, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}, Seed: true})
			if err != nil {
				t.Fatal(err)
			}
			if p := firstPeer(t, lt); p.Encrypted != tc.encrypted {
				t.Fatalf("connection to %s: encrypted=%v, want %v", p.Addr, p.Encrypted, tc.encrypted)
			}
			waitComplete(t, lt, time.Minute)
			sameFile(t, filepath.Join(seedDir, "e.bin"), filepath.Join(lt.t.dataDir, "e.bin"))
		})
	}
}

// An upload cap holds: the seed capped at 1 MiB/s cannot have sent much more
// than the cap allows by the time we look (an upper bound only, so a slow
// machine cannot make this fail).
func TestUploadRateCap(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "cap.bin", 8<<20, 64<<10)
	const capRate = 1 << 20
	seed := newTestClient(t, 90, func(c *Config) { c.DataDir = seedDir; c.UploadRate = capRate })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	leech := newTestClient(t, 91, nil)
	t0 := time.Now()
	lt, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	got := lt.Stats().Downloaded
	elapsed := time.Since(t0)
	allowed := int64(elapsed.Seconds()*capRate) + capRate/10 + 64<<10 // bucket burst and one read buffer
	if got > allowed {
		t.Fatalf("downloaded %d bytes in %s from a seed capped at %d B/s (allowed %d)", got, elapsed, capRate, allowed)
	}
	if got == 0 {
		t.Fatalf("nothing downloaded in %s", elapsed)
	}
}

// firstPeer waits for the torrent's first connection and returns it.
func firstPeer(t *testing.T, tor *Torrent) PeerStats {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p := tor.Stats().Peers; len(p) > 0 {
			return p[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no peer connected within 30s")
	return PeerStats{}
}
