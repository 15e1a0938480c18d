package picker

import (
	"slices"
	"testing"
)

func TestEndgame(t *testing.T) {
	// 2 pieces x 2 blocks.
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1})
	a := p.Pick(1, nil, 3, nil)
	if len(a) != 3 || p.InEndgame() {
		t.Fatalf("picked %v, endgame %v", a, p.InEndgame())
	}
	// Peer 1 has no more fresh blocks and duplicates only arrive in endgame.
	b := p.Pick(2, nil, 1, nil)
	if len(b) != 1 || slices.Contains(a, b[0]) {
		t.Fatalf("peer 2 got %v", b)
	}
	if !p.InEndgame() {
		t.Fatal("every block requested but not in endgame")
	}
	// Peer 1 may now duplicate only peer 2's block, never its own.
	a2 := p.Pick(1, nil, 10, nil)
	if !slices.Equal(a2, b) {
		t.Fatalf("peer 1 in endgame got %v, want %v", a2, b)
	}
	// Peer 3 gets the three blocks that have one request (not b, which has
	// two): at most MaxDuplicates=2 outstanding.
	c := p.Pick(3, nil, 10, nil)
	if len(c) != 3 || slices.Contains(c, b[0]) {
		t.Fatalf("peer 3 got %v", c)
	}
	if d := p.Pick(4, nil, 10, nil); len(d) != 0 {
		t.Fatalf("peer 4 got %v with every block at 2 requests", d)
	}
	mustVerify(t, p)

	// Arrival cancels the other requester.
	r := p.Received(2, b[0])
	if !r.Wanted || !slices.Equal(r.Cancel, []PeerID{1}) {
		t.Fatalf("receipt %+v, want Cancel [1]", r)
	}
	if p.Outstanding(1) != 3 || p.Outstanding(2) != 0 {
		t.Fatalf("outstanding %d %d", p.Outstanding(1), p.Outstanding(2))
	}
	if r := p.Received(1, b[0]); r.Wanted {
		t.Fatal("late duplicate wanted")
	}
	r = p.Received(3, c[0])
	if !r.Wanted || !slices.Equal(r.Cancel, []PeerID{1}) {
		t.Fatalf("receipt %+v", r)
	}
	// A freed slot can go to a new peer.
	if d := p.Pick(4, nil, 10, nil); len(d) != 0 {
		t.Fatalf("peer 4 got %v", d)
	}
	p.Cancelled(3, c[1])
	if d := p.Pick(4, nil, 10, nil); !slices.Equal(d, c[1:2]) {
		t.Fatalf("peer 4 got %v, want %v", d, c[1:2])
	}
	mustVerify(t, p)
}

func TestEndgameFewestFirstAndHas(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1, MaxDuplicates: 3})
	p.PeerHave(1) // piece 0 rarer
	a := p.Pick(1, nil, 4, nil)
	if len(a) != 4 || !p.InEndgame() {
		t.Fatalf("picked %v endgame %v", a, p.InEndgame())
	}
	// Peer 2 takes 2: blocks of the rarer piece 0.
	b := p.Pick(2, nil, 2, nil)
	if !slices.Equal(b, a[:2]) {
		t.Fatalf("peer 2 got %v, want %v", b, a[:2])
	}
	// Peer 3: blocks with one request (piece 1) before those with two.
	c := p.Pick(3, nil, 3, nil)
	if !slices.Equal(c, []Block{a[2], a[3], a[0]}) {
		t.Fatalf("peer 3 got %v", c)
	}
	// A peer that has only piece 1 gets nothing of piece 0.
	d := p.Pick(4, bits(2, 1), 10, nil)
	if !slices.Equal(d, a[2:]) {
		t.Fatalf("peer 4 got %v, want %v", d, a[2:])
	}
	e := p.Pick(5, bits(2, 0), 10, nil)
	if !slices.Equal(e, a[1:2]) {
		t.Fatalf("peer 5 got %v, want %v", e, a[1:2])
	}
	r := p.Received(5, a[1])
	slices.Sort(r.Cancel)
	if !slices.Equal(r.Cancel, []PeerID{1, 2}) {
		t.Fatalf("cancel %v", r.Cancel)
	}
	mustVerify(t, p)
}

func TestNoEndgameWithoutDuplicates(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 1, PieceLength: 16384, MaxDuplicates: 1})
	p.Pick(1, nil, 1, nil)
	if !p.InEndgame() {
		t.Fatal("not in endgame")
	}
	if got := p.Pick(2, nil, 1, nil); len(got) != 0 {
		t.Fatalf("duplicate %v with MaxDuplicates 1", got)
	}
}
