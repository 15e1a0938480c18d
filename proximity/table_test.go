package proximity

import (
	"net/netip"
	"strings"
	"testing"
)

var tableEntries = []Entry{
	{prefix("10.0.0.0/8"), 100},
	{prefix("10.1.0.0/16"), 200},
	{prefix("10.1.2.0/24"), 300},
	{prefix("10.1.2.128/25"), 0}, // a hole: unknown inside 10.1.2.0/24
	{prefix("192.0.2.0/24"), 64500},
	{prefix("255.255.255.0/24"), 700},
	{prefix("2001:db8::/32"), 400},
	{prefix("2001:db8:1::/48"), 500},
	{prefix("::ffff:198.51.100.0/120"), 600}, // stored as 198.51.100.0/24
	{prefix("ffff::/16"), 800},
}

func TestTableLongestPrefixMatch(t *testing.T) {
	tab, err := NewTable(tableEntries)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip   string
		want ASN
	}{
		{"10.2.3.4", 100},
		{"10.1.3.4", 200},
		{"10.1.2.3", 300},
		{"10.1.2.127", 300},
		{"10.1.2.128", 0},
		{"10.1.2.255", 0},
		{"10.1.3.0", 200},
		{"10.255.255.255", 100},
		{"11.0.0.0", 0},
		{"9.255.255.255", 0},
		{"0.0.0.0", 0},
		{"192.0.2.99", 64500},
		{"255.255.255.255", 700},
		{"::ffff:10.1.2.3", 300},
		{"198.51.100.7", 600},
		{"::ffff:198.51.100.7", 600},
		{"2001:db8:1:2::1", 500},
		{"2001:db8:2::1", 400},
		{"2001:db9::", 0},
		{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0},
		{"::", 0},
		{"::a01:203", 0}, // 10.1.2.3 as an IPv4-compatible (not mapped) address
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 800},
		{"fe80::1%eth0", 0},
	}
	for _, tt := range tests {
		if got := tab.ASN(addr(tt.ip)); got != tt.want {
			t.Errorf("ASN(%s) = %d, want %d", tt.ip, got, tt.want)
		}
	}
	if got := tab.ASN(netip.Addr{}); got != 0 {
		t.Errorf("ASN(invalid) = %d, want 0", got)
	}
	// Known ranges: 10/8 → 100,200,300,(hole),200,100; 2001:db8::/32 →
	// 400,500,400; four single ones.
	if got, want := tab.Len(), 5+3+4; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

func TestTableEmpty(t *testing.T) {
	var nilTab *Table
	var zero Table
	empty, err := NewTable(nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, tab := range map[string]*Table{"nil": nilTab, "zero": &zero, "empty": empty} {
		if got := tab.ASN(addr("10.0.0.1")); got != 0 {
			t.Errorf("%s: ASN = %d", name, got)
		}
		if got := tab.ASN(addr("2001:db8::1")); got != 0 {
			t.Errorf("%s: ASN = %d", name, got)
		}
		if got := tab.Len(); got != 0 {
			t.Errorf("%s: Len = %d", name, got)
		}
	}
}

func TestTableOrderIndependent(t *testing.T) {
	want, err := NewTable(tableEntries)
	if err != nil {
		t.Fatal(err)
	}
	rng := newRand()
	for range 20 {
		shuffled := append([]Entry(nil), tableEntries...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got, err := NewTable(shuffled)
		if err != nil {
			t.Fatal(err)
		}
		for _, ip := range []string{"10.1.2.3", "10.1.2.200", "10.9.9.9", "10.1.9.9", "2001:db8:1::5", "2001:db8:5::"} {
			if g, w := got.ASN(addr(ip)), want.ASN(addr(ip)); g != w {
				t.Fatalf("order %v: ASN(%s) = %d, want %d", shuffled, ip, g, w)
			}
		}
	}
}

// TestTableAgainstNaive compares lookups with a brute-force longest match
// over random nested and overlapping prefixes.
func TestTableAgainstNaive(t *testing.T) {
	rng := newRand()
	for round := range 50 {
		var entries []Entry
		seen := map[netip.Prefix]bool{}
		for range 1 + rng.IntN(40) {
			var p netip.Prefix
			if rng.IntN(2) == 0 {
				a := netip.AddrFrom4([4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(4)), byte(rng.IntN(256))})
				p = netip.PrefixFrom(a, 8+rng.IntN(25)).Masked()
			} else {
				a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(rng.IntN(3)), byte(rng.IntN(3)), 15: byte(rng.IntN(256))})
				p = netip.PrefixFrom(a, 16+rng.IntN(113)).Masked()
			}
			if seen[p] {
				continue
			}
			seen[p] = true
			entries = append(entries, Entry{p, ASN(rng.IntN(5))})
		}
		tab, err := NewTable(entries)
		if err != nil {
			t.Fatal(err)
		}
		for range 300 {
			var ip netip.Addr
			if rng.IntN(2) == 0 {
				ip = netip.AddrFrom4([4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(4)), byte(rng.IntN(256))})
			} else {
				ip = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(rng.IntN(3)), byte(rng.IntN(3)), 15: byte(rng.IntN(256))})
			}
			want, best := ASN(0), -1
			for _, e := range entries {
				if e.Prefix.Contains(ip) && e.Prefix.Bits() > best {
					want, best = e.ASN, e.Prefix.Bits()
				}
			}
			if got := tab.ASN(ip); got != want {
				t.Fatalf("round %d: ASN(%v) = %d, want %d; entries %v", round, ip, got, want, entries)
			}
		}
	}
}

func TestNewTableErrors(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"invalid prefix", []Entry{{prefix("10.0.0.0/8"), 1}, {netip.Prefix{}, 2}}, "entry 1: invalid prefix"},
		{"conflicting duplicate", []Entry{{prefix("10.0.0.0/8"), 1}, {prefix("10.0.0.0/16"), 2}, {prefix("10.1.2.3/8"), 3}},
			"entry 2: prefix 10.1.2.3/8 listed again with AS3 (first as AS1 in entry 0)"},
		{"mapped and plain duplicate", []Entry{{prefix("::ffff:10.0.0.0/104"), 1}, {prefix("10.0.0.0/8"), 2}}, "listed again"},
	}
	for _, tt := range tests {
		_, err := NewTable(tt.entries)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	if _, err := NewTable([]Entry{{prefix("10.0.0.0/8"), 1}, {prefix("10.0.0.0/8"), 1}}); err != nil {
		t.Errorf("repeated identical entry: %v", err)
	}
}

func TestParseASN(t *testing.T) {
	tests := []struct {
		in   string
		want ASN
		ok   bool
	}{
		{"13335", 13335, true}, {"AS13335", 13335, true}, {"as64496", 64496, true}, {"0", 0, true},
		{"4294967295", 4294967295, true}, {"4294967296", 0, false}, {"", 0, false}, {"AS", 0, false},
		{"-1", 0, false}, {"12a", 0, false}, {"+5", 0, false}, {" 5", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseASN(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseASN(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if s := ASN(13335).String(); s != "AS13335" {
		t.Errorf("String = %q", s)
	}
	if s := ASN(0).String(); s != "AS?" {
		t.Errorf("String(0) = %q", s)
	}
}

func TestTableNestedSameStartAndNoMerge(t *testing.T) {
	tab, err := NewTable([]Entry{
		{prefix("10.0.0.0/8"), 5},
		{prefix("10.0.0.0/9"), 5}, // same ASN nested: merges back into one range
		{prefix("0.0.0.0/0"), 9},
		{prefix("::/0"), 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]ASN{"10.0.0.0": 5, "10.200.0.0": 5, "11.0.0.0": 9, "0.0.0.0": 9, "::1": 10, "::ffff:1.1.1.1": 9} {
		if got := tab.ASN(addr(ip)); got != want {
			t.Errorf("ASN(%s) = %d, want %d", ip, got, want)
		}
	}
	if got := tab.Len(); got != 4 { // 0/0 before and after 10/8, 10/8, ::/0
		t.Errorf("Len = %d, want 4", got)
	}
}

// TestTableIndex checks that the /16 index of big tables answers like a
// plain binary search, at random addresses and at every range boundary.
func TestTableIndex(t *testing.T) {
	tab, err := NewTable(syntheticEntries(20000))
	if err != nil {
		t.Fatal(err)
	}
	if tab.v4index == nil {
		t.Fatal("big table has no index")
	}
	plain := *tab
	plain.v4index = nil
	rng := newRand()
	check := func(v uint32) {
		ip := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		if got, want := tab.ASN(ip), plain.ASN(ip); got != want {
			t.Fatalf("ASN(%v) = %d with index, %d without", ip, got, want)
		}
	}
	for range 100000 {
		check(rng.Uint32())
	}
	for _, s := range tab.v4starts {
		check(s)
		check(s - 1)
	}
	check(0xffffffff)
}
