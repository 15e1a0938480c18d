package dht

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestIPv6 runs a small network whose nodes each serve IPv4 on 127.0.0.1
// and IPv6 on ::1 (BEP 32): IPv6 routing tables fill and peers announced
// over IPv6 are found.
func TestIPv6(t *testing.T) {
	probe, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	probe.Close()
	const N = 16
	var nodes []*Node
	var boot []string
	for i := range N {
		pc4, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pc6, err := net.ListenPacket("udp6", "[::1]:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg := testConfig()
		cfg.Conn, cfg.Conn6 = pc4, pc6
		cfg.Bootstrap = boot
		cfg.StartJitter = 300 * time.Millisecond
		n, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		nodes = append(nodes, n)
		if i == 0 {
			boot = []string{pc4.LocalAddr().String(), pc6.LocalAddr().String()}
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	ok := 0
	for time.Now().Before(deadline) {
		ok = 0
		for _, n := range nodes {
			if n.Stats().GoodNodes6 >= 8 {
				ok++
			}
		}
		if ok == N {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ok != N {
		t.Fatalf("%d of %d nodes have 8 good IPv6 contacts", ok, N)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ih := [20]byte{0x66}
	for i := 1; i <= 4; i++ {
		drain(nodes[i].Announce(ctx, ih, 7000+i))
	}
	found6 := 0
	for batch := range nodes[N-1].GetPeers(ctx, ih).C {
		for _, p := range batch {
			if p.Addr.Addr() == netip.IPv6Loopback() && p.Addr.Port() > 7000 && p.Addr.Port() <= 7004 {
				found6++
			}
		}
	}
	if found6 != 4 {
		t.Fatalf("found %d of 4 peers announced over IPv6", found6)
	}
}
