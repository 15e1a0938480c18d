package memory_test

import (
	"net/netip"
	"testing"

	"github.com/shoal-p2p/shoal/tracker/store"
	"github.com/shoal-p2p/shoal/tracker/store/storetest"
)

// bytesPicker is a store.Picker4 that takes every candidate and records
// how each was offered.
type bytesPicker struct {
	asAddr  int
	offered []netip.AddrPort
	refs    []int32
}

func (p *bytesPicker) Add(a netip.AddrPort, ref int32) {
	p.asAddr++
	p.offered, p.refs = append(p.offered, a), append(p.refs, ref)
}

func (p *bytesPicker) AddIPv4(ip [4]byte, port uint16, ref int32) {
	p.offered, p.refs = append(p.offered, netip.AddrPortFrom(netip.AddrFrom4(ip), port)), append(p.refs, ref)
}

func (p *bytesPicker) Pick() []int32 { return p.refs }

// TestPicker4GetsIPv4AsBytes: the memory store offers IPv4 candidates to a
// store.Picker4 as bytes (no netip.AddrPort per candidate), IPv6 ones as
// addresses, and returns the peers behind the refs it handed out.
func TestPicker4GetsIPv4AsBytes(t *testing.T) {
	s := dualStackSwarm(t)
	ctx := t.Context()
	for _, self := range []netip.AddrPort{storetest.V4(0), storetest.V6(0)} {
		pk := &bytesPicker{}
		v, err := s.Announce(ctx, store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(0), Addr: self}, Want: 50, Picker: pk})
		if err != nil {
			t.Fatal(err)
		}
		if !v.Picked || len(v.Peers) != 9 || len(pk.offered) != 9 {
			t.Fatalf("%v: picked %v, %d peers, %d offered; want 9 of each", self, v.Picked, len(v.Peers), len(pk.offered))
		}
		if want := map[bool]int{true: 0, false: 9}[self.Addr().Is4()]; pk.asAddr != want {
			t.Fatalf("%v: %d candidates offered as netip.AddrPort, want %d", self, pk.asAddr, want)
		}
		for i, p := range v.Peers {
			if p.Addr != pk.offered[i] || p.Addr == self || store.Family(p.Addr) != store.Family(self) {
				t.Fatalf("%v: peer %d is %v, offered %v", self, i, p.Addr, pk.offered[i])
			}
		}
	}
}

// TestCompactPicks: asked for compact picks (no ids wanted), the memory
// store writes the picks' compact form after what the buffer held, IPv4
// and IPv6, and returns no Peers; the same picks as Peers otherwise.
func TestCompactPicks(t *testing.T) {
	s := dualStackSwarm(t)
	ctx := t.Context()
	for _, self := range []netip.AddrPort{storetest.V4(0), storetest.V6(0)} {
		p := store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(0), Addr: self}, Want: 50, NoIDs: true}
		p.Picker = &bytesPicker{}
		plain, err := s.Announce(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		p.Picker, p.Compact = &bytesPicker{}, []byte("head")
		v, err := s.Announce(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		want := []byte("head")
		for _, q := range plain.Peers {
			want = store.AppendCompact(want, q.Addr)
		}
		if !v.Picked || len(v.Peers) != 0 || len(plain.Peers) != 9 || string(v.Compact) != string(want) {
			t.Fatalf("%v: picked %v, %d peers, compact %x; want %x", self, v.Picked, len(v.Peers), v.Compact, want)
		}
	}
}

// dualStackSwarm returns a memory store whose swarm storetest.Hash(1) holds
// peers 0–9, each announced from its IPv4 and its IPv6 address.
func dualStackSwarm(t *testing.T) store.Store {
	t.Helper()
	s := newStore(t, storetest.NewClock().Now)
	for i := range 10 {
		for _, a := range []netip.AddrPort{storetest.V4(i), storetest.V6(i)} {
			if _, err := s.Announce(t.Context(), store.AnnounceParams{InfoHash: storetest.Hash(1), Peer: store.Peer{ID: storetest.ID(i), Addr: a}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}
