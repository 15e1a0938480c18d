package peer

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/choker"
	"github.com/shoal-p2p/shoal/peer/wire"
)

// rawPeer is a hand-driven peer connection for choke tests.
type rawPeer struct {
	nc net.Conn
	r  *wire.Reader
	w  net.Conn
}

// dialRawPeer connects from the loopback address local to addr and
// handshakes for ih with opts; every read and write of the connection is
// bounded by 30 s (waitUnchoke and callers set shorter read deadlines).
func dialRawPeer(t *testing.T, addr, local string, ih [20]byte, opts wire.Options) *rawPeer {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wc, err := wire.Initiate(ctx, nc, ih, opts)
	if err != nil {
		t.Fatalf("handshake with %s: %v", addr, err)
	}
	return &rawPeer{nc: nc, r: wire.NewReader(wc, 1<<20), w: wc}
}

func (p *rawPeer) send(t *testing.T, m pp.Message) {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.w.Write(b); err != nil {
		t.Fatal(err)
	}
}

// waitUnchoke reads until UNCHOKE or the deadline; it reports when the
// UNCHOKE arrived.
func (p *rawPeer) waitUnchoke(deadline time.Time) (time.Time, bool) {
	_ = p.nc.SetReadDeadline(deadline)
	for {
		var m wire.Message
		if err := p.r.ReadMessage(&m); err != nil {
			return time.Time{}, false
		}
		if !m.Keepalive && m.Type == pp.Unchoke {
			return time.Now(), true
		}
	}
}

// A slot whose holder disconnects goes to a waiting peer at once, not at the
// next choke round.
func TestFreedSlotLentAtOnce(t *testing.T) {
	seed, st, _ := startSeed(t, 80, "s.bin", 4<<20, 64<<10, nil)
	// Start right after a round, so the next is seconds away.
	for end := time.Now().Add(15 * time.Second); time.Until(st.Stats().Choke.NextRound) < 8*time.Second; {
		if time.Now().After(end) {
			t.Fatal("no choke round within 15 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	addr := seed.ListenAddr().String()
	slots := choker.DefaultRegularSlots + choker.DefaultOptimisticSlots
	var held []*rawPeer
	for i := range slots {
		p := dialRawPeer(t, addr, "127.0.0."+strconv.Itoa(90+i), st.InfoHash(), wire.Options{PeerID: [20]byte{'-', 'X', 'X', byte(i)}})
		p.send(t, pp.Message{Type: pp.Interested})
		if _, ok := p.waitUnchoke(time.Now().Add(5 * time.Second)); !ok {
			t.Fatalf("peer %d of %d not unchoked while slots were free", i+1, slots)
		}
		held = append(held, p)
	}
	waiter := dialRawPeer(t, addr, "127.0.0."+strconv.Itoa(90+slots), st.InfoHash(), wire.Options{PeerID: [20]byte{'-', 'X', 'X', byte(slots)}})
	waiter.send(t, pp.Message{Type: pp.Interested})
	if _, ok := waiter.waitUnchoke(time.Now().Add(300 * time.Millisecond)); ok {
		t.Fatalf("peer %d unchoked with all %d slots taken", slots+1, slots)
	}
	nextRound := st.Stats().Choke.NextRound
	held[0].nc.Close()
	at, ok := waiter.waitUnchoke(time.Now().Add(5 * time.Second))
	switch {
	case !ok:
		t.Fatal("waiting peer not unchoked within 5 s of a slot holder leaving")
	case !at.Before(nextRound):
		t.Fatalf("waiting peer unchoked only by the choke round at %v", nextRound)
	}
}
