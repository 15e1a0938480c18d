package picker

import (
	"github.com/shoal-p2p/shoal/peer/bitfield"
	"slices"
	"strings"
	"testing"
)

func TestNewValidation(t *testing.T) {
	good := Config{NumPieces: 3, PieceLength: 32768, TotalLength: 70000, Rand: newRand()}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"pieces", func(c *Config) { c.NumPieces = 0 }, "NumPieces = 0"},
		{"piece length", func(c *Config) { c.PieceLength = -1 }, "PieceLength = -1"},
		{"total short", func(c *Config) { c.TotalLength = 65536 }, "TotalLength = 65536"},
		{"total long", func(c *Config) { c.TotalLength = 98305 }, "TotalLength = 98305"},
		{"block size", func(c *Config) { c.BlockSize = -5 }, "BlockSize = -5"},
		{"random first", func(c *Config) { c.RandomFirst = -2 }, "RandomFirst = -2"},
		{"duplicates", func(c *Config) { c.MaxDuplicates = 256 }, "MaxDuplicates = 256"},
		{"rand", func(c *Config) { c.Rand = nil }, "Rand = nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			_, err := New(c)
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v, want it to name %q", err, tc.field)
			}
		})
	}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
}

// onePerPiece is a picker whose pieces are single blocks, so that one
// picked block is one picked piece.
func onePerPiece(t *testing.T, n int) *Picker {
	return newPicker(t, Config{NumPieces: n, PieceLength: 16384, RandomFirst: -1})
}

func pieces(bs []Block) []int {
	var out []int
	for _, b := range bs {
		out = append(out, b.Piece)
	}
	return out
}

func TestRarestFirst(t *testing.T) {
	tests := []struct {
		avail []int
		seeds int
		want  [][]int // successive picks: the set each must come from
	}{
		{[]int{5, 1, 3, 1}, 0, [][]int{{1, 3}, {1, 3}, {2}, {0}}},
		{[]int{5, 1, 3, 1}, 2, [][]int{{1, 3}, {1, 3}, {2}, {0}}},
		{[]int{0, 2, 2, 1, 9}, 1, [][]int{{0}, {3}, {1, 2}, {1, 2}, {4}}},
		{[]int{20, 40, 10, 30}, 0, [][]int{{2}, {0}, {3}, {1}}}, // beyond the initial width
	}
	for _, tc := range tests {
		p := onePerPiece(t, len(tc.avail))
		for i, a := range tc.avail {
			for range a {
				p.PeerHave(i)
			}
		}
		for range tc.seeds {
			p.SeedJoined()
		}
		mustVerify(t, p)
		var got []int
		for _, want := range tc.want {
			bs := p.Pick(1, nil, 1, nil)
			if len(bs) != 1 || !slices.Contains(want, bs[0].Piece) || slices.Contains(got, bs[0].Piece) {
				t.Fatalf("avail %v: picks %v then %v, want one of %v", tc.avail, got, pieces(bs), want)
			}
			got = append(got, bs[0].Piece)
		}
		if bs := p.Pick(1, nil, 1, nil); len(bs) != 0 && !p.InEndgame() {
			t.Fatalf("extra pick %v", bs)
		}
		mustVerify(t, p)
	}
}

func TestRarestTieBrokenAtRandom(t *testing.T) {
	// Ten equally rare pieces: different seeds start at different pieces.
	firsts := map[int]bool{}
	for seed := range uint64(20) {
		p := newPicker(t, Config{NumPieces: 10, PieceLength: 16384, RandomFirst: -1, Rand: newSeeded(seed)})
		firsts[p.Pick(1, nil, 1, nil)[0].Piece] = true
	}
	if len(firsts) < 3 {
		t.Fatalf("first picks over 20 seeds: %v", firsts)
	}
}

func TestOnlyPiecesThePeerHas(t *testing.T) {
	p := onePerPiece(t, 8)
	has := bits(8, 2, 5)
	p.PeerBitfield(has)
	got := pieces(p.Pick(1, has, 10, nil))
	slices.Sort(got)
	if !slices.Equal(got, []int{2, 5}) {
		t.Fatalf("picked %v, want [2 5]", got)
	}
}

func TestPartialPiecesFirst(t *testing.T) {
	// 4 pieces of 4 blocks. Piece 3 is rarest (avail 1), then 2, 1, 0.
	p := newPicker(t, Config{NumPieces: 4, PieceLength: 4 * 16384, RandomFirst: -1})
	for i, a := range []int{4, 3, 2, 1} {
		for range a {
			p.PeerHave(i)
		}
	}
	// Peer 1 has only piece 3 and starts it.
	a := p.Pick(1, bits(4, 3), 2, nil)
	if !slices.Equal(pieces(a), []int{3, 3}) {
		t.Fatalf("peer 1 got %v", a)
	}
	// Peer 2 has everything: piece 3 is partial and the rarest, so its
	// last two blocks come first, then the fresh pieces rarest first.
	b := p.Pick(2, nil, 7, nil)
	if !slices.Equal(pieces(b), []int{3, 3, 2, 2, 2, 2, 1}) {
		t.Fatalf("peer 2 got %v", pieces(b))
	}
	if b[0].Begin != 2*16384 || b[1].Begin != 3*16384 {
		t.Fatalf("partial blocks %v", b[:2])
	}
	// Two partials with free blocks (1 at avail 3, and a cancelled block of
	// 3 at avail 1): the rarer one first.
	p.Cancelled(1, a[0])
	c := p.Pick(3, nil, 4, nil)
	if !slices.Equal(pieces(c), []int{3, 1, 1, 1}) {
		t.Fatalf("peer 3 got %v", pieces(c))
	}
	mustVerify(t, p)
}

func TestCommonPartialWaitsForRarerPieces(t *testing.T) {
	// 4 pieces of 4 blocks. Piece 3 is rarest (avail 1), then 2, 1, 0.
	p := newPicker(t, Config{NumPieces: 4, PieceLength: 4 * 16384, RandomFirst: -1})
	for i, a := range []int{4, 3, 2, 1} {
		for range a {
			p.PeerHave(i)
		}
	}
	// Peer 1 has only the most common piece 0 and starts it.
	if a := p.Pick(1, bits(4, 0), 2, nil); !slices.Equal(pieces(a), []int{0, 0}) {
		t.Fatalf("peer 1 got %v", a)
	}
	// Peer 2 (a seed) is asked for every rarer piece before the rest of
	// the common partial piece 0, which peer 1 can finish.
	b := p.Pick(2, nil, 14, nil)
	want := []int{3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0}
	if !slices.Equal(pieces(b), want) {
		t.Fatalf("peer 2 got %v, want %v", pieces(b), want)
	}
	mustVerify(t, p)
}

func TestRandomFirstNotFromSeeds(t *testing.T) {
	// Piece i has availability i+1: a seed (has == nil) is asked for the
	// rarest pieces even while we have none.
	const n = 64
	p := rampedPicker(t, n)
	got := pieces(p.Pick(1, nil, 4, nil))
	if !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("seed asked for %v, want the rarest [0 1 2 3]", got)
	}
	mustVerify(t, p)
}

func TestRandomFirst(t *testing.T) {
	// 64 single-block pieces; piece i has availability i+1, so rarest first
	// would pick 0, 1, 2, 3 in order.
	const n = 64
	p := rampedPicker(t, n)
	all := bitfield.New(n) // a leecher that happens to hold every piece
	for i := range n {
		all.Set(i)
	}
	var got []int
	for p.HaveCount() < DefaultRandomFirst {
		bs := p.Pick(1, &all, 1, nil)
		if len(bs) != 1 {
			t.Fatalf("random phase picked %v", bs)
		}
		got = append(got, bs[0].Piece)
		if !p.Received(1, bs[0]).PieceComplete {
			t.Fatal("single-block piece not complete")
		}
		p.MarkHave(bs[0].Piece)
	}
	if slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("random phase picked in rarest order %v", got)
	}
	// Now rarest first among what is left.
	rest := []int{0, 1, 2, 3, 4, 5, 6, 7}
	rest = slices.DeleteFunc(rest, func(i int) bool { return slices.Contains(got, i) })
	next := p.Pick(1, nil, 1, nil)
	if next[0].Piece != rest[0] {
		t.Fatalf("after random phase (%v) picked %d, want %d", got, next[0].Piece, rest[0])
	}
	mustVerify(t, p)
}

func TestRandomFirstHonoursPriority(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 32, PieceLength: 16384})
	p.SetPiecePriority(17, 5)
	p.SetPiecePriority(3, 0)
	if got := p.Pick(1, bits(32, allPieces(32)...), 1, nil); got[0].Piece != 17 {
		t.Fatalf("random phase picked %v before the priority-5 piece", got)
	}
	for range 31 {
		for _, b := range p.Pick(1, bits(32, allPieces(32)...), 1, nil) {
			if b.Piece == 3 {
				t.Fatal("skipped piece picked")
			}
		}
	}
}

func TestPriorityAndSkip(t *testing.T) {
	p := onePerPiece(t, 6)
	for i, a := range []int{1, 1, 5, 5, 3, 2} {
		for range a {
			p.PeerHave(i)
		}
	}
	p.SetPiecePriority(0, 0)
	p.SetPiecePriority(1, 0)
	p.SetPiecePriority(3, 7) // common, but top priority
	p.SetPiecePriority(2, 4)
	mustVerify(t, p)
	if p.Wanted(0) || !p.Wanted(3) {
		t.Fatal("Wanted")
	}
	got := pieces(p.Pick(1, nil, 10, nil))
	if !slices.Equal(got, []int{3, 2, 5, 4}) {
		t.Fatalf("picked %v, want [3 2 5 4]", got)
	}
	for _, i := range got {
		p.Received(1, Block{Piece: i, Length: 16384})
		p.MarkHave(i)
	}
	if !p.Done() || p.HaveCount() != 4 || p.InEndgame() {
		t.Fatalf("Done %v HaveCount %d endgame %v", p.Done(), p.HaveCount(), p.InEndgame())
	}
	if bs := p.Pick(1, nil, 10, nil); len(bs) != 0 {
		t.Fatalf("picked %v when done", bs)
	}
	// Un-skipping a piece makes it wanted again.
	p.SetPiecePriority(0, 1)
	if p.Done() || !p.Wanted(0) {
		t.Fatal("un-skipped piece not wanted")
	}
	if got := pieces(p.Pick(1, nil, 10, nil)); !slices.Equal(got, []int{0}) {
		t.Fatalf("picked %v, want [0]", got)
	}
	mustVerify(t, p)
}

func TestBlocksAcrossPiecesAndSizes(t *testing.T) {
	// 3 pieces of 40000 bytes, the last 20000: blocks 16384,16384,7232 and
	// 16384,3616.
	p := newPicker(t, Config{NumPieces: 3, PieceLength: 40000, TotalLength: 100000, RandomFirst: -1})
	p.PeerHave(0)
	p.PeerHave(0)
	p.PeerHave(1) // order: 2, 1, 0
	if p.PieceSize(2) != 20000 || p.PieceSize(0) != 40000 || p.BlocksIn(2) != 2 || p.BlocksIn(0) != 3 {
		t.Fatalf("sizes %d %d blocks %d %d", p.PieceSize(2), p.PieceSize(0), p.BlocksIn(2), p.BlocksIn(0))
	}
	got := p.Pick(1, nil, 4, nil)
	want := []Block{{2, 0, 16384}, {2, 16384, 3616}, {1, 0, 16384}, {1, 16384, 16384}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	got = p.Pick(1, nil, 4, got[:0])
	want = []Block{{1, 32768, 7232}, {0, 0, 16384}, {0, 16384, 16384}, {0, 32768, 7232}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if p.Outstanding(1) != 8 {
		t.Fatalf("outstanding %d", p.Outstanding(1))
	}
	// Wrong length or offset is not one of our blocks.
	for _, b := range []Block{{2, 16384, 16384}, {2, 100, 16384}, {3, 0, 16384}, {-1, 0, 1}, {2, 32768, 1}} {
		if r := p.Received(1, b); r.Wanted {
			t.Fatalf("bogus block %v wanted", b)
		}
	}
	r := p.Received(1, Block{2, 16384, 3616})
	if !r.Wanted || r.PieceComplete {
		t.Fatalf("receipt %+v", r)
	}
	r = p.Received(1, Block{2, 0, 16384})
	if !r.Wanted || !r.PieceComplete || len(r.Cancel) != 0 {
		t.Fatalf("receipt %+v", r)
	}
	if r := p.Received(1, Block{2, 0, 16384}); r.Wanted {
		t.Fatal("duplicate wanted")
	}
	mustVerify(t, p)
}

func TestBlockSizeLargerThanPiece(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 1000, TotalLength: 1500, RandomFirst: -1})
	got := p.Pick(1, nil, 5, nil)
	slices.SortFunc(got, func(a, b Block) int { return a.Piece - b.Piece })
	if !slices.Equal(got, []Block{{0, 0, 1000}, {1, 0, 500}}) {
		t.Fatalf("got %v", got)
	}
}

func TestCancelledAndPeerGone(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 4 * 16384, RandomFirst: -1, MaxDuplicates: 1})
	a := p.Pick(1, nil, 3, nil)
	if len(a) != 3 || p.Outstanding(1) != 3 {
		t.Fatalf("picked %v outstanding %d", a, p.Outstanding(1))
	}
	p.Cancelled(1, a[1])
	p.Cancelled(1, a[1]) // twice is harmless
	p.Cancelled(2, a[0]) // not peer 2's
	if p.Outstanding(1) != 2 {
		t.Fatalf("outstanding %d", p.Outstanding(1))
	}
	b := p.Pick(2, nil, 1, nil)
	if len(b) != 1 || b[0] != a[1] {
		t.Fatalf("peer 2 got %v, want the cancelled %v", b, a[1])
	}
	// Peer 1 had sent a[1] before our cancel reached it: still needed, so
	// it is taken, and peer 2's request for it is to be cancelled.
	if r := p.Received(1, a[1]); !r.Wanted || len(r.Cancel) != 1 || r.Cancel[0] != 2 || p.Outstanding(2) != 0 {
		t.Fatalf("late block: %+v, peer 2 outstanding %d", r, p.Outstanding(2))
	}
	if r := p.Received(2, a[1]); r.Wanted {
		t.Fatal("a second copy of a received block was accepted")
	}
	p.Received(1, a[0])
	p.PeerGone(1)
	if p.Outstanding(1) != 0 {
		t.Fatal("outstanding after PeerGone")
	}
	// a[2] is free again; a[0] stays received.
	c := p.Pick(3, nil, 10, nil)
	if len(c) != 6 || c[0] != a[2] || slices.Contains(c, a[0]) {
		t.Fatalf("peer 3 got %v", c)
	}
	// Cancelling everything of a piece forgets its block state.
	for _, blk := range c {
		p.Cancelled(3, blk)
	}
	p.Cancelled(2, b[0])
	mustVerify(t, p)
	if p.parts[1-a[0].Piece] != nil {
		t.Fatal("idle piece kept block state")
	}
	if got := p.Contributors(a[0].Piece); !slices.Equal(got, []PeerID{1}) {
		t.Fatalf("contributors %v", got)
	}
}

func TestHashFailedAndContributors(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 1, PieceLength: 3 * 16384, RandomFirst: -1})
	a := p.Pick(1, nil, 2, nil)
	b := p.Pick(2, nil, 1, nil)
	if len(b) != 1 || b[0].Begin != 2*16384 {
		t.Fatalf("peer 2 got %v", b)
	}
	p.Received(1, a[0])
	p.Received(2, b[0])
	if r := p.Received(1, a[1]); !r.PieceComplete {
		t.Fatal("not complete")
	}
	if p.Done() || p.InEndgame() != true {
		t.Fatalf("Done %v endgame %v while hashing", p.Done(), p.InEndgame())
	}
	if got := p.Contributors(0); !slices.Equal(got, []PeerID{1, 2}) {
		t.Fatalf("contributors %v", got)
	}
	p.HashFailed(0)
	mustVerify(t, p)
	if got := p.Contributors(0); !slices.Equal(got, []PeerID{1, 2}) {
		t.Fatalf("contributors after failure %v", got)
	}
	if p.BlocksIn(0) != 3 || p.InEndgame() {
		t.Fatal("piece not reset")
	}
	c := p.Pick(3, nil, 5, nil)
	if len(c) != 3 {
		t.Fatalf("after failure picked %v", c)
	}
	p.Received(3, c[0])
	if got := p.Contributors(0); !slices.Equal(got, []PeerID{3}) {
		t.Fatalf("contributors of the new attempt %v", got)
	}
	p.Received(3, c[1])
	p.Received(3, c[2])
	p.MarkHave(0)
	if !p.Done() || p.Contributors(0) != nil || !p.Have(0) {
		t.Fatal("after MarkHave")
	}
	mustVerify(t, p)
}

func TestMarkHaveDropsRequests(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1})
	p.PeerHave(1)
	a := p.Pick(1, nil, 2, nil) // piece 0, rarer
	var reqs []Block
	for peer, b := range p.Requests(0) {
		if peer != 1 {
			t.Fatalf("requester %d", peer)
		}
		reqs = append(reqs, b)
	}
	if !slices.Equal(reqs, a) {
		t.Fatalf("Requests %v, want %v", reqs, a)
	}
	p.MarkHave(0) // arrived from a web seed, say
	if p.Outstanding(1) != 0 {
		t.Fatal("requests of a had piece still outstanding")
	}
	if r := p.Received(1, a[0]); r.Wanted {
		t.Fatal("block of a had piece wanted")
	}
	mustVerify(t, p)
}

func TestHistogramAndAvailability(t *testing.T) {
	p := onePerPiece(t, 5)
	p.PeerBitfield(bits(5, 0, 1, 2))
	p.PeerBitfield(bits(5, 0))
	p.SeedJoined()
	if p.Availability(0) != 3 || p.Availability(4) != 1 {
		t.Fatalf("availability %d %d", p.Availability(0), p.Availability(4))
	}
	if got := p.Histogram(); !slices.Equal(got, []int{0, 2, 2, 1}) {
		t.Fatalf("histogram %v", got)
	}
	p.SeedLeft()
	p.PeerBitfieldLost(bits(5, 0, 1, 2))
	if got := p.Histogram(); !slices.Equal(got, []int{4, 1}) {
		t.Fatalf("histogram %v", got)
	}
}

func TestPanicsOnProgrammerErrors(t *testing.T) {
	p := onePerPiece(t, 4)
	for name, f := range map[string]func(){
		"PeerHave range":   func() { p.PeerHave(4) },
		"PeerLost zero":    func() { p.PeerLost(0) },
		"SeedLeft zero":    func() { p.SeedLeft() },
		"MarkHave range":   func() { p.MarkHave(-1) },
		"priority":         func() { p.SetPiecePriority(0, 8) },
		"bitfield length":  func() { p.PeerBitfield(bits(5)) },
		"pick bitfield":    func() { p.Pick(1, bits(3), 1, nil) },
		"Availability":     func() { p.Availability(10) },
		"HashFailed range": func() { p.HashFailed(4) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestPickable(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1})
	p.SeedJoined()
	if !p.Pickable(0, 1) || !p.Pickable(1, 1) {
		t.Fatal("fresh pieces not pickable")
	}
	got := p.Pick(1, nil, 2, nil) // both blocks of one piece
	piece := got[0].Piece
	if p.Pickable(piece, 2) {
		t.Fatal("fully requested piece pickable outside endgame")
	}
	p.MarkHave(1 - piece)
	if !p.InEndgame() || !p.Pickable(piece, 2) {
		t.Fatal("endgame piece not pickable for a second peer")
	}
	for _, b := range got {
		p.Received(1, b)
	}
	p.MarkHave(piece)
	if p.Pickable(piece, 2) {
		t.Fatal("had piece pickable")
	}
}

// allPieces lists 0..n-1.
func allPieces(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// rampedPicker has n single-block pieces, piece i with availability i+1,
// random-first on (the default).
func rampedPicker(t *testing.T, n int) *Picker {
	p := newPicker(t, Config{NumPieces: n, PieceLength: 16384})
	for i := range n {
		for range i + 1 {
			p.PeerHave(i)
		}
	}
	return p
}

// A block that arrives after every request of its piece was cancelled
// before anything of the piece came (so its block state was released) is
// still taken while the piece is wanted: the bytes are here already.
func TestLateBlockOfReleasedPiece(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1})
	a := p.Pick(1, nil, 2, nil)
	if len(a) != 2 || a[0].Piece != a[1].Piece {
		t.Fatalf("picked %v", a)
	}
	for _, b := range a {
		p.Cancelled(1, b)
	}
	if p.parts[a[0].Piece] != nil {
		t.Fatal("idle piece kept block state")
	}
	r := p.Received(1, a[0])
	if !r.Wanted || r.PieceComplete || len(r.Cancel) != 0 {
		t.Fatalf("late block of a released piece: %+v", r)
	}
	mustVerify(t, p)
	// The rest of the piece is picked as usual, the late block not again.
	got := p.Pick(2, nil, 1, nil)
	if len(got) != 1 || got[0] != a[1] {
		t.Fatalf("peer 2 got %v, want %v", got, a[1])
	}
	if r := p.Received(2, a[1]); !r.Wanted || !r.PieceComplete {
		t.Fatalf("receipt %+v", r)
	}
	p.MarkHave(a[0].Piece)
	if r := p.Received(1, a[0]); r.Wanted {
		t.Fatal("block of a piece we have accepted")
	}
	mustVerify(t, p)
}
