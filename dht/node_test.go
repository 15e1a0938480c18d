package dht

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"
)

func TestNewRequiresConn(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a socket succeeded")
	}
}

func TestAddContactAndClose(t *testing.T) {
	a := loopbackNode(t, nil)
	b := loopbackNode(t, nil)
	a.AddContact(b.Addr())
	deadline := time.Now().Add(5 * time.Second)
	for a.Stats().Nodes == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if a.Stats().Nodes != 1 {
		t.Fatalf("contact not added: %+v", a.Stats())
	}
	a.Close()
	a.AddContact(b.Addr()) // no-op after Close
	l := a.GetPeers(context.Background(), [20]byte{1})
	if _, open := <-l.C; open {
		t.Fatal("lookup on a closed node delivered")
	}
	<-l.Done()
}

// The state file is written atomically on Close and read back on New:
// same node ID, same contacts.
// The state file keeps the routing contacts with their base RTTs, but not
// the configured bootstrap nodes; a warm start restores both.
func TestStateFileWarmStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dht.json")
	b := loopbackNode(t, nil)
	c := loopbackNode(t, nil)
	a := loopbackNode(t, func(cfg *Config) { cfg.StateFile = path; cfg.Bootstrap = []string{b.Addr().String()} })
	<-a.Ready()
	a.AddContact(c.Addr())
	deadline := time.Now().Add(5 * time.Second)
	for a.Stats().Nodes < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	id := a.ID()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := LoadState(path)
	if err != nil || st.ID != id || len(st.Contacts) != 1 || st.Contacts[0].Addr != c.Addr() || st.Contacts[0].RTT <= 0 {
		t.Fatalf("state %+v, err %v", st, err)
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Conn, cfg.StateFile = pc, path
	a2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	if a2.ID() != id || a2.Stats().Nodes != 1 {
		t.Fatalf("warm start: id %x nodes %d", a2.ID(), a2.Stats().Nodes)
	}
	if got := a2.health.base(c.Addr()); got != st.Contacts[0].RTT {
		t.Fatalf("restored RTT %v, saved %v", got, st.Contacts[0].RTT)
	}
}

func TestBackoff(t *testing.T) {
	for f := 1; f < 40; f++ {
		d := backoff(time.Second, time.Minute, f)
		want := min(time.Second<<min(f-1, 20), time.Minute)
		if d < want/2 || d >= want*3/2 {
			t.Fatalf("failure %d: backoff %v outside [%v, %v)", f, d, want/2, want*3/2)
		}
	}
}

// A node answers get_peers for a torrent its own client serves: a peer
// whose only contact is that node still finds the client.
func TestLocalPeerAnswered(t *testing.T) {
	mk := func(ip string, boot []string) *Node {
		pc, err := net.ListenPacket("udp4", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		n, err := New(Config{Conn: pc, Bootstrap: boot, StartJitter: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		return n
	}
	a := mk("127.0.3.1", nil)
	ih := [20]byte{1, 2, 3}
	self := netip.MustParseAddrPort("127.0.3.1:6881")
	if !a.AddLocalPeer(ih, self) {
		t.Fatal("local peer refused")
	}
	b := mk("127.0.3.2", []string{a.Addr().String()})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := b.GetPeers(ctx, ih)
	var found bool
	for batch := range l.C {
		for _, r := range batch {
			found = found || r.Addr == self
		}
	}
	if !found {
		t.Fatalf("lookup through the client's own node did not find the client: %+v", l.Stats())
	}
}
