package choker

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func rotatePeers(n int, at time.Time) []Peer {
	peers := make([]Peer, n)
	for i := range peers {
		peers[i] = Peer{ID: PeerID(i + 1), Interested: true, ConnectedAt: at}
	}
	return peers
}

func TestRotatePassesFinishedTurns(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New(Config{Rand: rand.New(rand.NewPCG(1, 2))}, now)
	peers := rotatePeers(8, now)
	first := c.Round(now, peers, true).Unchoked
	if len(first) != 4 {
		t.Fatalf("round unchoked %v", first)
	}
	// Two holders got their quantum, one got less, one nothing.
	peers[first[0]-1].Uploaded = 300 << 10
	peers[first[1]-1].Uploaded = 256 << 10
	peers[first[2]-1].Uploaded = 100 << 10
	at := now.Add(time.Second)
	choke, unchoke := c.Rotate(at, peers, 256<<10, true)
	if !slices.Equal(choke, []PeerID{first[0], first[1]}) {
		t.Fatalf("choke %v, want %v (most sent first)", choke, first[:2])
	}
	if len(unchoke) != 2 {
		t.Fatalf("unchoke %v", unchoke)
	}
	for _, id := range unchoke {
		if slices.Contains(first, id) || !c.Unchoked(id) {
			t.Fatalf("unchoked %v: not a waiting peer, or not unchoked", id)
		}
	}
	for _, id := range choke {
		if c.Unchoked(id) {
			t.Fatalf("%v still unchoked", id)
		}
	}
	// A new holder's turn counts from its unchoke: bytes it got before
	// (as an earlier holder, say) do not end it.
	peers[unchoke[0]-1].Uploaded += 1 << 20
	c2 := New(Config{Rand: rand.New(rand.NewPCG(3, 4))}, now)
	c2.Round(now, peers, true)
	if ch, _ := c2.Rotate(at, peers, 256<<10, true); len(ch) != 0 {
		t.Fatalf("turns counted from before the unchoke: %v", ch)
	}
	// Least served waiting peers come first: the two just choked have
	// service, so the next turns go to the two that never had one.
	for _, id := range append(unchoke, first[2], first[3]) {
		peers[id-1].Uploaded += 512 << 10
	}
	choke2, unchoke2 := c.Rotate(at.Add(time.Second), peers, 256<<10, true)
	if len(choke2) != 4 || len(unchoke2) != 4 {
		t.Fatalf("second rotation choke %v unchoke %v", choke2, unchoke2)
	}
	for _, id := range unchoke2[:2] {
		if id == first[0] || id == first[1] {
			t.Fatalf("served peer %v before the never-served (%v)", id, unchoke2)
		}
	}
}

func TestRotateLeavesSlotsAlone(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New(Config{Rand: rand.New(rand.NewPCG(1, 2))}, now)
	peers := rotatePeers(4, now)
	c.Round(now, peers, true)
	for i := range peers {
		peers[i].Uploaded = 1 << 30
	}
	// Nobody waits: holders keep their slots.
	if ch, un := c.Rotate(now.Add(time.Second), peers, 256<<10, true); ch != nil || un != nil {
		t.Fatalf("no waiting peer, but choke %v unchoke %v", ch, un)
	}
	peers = append(peers, Peer{ID: 9, Interested: true, ConnectedAt: now})
	// Leecher mode and a zero quantum never rotate.
	if ch, _ := c.Rotate(now.Add(time.Second), peers, 256<<10, false); ch != nil {
		t.Fatalf("leecher mode rotated %v", ch)
	}
	if ch, _ := c.Rotate(now.Add(time.Second), peers, 0, true); ch != nil {
		t.Fatalf("zero quantum rotated %v", ch)
	}
	// A waiting peer that is not interested does not take a turn.
	peers[4].Interested = false
	if ch, _ := c.Rotate(now.Add(time.Second), peers, 256<<10, true); ch != nil {
		t.Fatalf("rotated for an uninterested peer: %v", ch)
	}
}

func TestRotateFewestPiecesFirst(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New(Config{Rand: rand.New(rand.NewPCG(5, 6))}, now)
	peers := rotatePeers(8, now)
	first := c.Round(now, peers, true).Unchoked
	var waiting []PeerID
	for _, p := range peers {
		if !slices.Contains(first, p.ID) {
			waiting = append(waiting, p.ID)
		}
	}
	// The waiting peers hold 9, 3, 3 and 0 pieces; the two holding 3 tie
	// and go by ID (neither was served).
	for i, n := range []int{9, 3, 3, 0} {
		peers[waiting[i]-1].Pieces = n
	}
	for _, id := range first {
		peers[id-1].Uploaded = 256 << 10
	}
	_, unchoke := c.Rotate(now.Add(time.Second), peers, 256<<10, true)
	want := []PeerID{waiting[3], waiting[1], waiting[2], waiting[0]}
	if !slices.Equal(unchoke, want) {
		t.Fatalf("unchoked %v, want %v (fewest pieces first, then ID)", unchoke, want)
	}
}
