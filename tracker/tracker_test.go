package tracker_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store"
	"github.com/shoal-p2p/shoal/tracker/store/memory"
	"github.com/shoal-p2p/shoal/tracker/store/storetest"
)

// docTable maps documentation prefixes to documentation ASNs: three IPv6
// /40s (each holding many /48s) and three IPv4 /24s.
func docTable(t *testing.T) *proximity.Table {
	t.Helper()
	var es []proximity.Entry
	for i, p := range []string{"2001:db8:100::/40", "2001:db8:200::/40", "2001:db8:300::/40", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"} {
		es = append(es, proximity.Entry{Prefix: netip.MustParsePrefix(p), ASN: proximity.ASN(64496 + i%3)})
	}
	tab, err := proximity.NewTable(es)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func newTracker(t *testing.T, mod func(*tracker.Config)) *tracker.Tracker {
	t.Helper()
	s := memory.New(memory.Config{})
	t.Cleanup(func() { s.Close() })
	cfg := tracker.Config{Store: s}
	if mod != nil {
		mod(&cfg)
	}
	tr, err := tracker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func announce(t *testing.T, tr *tracker.Tracker, ih tracker.InfoHash, id int, addr string, left int64, numWant int) tracker.AnnounceResponse {
	t.Helper()
	r, err := tr.Announce(context.Background(), tracker.AnnounceRequest{Proto: tracker.ProtoHTTP, InfoHash: ih,
		PeerID: storetest.ID(id), Addr: netip.MustParseAddrPort(addr), Left: left, NumWant: numWant})
	if err != nil {
		t.Fatalf("announce %d from %s: %v", id, addr, err)
	}
	return r
}

func TestNumWantDefaultAndCap(t *testing.T) {
	tr := newTracker(t, nil)
	ih := storetest.Hash(1)
	for i := range 260 {
		announce(t, tr, ih, i, fmt.Sprintf("10.%d.%d.1:6881", i/200, i%200), 1, 0)
	}
	for _, c := range []struct{ asked, want int }{{-1, 50}, {0, 0}, {7, 7}, {200, 200}, {5000, 200}} {
		r := announce(t, tr, ih, 999, "10.9.9.9:6881", 1, c.asked)
		if len(r.Peers) != c.want {
			t.Errorf("numwant %d: got %d peers, want %d", c.asked, len(r.Peers), c.want)
		}
	}
}

func TestIntervalJitter(t *testing.T) {
	tr := newTracker(t, func(c *tracker.Config) { c.Interval, c.Jitter, c.MinInterval = time.Hour, time.Minute, 2*time.Hour })
	seen := map[time.Duration]bool{}
	for i := range 50 {
		r := announce(t, tr, storetest.Hash(1), i, "192.0.2.1:1000", 1, 0)
		if r.Interval < time.Hour || r.Interval >= time.Hour+time.Minute {
			t.Fatalf("interval %v outside [1h, 1h1m)", r.Interval)
		}
		if r.MinInterval != time.Hour {
			t.Fatalf("min interval %v, want it clamped to the interval", r.MinInterval)
		}
		seen[r.Interval] = true
	}
	if len(seen) < 10 {
		t.Fatalf("50 announces got only %d distinct intervals: no jitter", len(seen))
	}
}

func TestNeverSelfButSameIPOthers(t *testing.T) {
	tr := newTracker(t, nil)
	ih := storetest.Hash(1)
	announce(t, tr, ih, 1, "192.0.2.7:1000", 1, 0)
	announce(t, tr, ih, 2, "192.0.2.7:2000", 1, 0) // another client behind the same NAT
	announce(t, tr, ih, 3, "192.0.2.7:1000", 1, 0) // a new peer id at peer 1's very address
	r := announce(t, tr, ih, 1, "192.0.2.7:1000", 1, 50)
	if len(r.Peers) != 1 || r.Peers[0].Addr.Port() != 2000 {
		t.Fatalf("got %v, want only the other client on the same IP (port 2000)", r.Peers)
	}
}

func TestProximityRanking(t *testing.T) {
	tab := docTable(t)
	tr := newTracker(t, func(c *tracker.Config) { c.Locator = tab })
	ih := storetest.Hash(1)
	id := 0
	add := func(format string, n int) {
		for i := range n {
			id++
			announce(t, tr, ih, id, fmt.Sprintf(format, i+1), 1, 0)
		}
	}
	add("[2001:db8:100::%x]:6881", 3)   // same /48 as the requester
	add("[2001:db8:1%02x::1]:6881", 10) // same AS (64496), other /48s
	add("[2001:db8:2%02x::1]:6881", 15) // AS 64497
	add("[2001:db8:3%02x::1]:6881", 15) // AS 64498
	for range 20 {
		r := announce(t, tr, ih, 9999, "[2001:db8:100::ff]:6881", 1, 20)
		if len(r.Peers) != 20 {
			t.Fatalf("got %d peers, want 20", len(r.Peers))
		}
		first := r.Peers[0].Addr.Addr()
		if p, _ := first.Prefix(48); p != netip.MustParsePrefix("2001:db8:100::/48") {
			t.Fatalf("first peer %v is not in the requester's /48", first)
		}
		var sameNet, sameAS, remote int
		for _, p := range r.Peers {
			switch a := p.Addr.Addr(); {
			case netip.MustParsePrefix("2001:db8:100::/48").Contains(a):
				sameNet++
			case tab.ASN(a) == 64496:
				sameAS++
			default:
				remote++
			}
		}
		if sameNet != 3 || sameAS != 10 || remote < 5 {
			t.Fatalf("list has %d same-/48, %d same-AS, %d remote peers; want 3, 10 and at least 5 (25%%)", sameNet, sameAS, remote)
		}
	}
	// Proximity off: uniform lists, so the 13 near peers are on average
	// only 13/43 of a list.
	off := newTracker(t, func(c *tracker.Config) { c.Locator = tab; c.Rank.Off = true })
	id = 0
	add2 := func(format string, n int) {
		for i := range n {
			id++
			announce(t, off, ih, id, fmt.Sprintf(format, i+1), 1, 0)
		}
	}
	add2("[2001:db8:100::%x]:6881", 3)
	add2("[2001:db8:1%02x::1]:6881", 10)
	add2("[2001:db8:2%02x::1]:6881", 15)
	add2("[2001:db8:3%02x::1]:6881", 15)
	near := 0
	for range 40 {
		for _, p := range announce(t, off, ih, 9999, "[2001:db8:100::ff]:6881", 1, 20).Peers {
			if tab.ASN(p.Addr.Addr()) == 64496 {
				near++
			}
		}
	}
	if avg := float64(near) / 40; avg > 9 {
		t.Fatalf("with proximity off, lists average %.1f near peers of 20; want about 6 (uniform)", avg)
	}
}

func TestAllowList(t *testing.T) {
	path := t.TempDir() + "/allow"
	ok := storetest.Hash(1)
	writeFile(t, path, "# private\n\n"+ok.String()+"\n")
	al, err := tracker.LoadAllowList(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracker(t, func(c *tracker.Config) { c.AllowList = al })
	announce(t, tr, ok, 1, "192.0.2.1:1", 1, 0)
	_, err = tr.Announce(context.Background(), tracker.AnnounceRequest{InfoHash: storetest.Hash(2), PeerID: storetest.ID(1), Addr: netip.MustParseAddrPort("192.0.2.1:1")})
	if err != tracker.ErrNotAuthorized {
		t.Fatalf("unlisted hash: err %v, want %v", err, tracker.ErrNotAuthorized)
	}
	if _, err := tr.Scrape(context.Background(), tracker.ProtoHTTP, []tracker.InfoHash{ok, storetest.Hash(2)}); err != tracker.ErrNotAuthorized {
		t.Fatalf("scrape with an unlisted hash: err %v", err)
	}
	writeFile(t, path, storetest.Hash(2).String()+"\n")
	if err := al.Reload(); err != nil {
		t.Fatal(err)
	}
	if al.Allowed(ok) || !al.Allowed(storetest.Hash(2)) {
		t.Fatal("reload did not replace the list")
	}
	writeFile(t, path, "zz\n")
	if err := al.Reload(); err == nil || !al.Allowed(storetest.Hash(2)) {
		t.Fatalf("bad reload: err %v; the old list must stay", err)
	}
}

func TestBadRequestsGetFixedErrors(t *testing.T) {
	tr := newTracker(t, nil)
	ctx := context.Background()
	for _, c := range []struct {
		addr string
		want *tracker.Error
	}{{"192.0.2.1:0", tracker.ErrPort}, {"0.0.0.0:1", tracker.ErrMalformed}} {
		_, err := tr.Announce(ctx, tracker.AnnounceRequest{Addr: netip.MustParseAddrPort(c.addr)})
		if err != c.want {
			t.Errorf("%s: %v, want %v", c.addr, err, c.want)
		}
	}
	if _, err := tr.Scrape(ctx, "http", nil); err != tracker.ErrFullScrape {
		t.Errorf("empty scrape: %v", err)
	}
	if _, err := tr.Scrape(ctx, "http", make([]tracker.InfoHash, 75)); err != tracker.ErrTooManyHashes {
		t.Errorf("75-hash scrape: %v", err)
	}
	if _, err := tracker.New(tracker.Config{}); err == nil {
		t.Error("New without a store succeeded")
	}
}

func TestLimiter(t *testing.T) {
	l := tracker.NewLimiter(1, 3, 100)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := range 3 {
		if !l.Allow(a) {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	if l.Allow(a) {
		t.Fatal("request beyond the burst allowed")
	}
	if !l.Allow(b) {
		t.Fatal("another address was limited")
	}
	// An IPv6 /64 is one source.
	v6a, v6b := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	for range 3 {
		l.Allow(v6a)
	}
	if l.Allow(v6b) {
		t.Fatal("a second address of the same /64 was not limited")
	}
	for i := range 1000 {
		l.Allow(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
	}
	if n := l.Sources(); n > 100+64 {
		t.Fatalf("limiter tracks %d sources, cap 100", n)
	}
}

var _ = store.Counts{}

// noPicker is a store that ignores AnnounceParams.Picker, as the Redis
// store does: the tracker ranks the view itself.
type noPicker struct{ store.Store }

func (s noPicker) Announce(ctx context.Context, p store.AnnounceParams) (store.View, error) {
	p.Picker = nil
	return s.Store.Announce(ctx, p)
}

func TestRankingWithoutStorePicker(t *testing.T) {
	tr := newTracker(t, func(c *tracker.Config) { c.Store = noPicker{c.Store} })
	ih := storetest.Hash(1)
	for i := range 40 {
		announce(t, tr, ih, i, fmt.Sprintf("127.%d.0.%d:%d", 1+i%4, 1+i/4, 1000+i), 1, 0)
	}
	announce(t, tr, ih, 99, "127.1.0.1:1000", 1, 0) // another peer id at peer 0's address
	for range 10 {
		r := announce(t, tr, ih, 0, "127.1.0.1:1000", 1, 12)
		if len(r.Peers) != 12 {
			t.Fatalf("got %d peers, want 12", len(r.Peers))
		}
		for i, p := range r.Peers {
			if p.Addr == netip.MustParseAddrPort("127.1.0.1:1000") {
				t.Fatalf("handed its own address at position %d", i)
			}
		}
		// The 8 others in 127.1.0.0/24 (the cap is 8) come first but for
		// the quota's 3 remote picks, spread through the list.
		same := 0
		for _, p := range r.Peers[:11] {
			if netip.MustParsePrefix("127.1.0.0/24").Contains(p.Addr.Addr()) {
				same++
			}
		}
		if same != 8 || !netip.MustParsePrefix("127.1.0.0/24").Contains(r.Peers[0].Addr.Addr()) {
			t.Fatalf("%d of the first 11 in the requester's /24 (want 8, the first among them): %v", same, r.Peers)
		}
	}
}
