package storetest

import (
	"slices"
	"time"

	"github.com/shoal-p2p/shoal/tracker/store"
)

var cases = []struct {
	name string
	fn   func(e *env)
}{
	{"FirstAnnounceSeesNobody", func(e *env) {
		v := e.announce(Hash(1), 1, V4(1), false, store.EventStarted, 50)
		wantCounts(e.t, "after one announce", v.Counts, 0, 1, 0)
		if len(v.Peers) != 0 {
			e.t.Fatalf("lone peer was handed %v", v.Peers)
		}
	}},
	{"PeersSeeEachOtherNeverThemselves", func(e *env) {
		for i := range 5 {
			e.announce(Hash(1), i, V4(i), false, store.EventStarted, 50)
		}
		v := e.announce(Hash(1), 2, V4(2), false, store.EventNone, 50)
		got := peerIDs(v.Peers)
		if len(v.Peers) != 4 || len(got) != 4 {
			e.t.Fatalf("got %d peers (%d distinct), want the 4 others", len(v.Peers), len(got))
		}
		if _, self := got[ID(2)]; self {
			e.t.Fatal("peer was handed itself")
		}
		for i := range 5 {
			if p, ok := got[ID(i)]; i != 2 && (!ok || p.Addr != V4(i)) {
				e.t.Fatalf("peer %d missing or at the wrong address: %+v", i, p)
			}
		}
	}},
	{"WantLimitsAndSamplesDistinct", func(e *env) {
		const n = 300
		for i := range n {
			e.announce(Hash(1), i, V4(i), i%2 == 0, store.EventStarted, 0)
		}
		for _, want := range []int{0, 1, 50, 200} {
			v := e.announce(Hash(1), 7, V4(7), false, store.EventNone, want)
			if len(v.Peers) != want || len(peerIDs(v.Peers)) != want {
				e.t.Fatalf("want %d: got %d peers, %d distinct", want, len(v.Peers), len(peerIDs(v.Peers)))
			}
			if _, self := peerIDs(v.Peers)[ID(7)]; self {
				e.t.Fatal("peer was handed itself")
			}
		}
		v := e.announce(Hash(1), 9999, V4(9999), false, store.EventNone, 1000)
		if len(v.Peers) != n {
			e.t.Fatalf("want more than the swarm: got %d peers, want all %d others", len(v.Peers), n)
		}
	}},
	{"SeedersGetNoSeeders", func(e *env) {
		for i := range 10 {
			e.announce(Hash(1), i, V4(i), i < 6, store.EventStarted, 0)
		}
		v := e.announce(Hash(1), 0, V4(0), true, store.EventNone, 50)
		if len(v.Peers) != 4 {
			e.t.Fatalf("seeder got %d peers, want the 4 leechers", len(v.Peers))
		}
		for _, p := range v.Peers {
			if p.Seeder {
				e.t.Fatalf("seeder was handed seeder %+v", p)
			}
		}
		v = e.announce(Hash(1), 8, V4(8), false, store.EventNone, 50)
		if len(v.Peers) != 9 {
			e.t.Fatalf("leecher got %d peers, want all 9 others", len(v.Peers))
		}
	}},
	{"CompletedCountsOncePerLeecher", func(e *env) {
		e.announce(Hash(1), 1, V4(1), false, store.EventStarted, 0)
		v := e.announce(Hash(1), 1, V4(1), true, store.EventCompleted, 0)
		wantCounts(e.t, "after completed", v.Counts, 1, 0, 1)
		v = e.announce(Hash(1), 1, V4(1), true, store.EventCompleted, 0)
		wantCounts(e.t, "after a repeated completed", v.Counts, 1, 0, 1)
		e.announce(Hash(1), 2, V4(2), false, store.EventStarted, 0)
		v = e.announce(Hash(1), 2, V4(2), true, store.EventCompleted, 0)
		wantCounts(e.t, "after a second leecher completed", v.Counts, 2, 0, 2)
		wantCounts(e.t, "scrape", e.scrape(Hash(1))[0], 2, 0, 2)
	}},
	{"StoppedRemoves", func(e *env) {
		e.announce(Hash(1), 1, V4(1), false, store.EventStarted, 0)
		e.announce(Hash(1), 2, V4(2), true, store.EventStarted, 0)
		v := e.announce(Hash(1), 1, V4(1), false, store.EventStopped, 50)
		wantCounts(e.t, "after stopped", v.Counts, 1, 0, 0)
		if len(v.Peers) != 0 {
			e.t.Fatalf("a stopped announce was handed peers: %v", v.Peers)
		}
		v = e.announce(Hash(1), 3, V4(3), false, store.EventStarted, 50)
		if ids := peerIDs(v.Peers); len(ids) != 1 || ids[ID(2)].Addr != V4(2) {
			e.t.Fatalf("after peer 1 stopped, peer 3 got %v, want only peer 2", v.Peers)
		}
		e.announce(Hash(1), 2, V4(2), true, store.EventStopped, 0)
		e.announce(Hash(1), 3, V4(3), false, store.EventStopped, 0)
		wantCounts(e.t, "all stopped", e.scrape(Hash(1))[0], 0, 0, 0)
		if st := e.stats(); st != (store.Stats{}) {
			e.t.Fatalf("stats after every peer stopped: %+v, want zero", st)
		}
		v = e.announce(Hash(2), 9, V4(9), false, store.EventStopped, 0)
		wantCounts(e.t, "stopped of an unknown peer", v.Counts, 0, 0, 0)
	}},
	{"SeederLeecherSwitch", func(e *env) {
		e.announce(Hash(1), 1, V4(1), true, store.EventStarted, 0)
		v := e.announce(Hash(1), 1, V4(1), false, store.EventNone, 0)
		wantCounts(e.t, "seeder re-announcing as leecher", v.Counts, 0, 1, 0)
	}},
	{"AddressChangeReplaces", func(e *env) {
		e.announce(Hash(1), 1, V4(1), false, store.EventStarted, 0)
		moved := V4(77)
		e.announce(Hash(1), 1, moved, false, store.EventNone, 0)
		v := e.announce(Hash(1), 2, V4(2), false, store.EventStarted, 50)
		wantCounts(e.t, "after a move", v.Counts, 0, 2, 0)
		if len(v.Peers) != 1 || v.Peers[0].Addr != moved {
			e.t.Fatalf("got %v, want peer 1 at its new address %v only", v.Peers, moved)
		}
	}},
	{"FamiliesKeptApart", func(e *env) {
		e.announce(Hash(1), 1, V4(1), false, store.EventStarted, 0)
		e.announce(Hash(1), 2, V6(2), false, store.EventStarted, 0)
		e.announce(Hash(1), 3, V6(3), true, store.EventStarted, 0)
		v4 := e.announce(Hash(1), 4, V4(4), false, store.EventStarted, 50)
		wantCounts(e.t, "mixed swarm", v4.Counts, 1, 3, 0)
		if len(v4.Peers) != 1 || v4.Peers[0].Addr != V4(1) {
			e.t.Fatalf("IPv4 requester got %v, want only the IPv4 peer", v4.Peers)
		}
		v6 := e.announce(Hash(1), 5, V6(5), false, store.EventStarted, 50)
		got := peerIDs(v6.Peers)
		if len(v6.Peers) != 2 || got[ID(2)].Addr != V6(2) || got[ID(3)].Addr != V6(3) || !got[ID(3)].Seeder {
			e.t.Fatalf("IPv6 requester got %v, want the two IPv6 peers", v6.Peers)
		}
		// One client on both families is two entries.
		v := e.announce(Hash(1), 1, V6(1), false, store.EventNone, 0)
		wantCounts(e.t, "dual-stack client", v.Counts, 1, 5, 0)
	}},
	{"SwarmsIsolatedAndScrapeInOrder", func(e *env) {
		e.announce(Hash(1), 1, V4(1), true, store.EventStarted, 0)
		e.announce(Hash(2), 2, V4(2), false, store.EventStarted, 0)
		e.announce(Hash(2), 3, V4(3), false, store.EventStarted, 0)
		v := e.announce(Hash(2), 4, V4(4), false, store.EventStarted, 50)
		for _, p := range v.Peers {
			if p.ID == ID(1) {
				e.t.Fatal("a peer of swarm 1 was handed out in swarm 2")
			}
		}
		c := e.scrape(Hash(2), Hash(3), Hash(1), Hash(2))
		want := []store.Counts{{Leechers: 3}, {}, {Seeders: 1}, {Leechers: 3}}
		if !slices.Equal(c, want) {
			e.t.Fatalf("scrape = %+v, want %+v", c, want)
		}
		if st := e.stats(); st != (store.Stats{Swarms: 2, Seeders: 1, Leechers: 3}) {
			e.t.Fatalf("stats = %+v", st)
		}
	}},
	{"SilentPeersExpire", func(e *env) {
		e.announce(Hash(1), 1, V4(1), false, store.EventStarted, 0)
		e.announce(Hash(1), 2, V4(2), true, store.EventStarted, 0)
		e.clock.Advance(TTL / 2)
		e.announce(Hash(1), 2, V4(2), true, store.EventNone, 0) // 2 keeps announcing
		e.clock.Advance(TTL/2 + 2*time.Second)
		wantCounts(e.t, "after peer 1 fell silent", e.scrape(Hash(1))[0], 1, 0, 0)
		v := e.announce(Hash(1), 3, V4(3), false, store.EventStarted, 50)
		if len(v.Peers) != 1 || v.Peers[0].ID != ID(2) {
			e.t.Fatalf("got %v, want only the peer that kept announcing", v.Peers)
		}
		e.clock.Advance(TTL + 2*time.Second)
		wantCounts(e.t, "after everyone fell silent", e.scrape(Hash(1))[0], 0, 0, 0)
		if st := e.stats(); st != (store.Stats{}) {
			e.t.Fatalf("stats after expiry: %+v, want zero", st)
		}
	}},
	{"StaggeredExpiry", func(e *env) {
		// Peers fall silent one after another; each must go on time even
		// though a store may skip sweeps while nobody can be stale.
		e.announce(Hash(1), 1, V4(1), false, store.EventStarted, 0)
		e.clock.Advance(TTL / 2)
		e.announce(Hash(1), 2, V4(2), false, store.EventStarted, 0)
		e.clock.Advance(TTL / 4)
		e.announce(Hash(1), 3, V4(3), false, store.EventStarted, 0)
		e.clock.Advance(TTL/4 + 2*time.Second) // peer 1 is past its TTL
		wantCounts(e.t, "after peer 1's TTL", e.scrape(Hash(1))[0], 0, 2, 0)
		e.clock.Advance(TTL / 8)
		wantCounts(e.t, "before peer 2's TTL", e.scrape(Hash(1))[0], 0, 2, 0)
		e.clock.Advance(3 * TTL / 8) // peer 2 is past its TTL, peer 3 not
		wantCounts(e.t, "after peer 2's TTL", e.scrape(Hash(1))[0], 0, 1, 0)
		e.clock.Advance(TTL / 4)
		wantCounts(e.t, "after peer 3's TTL", e.scrape(Hash(1))[0], 0, 0, 0)
	}},
	{"PickerChoosesPeers", pickerCase},
}
