package storetest

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// lastPicker is a store.Picker that picks the last `keep` candidates
// offered, last first, and remembers every address it was offered.
type lastPicker struct {
	keep    int
	offered []netip.AddrPort
	refs    []int32
}

func (p *lastPicker) Add(a netip.AddrPort, ref int32) {
	p.offered = append(p.offered, a)
	p.refs = append(p.refs, ref)
}

// lastPicker4 is a lastPicker that also takes IPv4 candidates as bytes
// (store.Picker4); it counts how many came that way.
type lastPicker4 struct {
	lastPicker
	asBytes int
}

func (p *lastPicker4) AddIPv4(ip [4]byte, port uint16, ref int32) {
	p.asBytes++
	p.Add(netip.AddrPortFrom(netip.AddrFrom4(ip), port), ref)
}

func (p *lastPicker) Pick() []int32 {
	out := slices.Clone(p.refs[max(0, len(p.refs)-p.keep):])
	slices.Reverse(out)
	return out
}

// pickerCase: a store that honours AnnounceParams.Picker offers the
// candidates it would have returned and returns exactly the picks, in
// order; one that does not returns its usual view. It does so for a plain
// Picker and for a store.Picker4, which may be offered IPv4 candidates
// either way.
func pickerCase(e *env) {
	pickerCaseWith(e, func() (store.Picker, *lastPicker) { pk := &lastPicker{keep: 4}; return pk, pk })
	pickerCaseWith(e, func() (store.Picker, *lastPicker) {
		pk := &lastPicker4{lastPicker: lastPicker{keep: 4}}
		return pk, &pk.lastPicker
	})
}

func pickerCaseWith(e *env, newPicker func() (store.Picker, *lastPicker)) {
	seeder := func(i int) bool { return i%3 == 0 }
	for i := range 12 {
		e.announce(Hash(1), i, V4(i), seeder(i), store.EventStarted, 0)
	}
	p, pk := newPicker()
	v, err := e.s.Announce(e.ctx, store.AnnounceParams{InfoHash: Hash(1), Peer: store.Peer{ID: ID(3), Addr: V4(3), Seeder: true},
		Want: 50, Picker: p})
	if err != nil {
		e.t.Fatal(err)
	}
	wantCounts(e.t, "after the picked announce", v.Counts, 4, 8, 0)
	leechers := map[netip.AddrPort]bool{}
	for i := range 12 {
		if !seeder(i) {
			leechers[V4(i)] = true
		}
	}
	if !v.Picked {
		if len(pk.offered) != 0 || len(v.Peers) != 8 {
			e.t.Fatalf("picker ignored, yet it was offered %d candidates and the view has %d peers (want 0 and the 8 leechers)", len(pk.offered), len(v.Peers))
		}
		return
	}
	// A seeder's candidates are the 8 leechers, each offered once.
	got := map[netip.AddrPort]bool{}
	for _, a := range pk.offered {
		if !leechers[a] || got[a] {
			e.t.Fatalf("offered %v: not a leecher, or twice (offered %v)", a, pk.offered)
		}
		got[a] = true
	}
	if len(got) != 8 {
		e.t.Fatalf("offered %d candidates, want the 8 leechers", len(got))
	}
	want := slices.Clone(pk.offered[len(pk.offered)-4:])
	slices.Reverse(want)
	var gotAddrs []netip.AddrPort
	for _, p := range v.Peers {
		gotAddrs = append(gotAddrs, p.Addr)
		if p.Seeder {
			e.t.Fatalf("a seeder was handed seeder %v", p)
		}
		if want := ID(idOf(p.Addr)); p.ID != want {
			e.t.Fatalf("peer at %v has id %q, want %q", p.Addr, p.ID, want)
		}
	}
	if !slices.Equal(gotAddrs, want) {
		e.t.Fatalf("returned %v, want the picks %v in order", gotAddrs, want)
	}
}

// idOf inverts V4 for the small n the picker case uses.
func idOf(a netip.AddrPort) int {
	b := a.Addr().As4()
	n := int(b[2])<<8 | int(b[3])
	if V4(n) != a {
		panic(fmt.Sprintf("storetest: %v is not a V4 address", a))
	}
	return n
}
