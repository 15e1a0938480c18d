package udpfront

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"
)

// serve runs s on n SO_REUSEPORT sockets bound to addr until the test ends.
func serve(t *testing.T, s *Server, network, addr string, n int) net.Addr {
	t.Helper()
	conns, err := ListenUDP(network, addr, n)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			if err := s.Serve(ctx, c); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return conns[0].LocalAddr()
}

// TestSocketsAnswerInBatches sends bursts of connects from IPv4 and IPv6
// clients to IPv4, IPv6 and dual-stack listeners (several SO_REUSEPORT
// sockets each) and expects every one answered, in batches or not; an
// oversized datagram is dropped without an answer.
func TestSocketsAnswerInBatches(t *testing.T) {
	cases := []struct {
		name, network, listen, client string
	}{
		{"v4", "udp4", "127.0.0.1:0", "127.0.0.1"},
		{"v6", "udp6", "[::1]:0", "::1"},
		{"dual-stack from v4", "udp", "[::]:0", "127.0.0.1"},
		{"dual-stack from v6", "udp", "[::]:0", "::1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, &fakeClock{t: time.Unix(1e9, 0)}, nil)
			at := serve(t, s, tc.network, tc.listen, 2).(*net.UDPAddr)
			to := &net.UDPAddr{IP: net.ParseIP(tc.client), Port: at.Port}
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(tc.client)})
			if err != nil {
				t.Skipf("no %s: %v", tc.client, err)
			}
			defer c.Close()
			if _, err := c.WriteTo(make([]byte, maxPacket+100), to); err != nil {
				t.Fatal(err)
			}
			const burst = 200
			for tx := range uint32(burst) {
				if _, err := c.WriteTo(connectPkt(tx), to); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[uint32]bool{}
			buf := make([]byte, 64)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			for len(seen) < burst {
				n, err := c.Read(buf)
				if err != nil {
					t.Fatalf("%d of %d connects answered: %v", len(seen), burst, err)
				}
				if n != 16 || binary.BigEndian.Uint32(buf) != actionConnect {
					t.Fatalf("answer %x", buf[:n])
				}
				seen[binary.BigEndian.Uint32(buf[4:])] = true
			}
			_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if n, err := c.Read(buf); err == nil {
				t.Fatalf("unexpected extra answer %x (to the oversized datagram?)", buf[:n])
			}
		})
	}
}
