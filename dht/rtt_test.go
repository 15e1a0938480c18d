package dht

import (
	"net/netip"
	"testing"
	"time"

	"github.com/anacrolix/dht/v2/krpc"
	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-p2p/shoal/proximity"
)

func TestQueryTID(t *testing.T) {
	port := 6881
	q, err := bencode.Marshal(krpc.Msg{T: "ab", Y: "q", Q: "get_peers", A: &krpc.MsgArgs{
		ID: [20]byte{1}, InfoHash: [20]byte{2}, Port: &port, Want: []krpc.Want{krpc.WantNodes},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if tid, ok := queryTID(q); !ok || tid != "ab" {
		t.Fatalf("query: %q %v", tid, ok)
	}
	r, err := bencode.Marshal(krpc.Msg{T: "ab", Y: "r", R: &krpc.Return{ID: [20]byte{1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := queryTID(r); ok {
		t.Fatal("a reply taken for a query")
	}
	for _, bad := range []string{"", "d", "de", "d1:t2:ab1:y1:q", "d1:t9:ab1:y1:qe", "d1:ai1:t2:ab1:y1:qe", "d1:ad1:ti1e1:y1:qe", "l1:t2:abe", "d1:y1:q1:t0:e"} {
		if tid, ok := queryTID([]byte(bad)); ok {
			t.Errorf("%q: got %q", bad, tid)
		}
	}
	if tid, ok := queryTID([]byte("d1:ad2:id3:xyze1:q4:ping1:t2:zz1:y1:qe")); !ok || tid != "zz" {
		t.Fatalf("hand-made query: %q %v", tid, ok)
	}
}

type sample struct {
	ap  netip.AddrPort
	rtt time.Duration
}

// recordSink records what an rttMeter reports.
type recordSink struct {
	got         []sample
	alives, los []netip.AddrPort
}

func (r *recordSink) sample(ap netip.AddrPort, rtt time.Duration) {
	r.got = append(r.got, sample{ap, rtt})
}
func (r *recordSink) alive(ap netip.AddrPort) { r.alives = append(r.alives, ap) }
func (r *recordSink) lost(ap netip.AddrPort)  { r.los = append(r.los, ap) }

func TestRTTMeter(t *testing.T) {
	now := time.Unix(0, 0)
	rec := &recordSink{}
	m := newRTTMeter(func() time.Time { return now }, time.Second, rec)
	a := netip.MustParseAddrPort("127.0.0.2:1000")
	b := netip.MustParseAddrPort("127.0.0.3:1000")
	m.sent(a, "x")
	m.sent(b, "x")
	m.sent(b, "y")
	now = now.Add(30 * time.Millisecond)
	m.received(a, "x")
	m.received(a, "x") // duplicate reply: nothing more
	m.received(a, "y") // no such query to a
	now = now.Add(10 * time.Millisecond)
	m.received(b, "y")
	if len(rec.got) != 2 || rec.got[0] != (sample{a, 30 * time.Millisecond}) || rec.got[1] != (sample{b, 40 * time.Millisecond}) {
		t.Fatalf("samples %v", rec.got)
	}
	// Karn: a query sent twice gives no sample, but shows a alive.
	m.sent(a, "z")
	m.sent(a, "z")
	m.received(a, "z")
	if len(rec.got) != 2 || len(rec.alives) != 1 || rec.alives[0] != a {
		t.Fatalf("resent query: samples %v, alive %v", rec.got, rec.alives)
	}
	// b's query "x" is still pending, 40 ms after it was sent.
	m.sweep()
	if len(rec.los) != 0 {
		t.Fatalf("lost too early: %v", rec.los)
	}
	// A resend restarts the clock: lost a full lostAfter after the last send.
	m.sent(a, "r")
	now = now.Add(900 * time.Millisecond)
	m.sent(a, "r")
	now = now.Add(100 * time.Millisecond)
	m.sweep()
	if len(rec.los) != 1 || rec.los[0] != b {
		t.Fatalf("after 1.04 s: lost %v, want only %v", rec.los, b)
	}
	now = now.Add(900 * time.Millisecond)
	m.sweep()
	m.received(b, "x") // too late: forgotten, no sample
	if len(rec.los) != 2 || rec.los[1] != a || len(rec.got) != 2 {
		t.Fatalf("lost %v, samples %v", rec.los, rec.got)
	}
}

func TestHealthExpected(t *testing.T) {
	now := time.Unix(0, 0)
	h := newHealth(func() time.Time { return now })
	loc := proximity.LoopbackTable(4)
	me := netip.MustParseAddr("127.1.0.2")
	dist := func(ap netip.AddrPort) proximity.Distance { return proximity.Measure(loc, me, ap.Addr(), 0) }
	near := func(i int) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 1, byte(i)}), 1) }
	far := func(i int) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 3, 1, byte(i)}), 1) }
	if _, _, ok := h.expected(near(1), dist(near(1))); ok {
		t.Fatal("expected RTT with no samples")
	}
	for i := range 3 {
		h.sample(near(10+i), dist(near(10+i)), time.Duration(4+i)*time.Millisecond)
		h.sample(far(10+i), dist(far(10+i)), 120*time.Millisecond)
		// A busy moment inflates single samples; the base keeps the least.
		h.sample(far(10+i), dist(far(10+i)), 900*time.Millisecond)
	}
	// An unmeasured contact gets its class's median base.
	if rtt, _, ok := h.expected(near(1), dist(near(1))); !ok || rtt != 5*time.Millisecond {
		t.Fatalf("near class: %v %v", rtt, ok)
	}
	if rtt, _, ok := h.expected(far(1), dist(far(1))); !ok || rtt != 120*time.Millisecond {
		t.Fatalf("far class: %v %v", rtt, ok)
	}
	// Our own network has no measurement: it borrows its ASN's.
	same := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 0, 9}), 1)
	if !dist(same).SameNet {
		t.Fatal("test address not in our network")
	}
	if rtt, _, ok := h.expected(same, dist(same)); !ok || rtt != 5*time.Millisecond {
		t.Fatalf("same network, borrowed: %v %v", rtt, ok)
	}
	// A class of fewer than minPrefixClass contacts gives way to its tier.
	odd := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 200, 1}), 1)
	odd2 := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 200, 2}), 1)
	if classOfDistance(dist(odd)) == classOfDistance(dist(near(1))) {
		t.Fatal("test addresses in one class")
	}
	h.sample(odd, dist(odd), 300*time.Millisecond) // a late single sample
	// The tier's median of 4, 5, 6 and 300 ms.
	if rtt, _, _ := h.expected(odd2, dist(odd2)); rtt != 6*time.Millisecond {
		t.Fatalf("one-contact class: %v, want the tier's 6ms", rtt)
	}
	// A measured contact its own base, which follows a longer route once
	// the window has passed.
	h.sample(far(2), dist(far(2)), 200*time.Millisecond)
	h.sample(far(2), dist(far(2)), 150*time.Millisecond)
	if rtt, _, _ := h.expected(far(2), dist(far(2))); rtt != 150*time.Millisecond {
		t.Fatalf("measured: %v", rtt)
	}
	now = now.Add(baseWindow + time.Second)
	h.sample(far(2), dist(far(2)), 140*time.Millisecond)
	if rtt, _, _ := h.expected(far(2), dist(far(2))); rtt != 140*time.Millisecond {
		t.Fatalf("after the window: %v", rtt)
	}
	// One timeout makes a contact suspect, two skipped; a sample proves it
	// alive.
	h.timedOut(far(3))
	if !h.suspect(far(3)) || h.skip(far(3)) {
		t.Fatal("one timeout: want suspect, not skipped")
	}
	h.timedOut(far(3))
	if !h.skip(far(3)) {
		t.Fatal("not skipped after two timeouts")
	}
	h.sample(far(3), dist(far(3)), 100*time.Millisecond)
	if h.skip(far(3)) || h.suspect(far(3)) {
		t.Fatal("skipped or suspect after answering")
	}
	h.timedOut(far(3))
	now = now.Add(healthTTL + time.Second)
	if h.suspect(far(3)) {
		t.Fatal("still suspect after healthTTL")
	}
}

// The jitter of a class is the median deviation of its recent samples
// from their contact's base; an unmeasured contact adds the class's spread.
func TestHealthJitter(t *testing.T) {
	now := time.Unix(0, 0)
	h := newHealth(func() time.Time { return now })
	loc := proximity.LoopbackTable(4)
	me := netip.MustParseAddr("127.1.0.2")
	far := func(i int) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 3, 1, byte(i)}), 1) }
	d := proximity.Measure(loc, me, far(1).Addr(), 0)
	for _, ms := range []time.Duration{100, 110, 110, 900} { // deviations 0, 10, 10, 800
		h.sample(far(1), d, ms*time.Millisecond)
	}
	if rtt, dev, _ := h.expected(far(1), d); rtt != 100*time.Millisecond || dev != 10*time.Millisecond {
		t.Fatalf("measured: %v ± %v, want 100ms ± 10ms (a late sample does not count)", rtt, dev)
	}
	h.sample(far(2), d, 120*time.Millisecond)
	h.sample(far(3), d, 140*time.Millisecond)
	// Bases 100, 120, 140: median 120, spread (median of 20, 0, 20) 20.
	rtt, dev, _ := h.expected(far(9), d)
	if want := 30 * time.Millisecond; rtt != 120*time.Millisecond || dev != want {
		t.Fatalf("unmeasured: %v ± %v, want 120ms ± %v", rtt, dev, want)
	}
	// A contact whose own base is far above its class's (beyond twice the
	// median and four spreads: 2·140 + 4·40 ms) gets the class's.
	h.sample(far(4), d, 900*time.Millisecond)
	if rtt, _, _ := h.expected(far(4), d); rtt != 140*time.Millisecond {
		t.Fatalf("inflated own base: expected %v, want the class median 140ms", rtt)
	}
}
