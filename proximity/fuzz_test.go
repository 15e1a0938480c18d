package proximity

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func FuzzLoadTSV(f *testing.F) {
	f.Add([]byte(iptoasnSample))
	f.Add([]byte("1.0.0.0\t1.0.0.255\t13335\n1.0.0.128\t1.0.1.0\t5\n"))
	f.Add([]byte("::\tffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\tAS1\n0.0.0.0\t255.255.255.255\t2"))
	f.Add([]byte("\t\t\n#\r\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := LoadTSV(bytes.NewReader(data), "fuzz.tsv")
		if err != nil {
			return
		}
		if tab.Len() < 0 {
			t.Fatal("negative Len")
		}
		for _, ip := range []string{"0.0.0.0", "1.0.0.1", "255.255.255.255", "::", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"} {
			tab.ASN(addr(ip))
		}
	})
}

// fuzzCands decodes candidates from data: 7 bytes each, a family/AS byte,
// four address bytes and a port. Addresses fall in a few loopback ASes,
// unknown space and IPv6 so that all classes occur.
func fuzzCands(data []byte) []netip.AddrPort {
	var out []netip.AddrPort
	for len(data) >= 7 {
		kind, b, port := data[0], data[1:5], binary.BigEndian.Uint16(data[5:7])
		data = data[7:]
		var ip netip.Addr
		switch kind % 4 {
		case 0: // loopback ASes 1…4 and unknown 127.5+
			ip = netip.AddrFrom4([4]byte{127, b[0] % 6, b[1] % 4, b[2] % 8})
		case 1: // the same, IPv4-mapped
			ip = netip.AddrFrom16(netip.AddrFrom4([4]byte{127, b[0] % 6, b[1] % 4, b[2] % 8}).As16())
		case 2:
			ip = netip.AddrFrom4([4]byte(b))
		default:
			ip = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, b[0] % 2, b[1] % 2, 14: b[2] % 4, 15: b[3] % 4})
		}
		out = append(out, netip.AddrPortFrom(ip, port%3))
	}
	return out
}

func FuzzRank(f *testing.F) {
	f.Add(uint64(1), uint8(20), uint8(0), int8(0), int8(0), false, []byte("\x00\x01\x00\x01\x00\x00\x01\x00\x02\x01\x03\x00\x00\x02\x02\x7f\x01\x00\x02\x00\x01"))
	f.Add(uint64(7), uint8(3), uint8(255), int8(-1), int8(1), false, bytes.Repeat([]byte("\x00\x02\x01\x05\x00\x00\x01"), 9))
	f.Add(uint64(9), uint8(8), uint8(40), int8(2), int8(2), true, bytes.Repeat([]byte("\x03\x01\x01\x01\x01\x00\x01\x00\x03\x00\x02\x00\x00\x02"), 4))
	loc := LoopbackTable(4)
	f.Fuzz(func(t *testing.T, seed uint64, n8, share8 uint8, maxNet, maxASN int8, off bool, data []byte) {
		cands := fuzzCands(data)
		self := netip.AddrFrom4([4]byte{127, 1, 0, 1})
		if len(cands) > 0 && seed%3 == 0 {
			self = cands[0].Addr() // self may appear among the candidates in any form
		}
		n := int(n8 % 64)
		share := float64(share8) / 128 // 0 (default) … ~2 (clamped to 1)
		cfg := RankConfig{RemoteShare: share, MaxPerNet: int(maxNet), MaxPerASN: int(maxASN), Off: off, Rand: rand.New(rand.NewPCG(seed, 2))}
		rs := Rank(loc, self, cands, nil, n, cfg)

		selfU := self.Unmap()
		// Independent model of the usable candidates.
		unique := map[netip.AddrPort]bool{}
		remote := map[netip.AddrPort]bool{}
		for _, c := range cands {
			k := apKey(c)
			unique[k] = true
			if d := Measure(loc, selfU, k.Addr(), 0); !d.SameASN && !d.SameNet {
				remote[k] = true
			}
		}
		if len(rs) > n {
			t.Fatalf("%d peers for n=%d", len(rs), n)
		}
		seen := map[netip.AddrPort]bool{}
		perNet := map[uint64]int{}
		perASN := map[ASN]int{}
		quota := 0
		for _, r := range rs {
			k := apKey(r.Addr)
			if seen[k] {
				t.Fatalf("duplicate %v", r.Addr)
			}
			seen[k] = true
			if !unique[k] {
				t.Fatalf("%v is not a candidate", r.Addr)
			}
			perNet[netKey(k.Addr())]++
			if r.ASN != 0 {
				perASN[r.ASN]++
			}
			if r.Class == ClassRemote {
				quota++
				if !remote[k] {
					t.Fatalf("quota pick %v is not remote", r.Addr)
				}
			}
		}
		if cfg.MaxPerNet >= 0 {
			limit := cfg.maxPerNet()
			for k, c := range perNet {
				if c > limit {
					t.Fatalf("%d peers in net %x, cap %d", c, k, limit)
				}
			}
		}
		if cfg.MaxPerASN > 0 {
			for a, c := range perASN {
				if c > cfg.MaxPerASN {
					t.Fatalf("%d peers of %v, cap %d", c, a, cfg.MaxPerASN)
				}
			}
		}
		if off && quota != 0 {
			t.Fatalf("quota picks with proximity off")
		}
		if cfg.MaxPerNet < 0 && cfg.MaxPerASN <= 0 {
			l := min(n, len(unique))
			if len(rs) != l {
				t.Fatalf("%d peers, want %d", len(rs), l)
			}
			if !off {
				want := min(int(math.Ceil(cfg.share()*float64(l))), len(remote))
				if quota < want {
					t.Fatalf("%d quota picks, want ≥ %d (n=%d, usable %d, remote %d)", quota, want, n, len(unique), len(remote))
				}
			}
		}
	})
}
