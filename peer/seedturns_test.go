package peer

import (
	"context"
	"testing"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/wire"
)

// A capped seed passes its slots on after each piece-sized turn
// (choker.Rotate): in the time a 10-second round would have served four
// peers, every waiting peer has had a turn.
func TestSeedTurnsRotate(t *testing.T) {
	seed, st, mi := startSeed(t, 60, "r.bin", 8<<20, 256<<10, func(c *Config) { c.UploadRate = 2 << 20 })
	const leechers = 8
	for i := range leechers {
		c := newTestClient(t, 61+i, func(c *Config) { c.DisablePEX = true })
		if _, err := c.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}}); err != nil {
			t.Fatal(err)
		}
	}
	served := func() (n int, total int64) {
		s := st.Stats()
		for _, p := range s.Peers {
			if p.Uploaded > 0 {
				n++
			}
		}
		return n, s.Uploaded
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, total := served()
		// 3 MiB at 2 MiB/s is 1.5 s, well inside the first 10-second round.
		if total >= 3<<20 {
			if n < leechers-1 {
				t.Fatalf("seed sent %d KiB to only %d of %d peers: turns do not rotate", total>>10, n, leechers)
			}
			t.Logf("seed sent %d KiB to %d of %d peers", total>>10, n, leechers)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("seed sent only %d KiB in 30 s (%d peers)", total>>10, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A seed sends no BEP 6 allowed-fast set; a downloading peer does.
func TestAllowedFastOnlyFromLeechers(t *testing.T) {
	seed, st, mi := startSeed(t, 70, "f.bin", 4<<20, 64<<10, nil)
	leech := newTestClient(t, 71, nil)
	if _, err := leech.Add(context.Background(), mi, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	count := func(addr string) int {
		p := dialRawPeer(t, addr, "127.0.0.89", st.InfoHash(), wire.Options{PeerID: [20]byte{'-', 'X', 'X'}, Extensions: pp.NewPeerExtensionBytes(pp.ExtensionBitFast)})
		defer p.nc.Close()
		// The hello (bitfield or have-all/none, allowed-fast) comes at once.
		_ = p.nc.SetReadDeadline(time.Now().Add(time.Second))
		n := 0
		for {
			var m wire.Message
			if err := p.r.ReadMessage(&m); err != nil {
				return n
			}
			if m.Type == pp.AllowedFast && !m.Keepalive {
				n++
			}
		}
	}
	if n := count(seed.ListenAddr().String()); n != 0 {
		t.Errorf("seed sent %d allowed-fast pieces, want none", n)
	}
	if n := count(leech.ListenAddr().String()); n != 10 {
		t.Errorf("downloading peer sent %d allowed-fast pieces, want 10", n)
	}
}
