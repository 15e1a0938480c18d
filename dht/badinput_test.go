package dht

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/dht/v2/krpc"
	"github.com/anacrolix/torrent/bencode"
)

// fakeNode is a scripted remote node on a loopback socket: it answers
// every query with the reply built by answer.
type fakeNode struct {
	pc     net.PacketConn
	id     [20]byte
	answer func(q krpc.Msg) *krpc.Return
	done   chan struct{}
}

func newFakeNode(t *testing.T, answer func(q krpc.Msg) *krpc.Return) *fakeNode {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNode{pc: pc, id: [20]byte{0xfa, 0xce}, answer: answer, done: make(chan struct{})}
	go f.serve()
	t.Cleanup(func() { pc.Close(); <-f.done })
	return f
}

func (f *fakeNode) addr() netip.AddrPort { ap, _ := addrPortOf(f.pc.LocalAddr()); return ap }

func (f *fakeNode) serve() {
	defer close(f.done)
	buf := make([]byte, 65536)
	for {
		n, from, err := f.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		var m krpc.Msg
		if bencode.Unmarshal(buf[:n], &m) != nil || m.Y != "q" {
			continue
		}
		r := f.answer(m)
		if r == nil {
			continue
		}
		r.ID = f.id
		b, err := bencode.Marshal(krpc.Msg{T: m.T, Y: "r", R: r})
		if err == nil {
			_, _ = f.pc.WriteTo(b, from)
		}
	}
}

// rawPing sends a ping from a fresh socket and reports whether node answered.
func rawPing(t *testing.T, to netip.AddrPort) bool {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	b, _ := bencode.Marshal(krpc.Msg{T: "pp", Y: "q", Q: "ping", A: &krpc.MsgArgs{ID: [20]byte{7, 7, 7}}})
	_, _ = pc.WriteTo(b, udpAddr(to))
	_ = pc.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := pc.ReadFrom(buf)
	return err == nil && bytes.Contains(buf[:n], []byte("1:t2:pp"))
}

func loopbackNode(t *testing.T, mod func(*Config)) *Node {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Conn = pc
	cfg.StartJitter = -1
	if mod != nil {
		mod(&cfg)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// Malformed, oversized and bogus datagrams are dropped and counted; the
// node keeps answering.
func TestBadDatagramsDropped(t *testing.T) {
	n := loopbackNode(t, nil)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	zeroID, _ := bencode.Marshal(krpc.Msg{T: "aa", Y: "q", Q: "ping", A: &krpc.MsgArgs{}})
	bad := [][]byte{
		[]byte("hello"),
		[]byte("d1:t"),
		[]byte("d1:y1:q1:t2:aa1:q4:pinge"), // no arguments
		[]byte("li1ei2ee"),
		zeroID,
		[]byte("d1:rd2:id20:aaaaaaaaaaaaaaaaaaaa5:nodes3:abce1:t2:zz1:y1:re"),    // truncated nodes
		[]byte("d1:rd2:id20:aaaaaaaaaaaaaaaaaaaa6:valuesl3:abcee1:t2:zz1:y1:re"), // bad value
		append([]byte("d1:t2:aa1:y1:q1:q4:ping1:ad2:id20:aaaaaaaaaaaaaaaaaaaa1:x"), []byte(strings.Repeat("9", 10))...),
		[]byte("d1:t2:aa1:y1:q1:q4:ping1:ad2:id20:aaaaaaaaaaaaaaaaaaaa1:x" + strings.Repeat("a", 5000) + "ee"), // oversized
		make([]byte, 60000),
		// A 1-byte compact address panics anacrolix/dht v2.24.0's decoder.
		[]byte("d1:rd2:id20:aaaaaaaaaaaaaaaaaaaa6:valuesl1:aee1:t2:zz1:y1:re"),
		[]byte("d2:ip1:a1:rd2:id20:aaaaaaaaaaaaaaaaaaaae1:t2:zz1:y1:re"),
		[]byte("d2:ip0:1:t2:aa1:y1:q1:q4:ping1:ad2:id20:aaaaaaaaaaaaaaaaaaaaee"),
	}
	for _, b := range bad {
		_, _ = pc.WriteTo(b, udpAddr(n.Addr()))
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.Stats().PacketsDropped < uint64(len(bad)) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if d := n.Stats().PacketsDropped; d < uint64(len(bad)) {
		t.Fatalf("dropped %d of %d bad datagrams", d, len(bad))
	}
	if !rawPing(t, n.Addr()) {
		t.Fatal("node stopped answering after bad input")
	}
}

// A remote node that answers with bogus node IDs, addresses and peer
// values: the lookup keeps only the good peer and never queries the
// bogus contacts.
func TestBogusRepliesIgnored(t *testing.T) {
	good := netip.MustParseAddrPort("127.9.9.9:6881")
	self := [20]byte{0x11} // set before the fake node can be asked anything
	queried := make(chan netip.AddrPort, 64)
	fake := newFakeNode(t, func(q krpc.Msg) *krpc.Return {
		r := &krpc.Return{}
		switch q.Q {
		case "get_peers":
			tok := "tok"
			r.Token = &tok
			r.Values = []krpc.NodeAddr{
				{IP: net.IPv4(0, 0, 0, 0), Port: 6881},
				{IP: net.IPv4(127, 0, 0, 1), Port: 0},
				{IP: net.IPv4(224, 0, 0, 1), Port: 80},
				toNodeAddr(good),
			}
			fallthrough
		case "find_node":
			r.Nodes = krpc.CompactIPv4NodeInfo{
				{ID: [20]byte{}, Addr: krpc.NodeAddr{IP: net.IPv4(127, 0, 0, 5), Port: 5}},  // zero ID
				{ID: self, Addr: krpc.NodeAddr{IP: net.IPv4(127, 0, 0, 6), Port: 6}},        // our own ID
				{ID: [20]byte{1}, Addr: krpc.NodeAddr{IP: net.IPv4(127, 0, 0, 7), Port: 0}}, // port 0
				{ID: [20]byte{2}, Addr: krpc.NodeAddr{IP: net.IPv4(0, 0, 0, 0), Port: 7}},   // unspecified
			}
		}
		return r
	})
	n := loopbackNode(t, func(c *Config) {
		c.Bootstrap = []string{fake.addr().String()}
		c.NodeID = self
	})
	if n.ID() != self {
		t.Fatalf("node ID %x, configured %x", n.ID(), self)
	}
	_ = queried
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lk := n.GetPeers(ctx, [20]byte{0xfa})
	var got []netip.AddrPort
	for batch := range lk.C {
		for _, p := range batch {
			got = append(got, p.Addr)
		}
	}
	if len(got) != 1 || got[0] != good {
		t.Fatalf("peers %v, want only %v", got, good)
	}
	if st := lk.Stats(); st.Queries != 1 {
		t.Fatalf("lookup sent %d queries; bogus contacts must not be queried", st.Queries)
	}
}

// FuzzCheckKRPC: the datagram filter never panics, and what it accepts
// has the shape it promises.
func FuzzCheckKRPC(f *testing.F) {
	for _, m := range []krpc.Msg{
		{T: "aa", Y: "q", Q: "ping", A: &krpc.MsgArgs{ID: [20]byte{1}}},
		{T: "aa", Y: "r", R: &krpc.Return{ID: [20]byte{1}, Nodes: krpc.CompactIPv4NodeInfo{{ID: [20]byte{2}, Addr: krpc.NodeAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}}}}},
		{T: "aa", Y: "e", E: &krpc.Error{Code: 201, Msg: "x"}},
	} {
		b, _ := bencode.Marshal(m)
		f.Add(b)
	}
	f.Add([]byte("d1:rd2:id20:aaaaaaaaaaaaaaaaaaaa5:nodes3:abce1:t2:zz1:y1:re"))
	f.Add([]byte("d2:ip1:a1:rd2:id20:aaaaaaaaaaaaaaaaaaaae1:t2:zz1:y1:re"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := checkKRPC(b)
		if !ok {
			return
		}
		if m.T == "" || len(m.T) > maxTxIDLen {
			t.Fatal("bad transaction ID accepted")
		}
		switch m.Y {
		case "q":
			if m.A == nil || m.A.ID.IsZero() {
				t.Fatal("query without sender ID accepted")
			}
		case "r":
			if m.R == nil || m.R.ID.IsZero() || len(m.R.Nodes) > maxNodesMsg || len(m.R.Values) > maxValuesMsg {
				t.Fatal("bad reply accepted")
			}
			for _, v := range m.R.Values {
				if len(v.IP) != 4 && len(v.IP) != 16 {
					t.Fatal("bad value accepted")
				}
			}
		case "e":
		default:
			t.Fatalf("type %q accepted", m.Y)
		}
	})
}
