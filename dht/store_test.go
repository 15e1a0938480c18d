package dht

import (
	"net/netip"
	"testing"
	"time"
)

func TestPeerStoreExpiryAndCaps(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newPeerStore(time.Minute, 3, 2, 2, func() time.Time { return now })
	ih := [20]byte{1}
	ap := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 0, byte(i)}), 6881)
	}
	for i := 1; i <= 4; i++ {
		s.add(ih, ap(i))
		now = now.Add(time.Second)
	}
	if _, peers := s.counts(); peers != 3 {
		t.Fatalf("per-hash cap: %d peers stored, want 3", peers)
	}
	if got := s.get(ih, true); len(got) != 2 {
		t.Fatalf("reply cap: got %d, want 2", len(got))
	}
	for _, p := range s.get(ih, true) {
		if p == ap(1) {
			t.Fatal("oldest peer was not evicted")
		}
	}
	if len(s.get(ih, false)) != 0 {
		t.Fatal("IPv4 peers returned to an IPv6 query")
	}
	// Info-hash cap.
	s.add([20]byte{2}, ap(1))
	if s.add([20]byte{3}, ap(1)) {
		t.Fatal("info-hash cap not enforced")
	}
	// Expiry.
	now = now.Add(2 * time.Minute)
	if got := s.get(ih, true); len(got) != 0 {
		t.Fatalf("expired peers returned: %v", got)
	}
	s.sweep()
	if h, p := s.counts(); h != 0 || p != 0 {
		t.Fatalf("after sweep: %d hashes, %d peers", h, p)
	}
}

func TestPeerStoreRejectsBogus(t *testing.T) {
	s := newPeerStore(time.Minute, 10, 10, 10, time.Now)
	for _, a := range []string{"0.0.0.0:6881", "127.0.0.1:0", "224.0.0.1:6881", "[::]:1", "255.255.255.255:80", "0.1.2.3:5"} {
		if s.add([20]byte{1}, netip.MustParseAddrPort(a)) {
			t.Errorf("accepted %v", a)
		}
	}
	// One IP cannot fill a swarm with ports.
	for p := 1; p <= 20; p++ {
		s.add([20]byte{1}, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p)))
	}
	if _, n := s.counts(); n != maxPortsPerIP {
		t.Fatalf("one IP holds %d entries, want %d", n, maxPortsPerIP)
	}
}
