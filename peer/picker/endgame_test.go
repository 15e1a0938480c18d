package picker

import (
	"slices"
	"testing"
)

func TestEndgame(t *testing.T) {
	// 2 pieces x 2 blocks; no endgame depth limit (TestEndgameDepth).
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1, EndgameDepth: -1})
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
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1, MaxDuplicates: 3, EndgameDepth: -1})
	p.PeerHave(1) // piece 0 rarer
	a := p.Pick(1, nil, 4, nil)
	if len(a) != 4 || !p.InEndgame() {
		t.Fatalf("picked %v endgame %v", a, p.InEndgame())
	}
	// Peer 2 takes 2: blocks of the rarer piece 0, last block first.
	b := p.Pick(2, nil, 2, nil)
	if !slices.Equal(b, []Block{a[1], a[0]}) {
		t.Fatalf("peer 2 got %v, want %v", b, []Block{a[1], a[0]})
	}
	// Peer 3: blocks with one request (piece 1) before those with two.
	c := p.Pick(3, nil, 3, nil)
	if !slices.Equal(c, []Block{a[3], a[2], a[1]}) {
		t.Fatalf("peer 3 got %v", c)
	}
	// A peer that has only piece 1 gets nothing of piece 0.
	d := p.Pick(4, bits(2, 1), 10, nil)
	if !slices.Equal(d, []Block{a[3], a[2]}) {
		t.Fatalf("peer 4 got %v, want %v", d, []Block{a[3], a[2]})
	}
	// a[1] is at MaxDuplicates (peers 1, 2, 3); a[0] is not.
	e := p.Pick(5, bits(2, 0), 10, nil)
	if !slices.Equal(e, a[0:1]) {
		t.Fatalf("peer 5 got %v, want %v", e, a[0:1])
	}
	r := p.Received(5, a[0])
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

func TestEndgameDepth(t *testing.T) {
	// 1 piece of 4 blocks, EndgameDepth 2 (the default is 1).
	p := newPicker(t, Config{NumPieces: 1, PieceLength: 4 * 16384, RandomFirst: -1, EndgameDepth: 2})
	a := p.Pick(1, nil, 4, nil)
	if len(a) != 4 || !p.InEndgame() {
		t.Fatalf("picked %v endgame %v", a, p.InEndgame())
	}
	// Peer 2 is idle: it gets EndgameDepth duplicates, the last blocks.
	b := p.Pick(2, nil, 10, nil)
	if !slices.Equal(b, []Block{a[3], a[2]}) {
		t.Fatalf("idle peer got %v, want %v", b, []Block{a[3], a[2]})
	}
	// Busy at the depth: nothing more until one arrives.
	if c := p.Pick(2, nil, 10, nil); len(c) != 0 {
		t.Fatalf("peer at endgame depth got %v", c)
	}
	if r := p.Received(2, b[0]); !r.Wanted || !slices.Equal(r.Cancel, []PeerID{1}) {
		t.Fatalf("receipt %+v", r)
	}
	if c := p.Pick(2, nil, 10, nil); !slices.Equal(c, a[1:2]) {
		t.Fatalf("peer 2 after one arrival got %v, want %v", c, a[1:2])
	}
	// Default depth: a peer with requests of its own out gets no
	// duplicates; an idle one gets one at a time.
	q := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1})
	x := q.Pick(1, bits(2, 0), 2, nil)
	y := q.Pick(2, bits(2, 1), 2, nil)
	if len(x) != 2 || len(y) != 2 || !q.InEndgame() {
		t.Fatalf("picked %v %v endgame %v", x, y, q.InEndgame())
	}
	if z := q.Pick(2, nil, 10, nil); len(z) != 0 {
		t.Fatalf("busy peer got duplicates %v", z)
	}
	if z := q.Pick(3, nil, 10, nil); len(z) != 1 || z[0] != x[1] && z[0] != y[1] {
		t.Fatalf("idle peer got %v, want one duplicate, a last block (%v or %v)", z, x[1], y[1])
	}
	if _, err := New(Config{NumPieces: 1, PieceLength: 1, TotalLength: 1, EndgameDepth: -2, Rand: newRand()}); err == nil {
		t.Fatal("EndgameDepth -2 accepted")
	}
	mustVerify(t, p)
	mustVerify(t, q)
}

func TestEndgameDuplicateWorth(t *testing.T) {
	// 1 piece of 4 blocks, all at peer 1. The engine says a duplicate of
	// block 2 would lose the race (it is next in peer 1's queue); the
	// others would win.
	type ask struct {
		b       Block
		holders []PeerID
		dup     PeerID
	}
	var asked []ask
	var wins func(Block) bool
	p := newPicker(t, Config{NumPieces: 1, PieceLength: 4 * 16384, RandomFirst: -1, EndgameDepth: -1,
		DuplicateWorth: func(b Block, holders []PeerID, dup PeerID) bool {
			asked = append(asked, ask{b, slices.Clone(holders), dup})
			return wins(b)
		}})
	a := p.Pick(1, nil, 4, nil)
	if len(a) != 4 || !p.InEndgame() {
		t.Fatalf("picked %v endgame %v", a, p.InEndgame())
	}
	if len(asked) != 0 {
		t.Fatalf("asked %v outside endgame", asked)
	}
	wins = func(b Block) bool { return b != a[2] }
	got := p.Pick(2, nil, 10, nil)
	if want := []Block{a[3], a[1], a[0]}; !slices.Equal(got, want) {
		t.Fatalf("duplicates %v, want %v (not %v, which would lose)", got, want, a[2])
	}
	for _, q := range asked {
		if q.dup != 2 || !slices.Equal(q.holders, []PeerID{1}) {
			t.Fatalf("asked %+v, want holders [1] and dup 2", q)
		}
	}
	// Later the original is late: the next Pick asks again and duplicates it.
	wins = func(Block) bool { return true }
	if got := p.Pick(2, nil, 10, nil); !slices.Equal(got, a[2:3]) {
		t.Fatalf("second pick %v, want %v", got, a[2:3])
	}
	mustVerify(t, p)
}
