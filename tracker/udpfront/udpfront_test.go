package udpfront

import (
	"context"
	"encoding/binary"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store/memory"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newServer(t testing.TB, clock *fakeClock, secret []byte) *Server {
	s := memory.New(memory.Config{})
	t.Cleanup(func() { s.Close() })
	tr, err := tracker.New(tracker.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	return New(tr, Options{Now: clock.now, Secret: secret, ConnIDWindow: time.Minute})
}

var (
	client  = netip.MustParseAddrPort("192.0.2.1:4000")
	client2 = netip.MustParseAddrPort("192.0.2.2:4000")
)

func connectPkt(tx uint32) []byte {
	b := binary.BigEndian.AppendUint64(nil, protocolMagic)
	b = binary.BigEndian.AppendUint32(b, actionConnect)
	return binary.BigEndian.AppendUint32(b, tx)
}

func connect(t *testing.T, s *Server, from netip.AddrPort) uint64 {
	t.Helper()
	r := s.Handle(context.Background(), connectPkt(7), from, nil)
	if len(r) != 16 || binary.BigEndian.Uint32(r) != actionConnect || binary.BigEndian.Uint32(r[4:]) != 7 {
		t.Fatalf("connect answer %x", r)
	}
	return binary.BigEndian.Uint64(r[8:])
}

func announcePkt(cid uint64, tx uint32, ih, id byte, left int64, event uint32, numwant int32, port uint16) []byte {
	b := binary.BigEndian.AppendUint64(nil, cid)
	b = binary.BigEndian.AppendUint32(b, actionAnnounce)
	b = binary.BigEndian.AppendUint32(b, tx)
	for range 20 {
		b = append(b, ih)
	}
	for range 20 {
		b = append(b, id)
	}
	b = binary.BigEndian.AppendUint64(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(left))
	b = binary.BigEndian.AppendUint64(b, 0)
	b = binary.BigEndian.AppendUint32(b, event)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(numwant))
	return binary.BigEndian.AppendUint16(b, port)
}

func errorMsg(r []byte) string {
	if len(r) < 8 || binary.BigEndian.Uint32(r) != actionError {
		return ""
	}
	return string(r[8:])
}

func TestConnectionIDsRotate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	s := newServer(t, clock, nil)
	cid := connect(t, s, client)
	ok := func(from netip.AddrPort, id uint64) bool {
		r := s.Handle(context.Background(), announcePkt(id, 1, 1, 1, 5, 0, -1, 6881), from, nil)
		return errorMsg(r) == ""
	}
	if !ok(client, cid) {
		t.Fatal("fresh ID refused")
	}
	if ok(client2, cid) {
		t.Fatal("ID accepted from another IP")
	}
	if ok(client, cid^1) {
		t.Fatal("forged ID accepted")
	}
	clock.add(time.Minute)
	if !ok(client, cid) {
		t.Fatal("ID from the previous window refused")
	}
	clock.add(time.Minute)
	if ok(client, cid) {
		t.Fatal("ID two windows old accepted")
	}
	// A port change behind NAT keeps the ID.
	cid = connect(t, s, client)
	if !ok(netip.AddrPortFrom(client.Addr(), 9), cid) {
		t.Fatal("ID refused after a source port change")
	}
}

func TestSharedSecretAcrossInstances(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	secret := []byte("0123456789abcdef-shared")
	a, b, c := newServer(t, clock, secret), newServer(t, clock, secret), newServer(t, clock, []byte("another-secret-xx"))
	cid := connect(t, a, client)
	pkt := announcePkt(cid, 1, 1, 1, 5, 0, -1, 6881)
	if m := errorMsg(b.Handle(context.Background(), pkt, client, nil)); m != "" {
		t.Fatalf("instance b refused a's ID: %s", m)
	}
	if m := errorMsg(c.Handle(context.Background(), pkt, client, nil)); m != tracker.ErrConnectionID.Msg {
		t.Fatalf("instance with another secret: %q", m)
	}
}

func TestAnnounceScrapeAndBadPackets(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	s := newServer(t, clock, nil)
	ctx := context.Background()
	cid := connect(t, s, client)
	r := s.Handle(ctx, announcePkt(cid, 9, 1, 1, 0, 2, -1, 6881), client, nil)
	if len(r) != 20 || binary.BigEndian.Uint32(r) != actionAnnounce || binary.BigEndian.Uint32(r[4:]) != 9 ||
		binary.BigEndian.Uint32(r[12:]) != 0 || binary.BigEndian.Uint32(r[16:]) != 1 {
		t.Fatalf("seed's announce answer %x", r)
	}
	cid2 := connect(t, s, client2)
	// BEP 41 options after the 98 bytes are tolerated.
	pkt := append(announcePkt(cid2, 10, 1, 2, 5, 2, 50, 6882), 2, 9, '/', 'a', 'n', 'n', 'o', 'u', 'n', 'c', 'e')
	r = s.Handle(ctx, pkt, client2, nil)
	if len(r) != 26 || string(r[20:]) != "\xc0\x00\x02\x01\x1a\xe1" {
		t.Fatalf("leecher's announce answer %x, want the seed 192.0.2.1:6881", r)
	}
	// IPv6 requesters get 18-byte peers.
	v6 := netip.MustParseAddrPort("[2001:db8::5]:4000")
	cid6 := connect(t, s, v6)
	s.Handle(ctx, announcePkt(cid6, 1, 1, 3, 0, 2, -1, 7000), v6, nil)
	v6b := netip.MustParseAddrPort("[2001:db8::6]:4000")
	r = s.Handle(ctx, announcePkt(connect(t, s, v6b), 1, 1, 4, 5, 2, -1, 7001), v6b, nil)
	if len(r) != 20+18 || netip.AddrFrom16([16]byte(r[20:36])) != v6.Addr() {
		t.Fatalf("IPv6 announce answer %x", r)
	}
	// Scrape.
	sc := binary.BigEndian.AppendUint64(nil, cid)
	sc = binary.BigEndian.AppendUint32(sc, actionScrape)
	sc = binary.BigEndian.AppendUint32(sc, 11)
	sc = append(sc, strings.Repeat("\x01", 20)+strings.Repeat("\x05", 20)...)
	r = s.Handle(ctx, sc, client, nil)
	if len(r) != 8+24 || binary.BigEndian.Uint32(r[8:]) != 2 || binary.BigEndian.Uint32(r[16:]) != 2 || binary.BigEndian.Uint32(r[20:]) != 0 {
		t.Fatalf("scrape answer %x, want 2 seeders 2 leechers then zeros", r)
	}

	long := make([]byte, 16+75*20)
	copy(long, sc[:16])
	for _, c := range []struct {
		name string
		pkt  []byte
		from netip.AddrPort
		want string // "" means dropped
	}{
		{"empty", nil, client, ""},
		{"short", make([]byte, 15), client, ""},
		{"connect with a bad magic", append(make([]byte, 8), connectPkt(1)[8:]...), client, ""},
		{"announce too short", announcePkt(cid, 1, 1, 1, 0, 0, -1, 1)[:97], client, tracker.ErrMalformed.Msg},
		{"bad port", announcePkt(cid, 1, 1, 1, 0, 0, -1, 0), client, tracker.ErrPort.Msg},
		{"bad event", announcePkt(cid, 1, 1, 1, 0, 9, -1, 1), client, tracker.ErrMalformed.Msg},
		{"wrong connection ID", announcePkt(cid+1, 1, 1, 1, 0, 0, -1, 1), client, tracker.ErrConnectionID.Msg},
		{"wrong connection ID, tiny packet (no amplification)", announcePkt(cid+1, 1, 1, 1, 0, 0, -1, 1)[:16], client, ""},
		{"unknown action", append(append(binary.BigEndian.AppendUint64(nil, cid), 0, 0, 0, 9, 0, 0, 0, 1), make([]byte, 20)...), client, tracker.ErrUnknownAction.Msg},
		{"scrape, ragged", sc[:30], client, tracker.ErrMalformed.Msg},
		{"scrape, no hashes", sc[:16], client, tracker.ErrFullScrape.Msg},
		{"scrape, too many hashes", long, client, tracker.ErrTooManyHashes.Msg},
	} {
		r := s.Handle(ctx, c.pkt, c.from, nil)
		switch {
		case c.want == "" && r != nil:
			t.Errorf("%s: answered %x, want a drop", c.name, r)
		case c.want != "" && errorMsg(r) != c.want:
			t.Errorf("%s: answered %q, want error %q", c.name, r, c.want)
		}
	}
}

// FuzzHandle: any packet, from a client holding a valid connection ID or
// not, gets a well-formed answer or none — never a panic.
func FuzzHandle(f *testing.F) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	s := newServer(f, clock, nil)
	cid := s.ids.issue(client.Addr(), time.Now())
	f.Add(connectPkt(1), false)
	f.Add(announcePkt(cid, 1, 1, 1, 0, 2, -1, 6881), true)
	f.Add(announcePkt(0, 1, 1, 1, 0, 2, -1, 6881), false)
	f.Add(append(binary.BigEndian.AppendUint64(nil, cid), 0, 0, 0, 2, 0, 0, 0, 1, 1, 2, 3), true)
	f.Fuzz(func(t *testing.T, pkt []byte, withID bool) {
		if withID && len(pkt) >= 8 {
			binary.BigEndian.PutUint64(pkt, cid)
		}
		r := s.Handle(context.Background(), pkt, client, nil)
		if r == nil {
			return
		}
		if len(r) < 8 || binary.BigEndian.Uint32(r) > actionError {
			t.Fatalf("malformed answer %x", r)
		}
		authenticated := len(pkt) >= 8 && binary.BigEndian.Uint64(pkt) == cid
		if binary.BigEndian.Uint32(r) == actionError && !authenticated && len(r) > len(pkt) {
			t.Fatalf("unauthenticated %d-byte packet got a %d-byte answer", len(pkt), len(r))
		}
	})
}

func FuzzParseAnnounce(f *testing.F) {
	f.Add(announcePkt(1, 1, 1, 1, 0, 2, -1, 6881))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		a, err := ParseAnnounce(pkt)
		if err == nil && (len(pkt) < announceLen || a.Port == 0 || a.Event > tracker.EventStopped) {
			t.Fatalf("accepted %x as %+v", pkt, a)
		}
	})
}
