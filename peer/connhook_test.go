package peer

import (
	"context"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// countingConn counts bytes written through it.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// Config.Dial opens the leecher's outgoing connection and Config.WrapConn
// wraps the seed's accepted one; the payload flows through both.
func TestConnHooks(t *testing.T) {
	var dials, wraps atomic.Int32
	var dialed, accepted atomic.Int64
	var gotLaddr atomic.Value
	seedDir := t.TempDir()
	const size = 1 << 20
	mi := makeTorrent(t, seedDir, "hook.bin", size, 32<<10)
	seed := newTestClient(t, 1, func(c *Config) {
		c.DataDir = seedDir
		c.WrapConn = func(nc net.Conn) net.Conn {
			wraps.Add(1)
			return countingConn{nc, &accepted}
		}
	})
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	leech := newTestClient(t, 2, func(c *Config) {
		c.Dial = func(ctx context.Context, network, laddr, raddr string) (net.Conn, error) {
			dials.Add(1)
			gotLaddr.Store(laddr)
			d := net.Dialer{}
			if laddr != "" {
				a, err := net.ResolveTCPAddr(network, laddr)
				if err != nil {
					return nil, err
				}
				d.LocalAddr = a
			}
			nc, err := d.DialContext(ctx, network, raddr)
			if err != nil {
				return nil, err
			}
			return countingConn{nc, &dialed}, nil
		}
	})
	lt, err := leech.Add(context.Background(), mi, AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "hook.bin"), filepath.Join(lt.t.dataDir, "hook.bin"))
	if dials.Load() == 0 || wraps.Load() == 0 {
		t.Fatalf("hooks not used: %d dials, %d wraps", dials.Load(), wraps.Load())
	}
	if l, _ := gotLaddr.Load().(string); l != "127.0.0.2:0" {
		t.Errorf("Dial got laddr %q, want 127.0.0.2:0", l)
	}
	if accepted.Load() < size {
		t.Errorf("seed wrote %d bytes through WrapConn, want at least %d", accepted.Load(), size)
	}
	if dialed.Load() == 0 {
		t.Error("leecher wrote nothing through Dial's conn")
	}
}
