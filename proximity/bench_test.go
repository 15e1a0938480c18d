package proximity

import (
	"net/netip"
	"testing"
)

// syntheticEntries returns n distinct IPv4 /24s spread over the address
// space, every 8th with a nested /26 of another AS, plus a /16 per 4096.
func syntheticEntries(n int) []Entry {
	entries := make([]Entry, 0, n+n/8+n/4096+1)
	for i := range n {
		v := uint32(i) * 33 // /24 index, spread out
		a := netip.AddrFrom4([4]byte{byte(v >> 16), byte(v >> 8), byte(v), 0})
		entries = append(entries, Entry{netip.PrefixFrom(a, 24), ASN(1 + i%65000)})
		if i%8 == 0 {
			entries = append(entries, Entry{netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 16), byte(v >> 8), byte(v), 64}), 26), ASN(70000 + i%100)})
		}
		if i%4096 == 0 {
			entries = append(entries, Entry{netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 16), byte(v >> 8), 0, 0}), 16), 99999})
		}
	}
	return entries
}

func BenchmarkASNLookup(b *testing.B) {
	tab, err := NewTable(syntheticEntries(500_000))
	if err != nil {
		b.Fatal(err)
	}
	rng := newRand()
	ips := make([]netip.Addr, 4096)
	for i := range ips {
		v := rng.Uint32()
		ips[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	var sink ASN
	for i := 0; b.Loop(); i++ {
		sink += tab.ASN(ips[i&4095])
	}
	_ = sink
}

func BenchmarkASNLookupIPv6(b *testing.B) {
	entries := make([]Entry, 0, 200_000)
	for i := range 200_000 {
		v := uint64(i) * 7919
		a := netip.AddrFrom16([16]byte{0x20, byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		entries = append(entries, Entry{netip.PrefixFrom(a, 40), ASN(1 + i%65000)})
	}
	tab, err := NewTable(entries)
	if err != nil {
		b.Fatal(err)
	}
	rng := newRand()
	ips := make([]netip.Addr, 4096)
	for i := range ips {
		var a [16]byte
		a[0] = 0x20
		v := rng.Uint64()
		for j := 1; j < 9; j++ {
			a[j] = byte(v >> (8 * (j - 1)))
		}
		ips[i] = netip.AddrFrom16(a)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var sink ASN
	for i := 0; b.Loop(); i++ {
		sink += tab.ASN(ips[i&4095])
	}
	_ = sink
}

func BenchmarkNewTable500k(b *testing.B) {
	entries := syntheticEntries(500_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewTable(entries); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRank1000(b *testing.B) {
	loc := LoopbackTable(16)
	rng := newRand()
	cands := make([]netip.AddrPort, 1000)
	for i := range cands {
		// 16 known ASes plus unknown 127.17+, many /24s.
		cands[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, byte(1 + rng.IntN(20)), byte(rng.IntN(64)), byte(1 + rng.IntN(250))}), uint16(1024+i))
	}
	self := netip.MustParseAddr("127.1.0.1")
	cfg := RankConfig{Rand: rng}
	b.ReportAllocs()
	for b.Loop() {
		if rs := Rank(loc, self, cands, nil, 50, cfg); len(rs) != 50 {
			b.Fatalf("%d peers", len(rs))
		}
	}
}

func TestLookupAllocationFree(t *testing.T) {
	tab := LoopbackTable(16)
	ips := []netip.Addr{addr("127.3.0.1"), addr("::ffff:127.3.0.1"), addr("2001:db8::1")}
	allocs := testing.AllocsPerRun(100, func() {
		for _, ip := range ips {
			tab.ASN(ip)
		}
	})
	if allocs != 0 {
		t.Errorf("ASN lookups allocate: %v", allocs)
	}
}
