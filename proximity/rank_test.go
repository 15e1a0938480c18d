package proximity

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"
)

// candGrid returns port-6881 candidates 127.a.b.c for a in as, b < nets,
// c in 1…perNet.
func candGrid(as []int, nets, perNet int) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range as {
		for b := range nets {
			for c := 1; c <= perNet; c++ {
				out = append(out, netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, byte(a), byte(b), byte(c)}), 6881))
			}
		}
	}
	return out
}

func classes(rs []Ranked) []Class {
	out := make([]Class, len(rs))
	for i, r := range rs {
		out[i] = r.Class
	}
	return out
}

// checkNearOrder checks that the peers not picked by the quota come
// nearest first.
func checkNearOrder(t *testing.T, rs []Ranked) {
	t.Helper()
	var prev *Ranked
	for i := range rs {
		if rs[i].Class == ClassRemote {
			continue
		}
		if prev != nil && rs[i].Distance.Nearer(prev.Distance) {
			t.Errorf("position %d (%v, %+v) is nearer than an earlier peer (%v, %+v)", i, rs[i].Addr, rs[i].Distance, prev.Addr, prev.Distance)
		}
		prev = &rs[i]
	}
}

func TestRankOrder(t *testing.T) {
	loc := LoopbackTable(16)
	self := addr("127.1.0.1")
	cands := []netip.AddrPort{
		addrPort("127.200.0.1:1"), // other/unknown AS, prefix 8
		addrPort("127.1.200.1:1"), // same AS, prefix 16
		addrPort("127.3.0.1:1"),   // other AS, prefix 14
		addrPort("127.1.0.5:1"),   // same /24
		addrPort("127.9.0.1:1"),   // other AS, prefix 12
		addrPort("127.1.7.1:1"),   // same AS, prefix 21
		addrPort("127.1.0.6:1"),   // same /24
	}
	rs := Rank(loc, self, cands, nil, len(cands), RankConfig{Rand: newRand()})
	if len(rs) != len(cands) {
		t.Fatalf("got %d peers, want %d", len(rs), len(cands))
	}
	checkNearOrder(t, rs)
	// q = ceil(0.25·7) = 2 quota picks at positions 2 and 6.
	want := []Class{ClassSameNet, ClassSameNet, ClassRemote, ClassSameASN, ClassSameASN, ClassNear, ClassRemote}
	if got := classes(rs); !slices.Equal(got, want) {
		t.Errorf("classes = %v, want %v", got, want)
	}
	if rs[3].Addr != addrPort("127.1.7.1:1") || rs[4].Addr != addrPort("127.1.200.1:1") {
		t.Errorf("same-AS order = %v, %v", rs[3].Addr, rs[4].Addr)
	}
	for _, r := range rs {
		if want := loc.ASN(r.Addr.Addr()); r.ASN != want {
			t.Errorf("%v: ASN %d, want %d", r.Addr, r.ASN, want)
		}
	}
}

func TestRankByPrefixAndRTT(t *testing.T) {
	// No locator: no ASN is known, so there is no quota; order is by
	// prefix, then known RTT, with unknown RTT last.
	self := addr("10.0.0.1")
	rtts := map[netip.AddrPort]time.Duration{
		addrPort("10.0.64.1:1"): 30 * time.Millisecond,
		addrPort("10.0.64.2:1"): 10 * time.Millisecond,
		addrPort("10.0.64.3:1"): 0,
		addrPort("10.0.64.4:1"): 20 * time.Millisecond,
	}
	cands := []netip.AddrPort{
		addrPort("10.128.0.1:1"), addrPort("10.0.64.1:1"), addrPort("11.0.0.1:1"), addrPort("10.0.64.2:1"),
		addrPort("10.0.0.200:1"), addrPort("10.0.64.3:1"), addrPort("10.0.64.4:1"), addrPort("[2001:db8::1]:1"),
	}
	rtt := func(ap netip.AddrPort) time.Duration { return rtts[ap] }
	// Everyone in self's AS, so the diversity quota stays out of the order.
	oneAS, err := NewTable([]Entry{{netip.MustParsePrefix("10.0.0.0/8"), 7}, {netip.MustParsePrefix("11.0.0.0/8"), 7}, {netip.MustParsePrefix("2001:db8::/32"), 7}})
	if err != nil {
		t.Fatal(err)
	}
	rs := Rank(oneAS, self, cands, rtt, 100, RankConfig{Rand: newRand()})
	var got []string
	for _, r := range rs {
		got = append(got, r.Addr.String())
	}
	want := []string{"10.0.0.200:1", "10.0.64.2:1", "10.0.64.4:1", "10.0.64.1:1", "10.0.64.3:1", "10.128.0.1:1", "11.0.0.1:1", "[2001:db8::1]:1"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v\nwant    %v", got, want)
	}
	if rs[0].Class != ClassSameNet || rs[1].Class != ClassSameASN {
		t.Errorf("classes = %v", classes(rs))
	}
	for _, r := range rs {
		if r.Distance.RTT != rtts[r.Addr] {
			t.Errorf("%v: RTT %v, want %v", r.Addr, r.Distance.RTT, rtts[r.Addr])
		}
	}
}

func TestRankQuota(t *testing.T) {
	loc := LoopbackTable(16)
	self := addr("127.1.0.1")
	selfASN := loc.ASN(self)
	cands := candGrid([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 3)
	for seed := range uint64(20) {
		rs := Rank(loc, self, cands, nil, 20, RankConfig{Rand: rand.New(rand.NewPCG(seed, 2))})
		if len(rs) != 20 {
			t.Fatalf("seed %d: %d peers", seed, len(rs))
		}
		other := 0
		for i, r := range rs {
			if r.ASN != selfASN {
				other++
			}
			if r.Class == ClassRemote && r.ASN == selfASN {
				t.Errorf("seed %d: quota pick %v is in self's AS", seed, r.Addr)
			}
			// Spread: every block of 4 positions holds a quota pick.
			if i%4 == 3 && r.Class != ClassRemote {
				t.Errorf("seed %d: position %d is %v, want a quota pick; classes %v", seed, i, r.Class, classes(rs))
			}
		}
		if other < 5 {
			t.Errorf("seed %d: %d of 20 from other ASes, want ≥ 5", seed, other)
		}
		checkNearOrder(t, rs)
		// Truncated to its first 4, the list still carries a remote peer.
		if !slices.ContainsFunc(rs[:4], func(r Ranked) bool { return r.ASN != selfASN }) {
			t.Errorf("seed %d: no remote peer in the first 4", seed)
		}
	}
}

func TestRankQuotaShare(t *testing.T) {
	loc := LoopbackTable(16)
	cands := candGrid([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 3)
	for _, tt := range []struct {
		share     float64
		n, remote int
	}{
		{0.25, 20, 5}, {0.3, 20, 6}, {0.5, 10, 5}, {1, 10, 10}, {0, 50, 13}, {7, 10, 10}, {-1, 8, 2},
	} {
		rs := Rank(loc, addr("127.1.0.1"), cands, nil, tt.n, RankConfig{RemoteShare: tt.share, Rand: newRand()})
		got := 0
		for _, r := range rs {
			if r.Class == ClassRemote {
				got++
			}
		}
		if got != tt.remote {
			t.Errorf("share %v, n %d: %d quota picks, want %d", tt.share, tt.n, got, tt.remote)
		}
	}
}

func TestRankNoQuotaInOwnAS(t *testing.T) {
	loc := LoopbackTable(16)
	cands := candGrid([]int{1}, 20, 3)
	rs := Rank(loc, addr("127.1.0.1"), cands, nil, 20, RankConfig{Rand: newRand()})
	if len(rs) != 20 {
		t.Fatalf("%d peers", len(rs))
	}
	for _, r := range rs {
		if r.Class == ClassRemote {
			t.Fatalf("quota pick %v with all candidates in self's AS", r.Addr)
		}
	}
	checkNearOrder(t, rs)
	// Self of unknown AS, all candidates of unknown AS: unknown never
	// matches unknown, so the quota still spreads picks (no islands when
	// no ASN data is loaded).
	rs = Rank(loc, addr("127.100.0.1"), candGrid([]int{101, 102}, 5, 3), nil, 20, RankConfig{Rand: newRand()})
	if !slices.Contains(classes(rs), ClassRemote) {
		t.Errorf("no quota among unknown ASes: %v", classes(rs))
	}
	// Self of unknown AS, candidates of a known AS: quota.
	rs = Rank(loc, addr("127.100.0.1"), candGrid([]int{101, 3}, 5, 3), nil, 20, RankConfig{Rand: newRand()})
	if !slices.Contains(classes(rs), ClassRemote) {
		t.Errorf("no quota though candidates of another AS: %v", classes(rs))
	}
	// Self of known AS, candidates of unknown AS: quota.
	rs = Rank(loc, addr("127.1.0.1"), candGrid([]int{1, 101}, 5, 3), nil, 20, RankConfig{Rand: newRand()})
	if !slices.Contains(classes(rs), ClassRemote) {
		t.Errorf("no quota though candidates of unknown AS: %v", classes(rs))
	}
}

func TestRankCaps(t *testing.T) {
	loc := LoopbackTable(16)
	self := addr("127.1.0.1")
	cands := candGrid([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 4, 20)
	perNet := func(rs []Ranked) map[netip.Prefix]int {
		m := map[netip.Prefix]int{}
		for _, r := range rs {
			p, _ := r.Addr.Addr().Prefix(24)
			m[p]++
		}
		return m
	}
	tests := []struct {
		cfg             RankConfig
		n               int
		netCap, asnCap  int
		wantLen         int
		wantNetAtCapMin int // at least one /24 holds exactly netCap peers
	}{
		{RankConfig{}, 50, 8, 0, 50, 1},
		{RankConfig{MaxPerNet: 3}, 50, 3, 0, 50, 1},
		{RankConfig{MaxPerNet: -1}, 50, 0, 0, 50, 0},
		{RankConfig{MaxPerASN: 2}, 50, 8, 2, 20, 0},
		{RankConfig{MaxPerASN: 5, MaxPerNet: 2}, 100, 2, 5, 50, 1},
	}
	for i, tt := range tests {
		tt.cfg.Rand = newRand()
		rs := Rank(loc, self, cands, nil, tt.n, tt.cfg)
		if len(rs) != tt.wantLen {
			t.Errorf("case %d: %d peers, want %d", i, len(rs), tt.wantLen)
		}
		atCap := 0
		for p, c := range perNet(rs) {
			if tt.netCap > 0 && c > tt.netCap {
				t.Errorf("case %d: %d peers in %v, cap %d", i, c, p, tt.netCap)
			}
			if c == tt.netCap {
				atCap++
			}
		}
		if atCap < tt.wantNetAtCapMin {
			t.Errorf("case %d: no /24 reaches the cap %d", i, tt.netCap)
		}
		if tt.cfg.MaxPerNet < 0 && perNet(rs)[prefix("127.1.0.0/24")] != 20 {
			t.Errorf("case %d: uncapped: %d peers from self's /24, want all 20 (self's IP included: callers drop their own address)", i, perNet(rs)[prefix("127.1.0.0/24")])
		}
		perASN := map[ASN]int{}
		for _, r := range rs {
			perASN[r.ASN]++
		}
		for a, c := range perASN {
			if tt.asnCap > 0 && c > tt.asnCap {
				t.Errorf("case %d: %d peers of %v, cap %d", i, c, a, tt.asnCap)
			}
		}
		checkNearOrder(t, rs)
	}
}

func TestRankKeepsSharedIPDropsDuplicates(t *testing.T) {
	loc := LoopbackTable(4)
	self := addr("127.1.0.1")
	cands := []netip.AddrPort{
		addrPort("127.1.0.1:6881"),
		addrPort("[::ffff:127.1.0.1]:1"),
		addrPort("127.1.0.2:6881"),
		addrPort("127.1.0.2:6881"),
		addrPort("[::ffff:127.1.0.2]:6881"),
		addrPort("127.1.0.2:6882"), // another peer behind the same address
		addrPort("127.2.0.1:6881"),
		{}, // invalid
	}
	for _, off := range []bool{false, true} {
		for _, self := range []netip.Addr{self, addr("::ffff:127.1.0.1")} {
			rs := Rank(loc, self, cands, nil, 10, RankConfig{Rand: newRand(), Off: off})
			got := map[netip.AddrPort]bool{}
			for _, r := range rs {
				k := apKey(r.Addr)
				if got[k] {
					t.Errorf("off=%v duplicate %v", off, r.Addr)
				}
				got[k] = true
			}
			// Self's IP stays (other peers share it), duplicates go.
			if len(rs) != 5 {
				t.Errorf("off=%v: %d peers, want 5: %v", off, len(rs), rs)
			}
		}
	}
}

func TestRankEdgeCases(t *testing.T) {
	loc := LoopbackTable(4)
	cands := candGrid([]int{1, 2}, 2, 2)
	if rs := Rank(loc, addr("127.1.0.1"), cands, nil, 0, RankConfig{}); rs != nil {
		t.Errorf("n=0: %v", rs)
	}
	if rs := Rank(loc, addr("127.1.0.1"), nil, nil, 5, RankConfig{}); rs != nil {
		t.Errorf("no candidates: %v", rs)
	}
	// nil Rand: deterministic.
	a := Rank(loc, addr("127.1.0.1"), cands, nil, 5, RankConfig{})
	b := Rank(loc, addr("127.1.0.1"), cands, nil, 5, RankConfig{})
	if !reflect.DeepEqual(a, b) || len(a) != 5 {
		t.Errorf("nil Rand: %v vs %v", a, b)
	}
	// Invalid self: everything is a candidate.
	if rs := Rank(loc, netip.Addr{}, cands, nil, 100, RankConfig{Rand: newRand()}); len(rs) != len(cands) {
		t.Errorf("invalid self: %d peers", len(rs))
	}
}

func TestRankDeterministic(t *testing.T) {
	loc := LoopbackTable(16)
	cands := candGrid([]int{1, 2, 3, 4, 5, 6}, 6, 6)
	for _, off := range []bool{false, true} {
		a := Rank(loc, addr("127.1.0.1"), cands, nil, 30, RankConfig{Rand: newRand(), Off: off})
		b := Rank(loc, addr("127.1.0.1"), cands, nil, 30, RankConfig{Rand: newRand(), Off: off})
		if !reflect.DeepEqual(a, b) {
			t.Errorf("off=%v: same seed, different results", off)
		}
		c := Rank(loc, addr("127.1.0.1"), cands, nil, 30, RankConfig{Rand: rand.New(rand.NewPCG(3, 4)), Off: off})
		if reflect.DeepEqual(a, c) {
			t.Errorf("off=%v: different seeds, same result", off)
		}
	}
}

// chiSquare returns the chi-square statistic of counts against a uniform
// distribution.
func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	exp := float64(total) / float64(len(counts))
	var x float64
	for _, c := range counts {
		d := float64(c) - exp
		x += d * d / exp
	}
	return x
}

// chi-square critical value for 9 degrees of freedom at p = 0.001.
const chi9 = 27.88

func TestRankOffUniform(t *testing.T) {
	loc := LoopbackTable(16)
	self := addr("127.1.0.1")
	// Ten candidates at very different distances: with proximity off,
	// every one is equally likely at every position.
	cands := []netip.AddrPort{
		addrPort("127.1.0.2:1"), addrPort("127.1.1.2:1"), addrPort("127.1.64.2:1"), addrPort("127.2.0.1:1"), addrPort("127.3.0.1:1"),
		addrPort("127.9.0.1:1"), addrPort("127.15.0.1:1"), addrPort("10.77.1.1:1"), addrPort("8.8.8.8:1"), addrPort("[2001:db8::1]:1"),
	}
	index := map[netip.AddrPort]int{}
	for i, c := range cands {
		index[c] = i
	}
	rng := newRand()
	const runs = 20000
	first := make([]int, len(cands))
	last := make([]int, len(cands))
	for range runs {
		rs := Rank(loc, self, cands, nil, len(cands), RankConfig{Off: true, Rand: rng})
		if len(rs) != len(cands) {
			t.Fatalf("%d peers", len(rs))
		}
		first[index[rs[0].Addr]]++
		last[index[rs[len(rs)-1].Addr]]++
	}
	if x := chiSquare(first); x > chi9 {
		t.Errorf("first position not uniform: chi² = %.1f, counts %v", x, first)
	}
	if x := chiSquare(last); x > chi9 {
		t.Errorf("last position not uniform: chi² = %.1f, counts %v", x, last)
	}
	// With proximity on, the same-/24 peer always comes first.
	rs := Rank(loc, self, cands, nil, len(cands), RankConfig{Rand: rng})
	if rs[0].Addr != cands[0] {
		t.Errorf("proximity on: first = %v", rs[0].Addr)
	}
}

func TestRankQuotaUniform(t *testing.T) {
	// The quota pick is uniform among the candidates outside self's AS,
	// whatever their prefix distance.
	loc := LoopbackTable(16)
	self := addr("127.1.0.1")
	var cands []netip.AddrPort
	for a := 2; a <= 11; a++ {
		cands = append(cands, netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, byte(a), 0, 1}), 1))
	}
	cands = append(cands, candGrid([]int{1}, 3, 3)...) // nine in self's AS
	rng := newRand()
	counts := make([]int, 10)
	for range 20000 {
		rs := Rank(loc, self, cands, nil, 4, RankConfig{Rand: rng})
		n := 0
		for _, r := range rs {
			if r.Class == ClassRemote {
				counts[r.Addr.Addr().As4()[1]-2]++
				n++
			}
		}
		if n != 1 || rs[3].Class != ClassRemote {
			t.Fatalf("classes %v", classes(rs))
		}
	}
	if x := chiSquare(counts); x > chi9 {
		t.Errorf("quota pick not uniform: chi² = %.1f, counts %v", x, counts)
	}
}

func ExampleRank() {
	loc := LoopbackTable(4)
	self := netip.MustParseAddr("127.1.0.1")
	cands := []netip.AddrPort{
		netip.MustParseAddrPort("127.3.0.1:6881"),
		netip.MustParseAddrPort("127.1.0.2:6881"),
		netip.MustParseAddrPort("127.1.9.1:6881"),
		netip.MustParseAddrPort("127.2.0.1:6881"),
	}
	for _, r := range Rank(loc, self, cands, nil, 4, RankConfig{Rand: rand.New(rand.NewPCG(1, 2))}) {
		fmt.Println(r.Addr, r.ASN, r.Class)
	}
	// Output:
	// 127.1.0.2:6881 AS64496 same-net
	// 127.1.9.1:6881 AS64496 same-as
	// 127.2.0.1:6881 AS64497 prefix
	// 127.3.0.1:6881 AS64498 remote-quota
}
