package picker

import (
	"slices"
	"testing"
)

func TestParole(t *testing.T) {
	// 3 pieces x 4 blocks; piece 0 rarest, then 1, then 2.
	p := newPicker(t, Config{NumPieces: 3, PieceLength: 4 * 16384, RandomFirst: -1})
	p.PeerHave(1)
	p.PeerHave(2)
	p.PeerHave(2)
	a := p.Pick(1, nil, 2, nil) // piece 0 partial
	if !slices.Equal(pieces(a), []int{0, 0}) {
		t.Fatalf("peer 1 got %v", a)
	}
	p.SetParole(9, true)
	if !p.OnParole(9) || p.OnParole(1) {
		t.Fatal("OnParole")
	}
	// The paroled peer skips partial piece 0 and gets whole fresh pieces.
	q := p.Pick(9, nil, 5, nil)
	if !slices.Equal(pieces(q), []int{1, 1, 1, 1, 2}) {
		t.Fatalf("paroled peer got %v", pieces(q))
	}
	// Others do not touch pieces 1 and 2 while it holds them.
	b := p.Pick(2, nil, 10, nil)
	if !slices.Equal(pieces(b), []int{0, 0}) || p.InEndgame() {
		t.Fatalf("peer 2 got %v (endgame %v)", pieces(b), p.InEndgame())
	}
	// The paroled peer finishes its own pieces first.
	q2 := p.Pick(9, nil, 10, nil)
	if !slices.Equal(pieces(q2), []int{2, 2, 2}) {
		t.Fatalf("paroled peer got %v", pieces(q2))
	}
	// Endgame: others may duplicate its blocks, it duplicates nobody's.
	if !p.InEndgame() {
		t.Fatal("not in endgame")
	}
	if got := p.Pick(9, nil, 10, nil); len(got) != 0 {
		t.Fatalf("paroled peer got endgame duplicates %v", got)
	}
	for _, blk := range append(q, q2...) {
		if blk.Piece == 1 {
			p.Received(9, blk)
		}
	}
	if got := p.Contributors(1); !slices.Equal(got, []PeerID{9}) {
		t.Fatalf("contributors %v, want the paroled peer alone", got)
	}
	mustVerify(t, p)
}

func TestParoleLockReleased(t *testing.T) {
	for _, how := range []string{"parole off", "peer gone", "cancelled"} {
		t.Run(how, func(t *testing.T) {
			p := newPicker(t, Config{NumPieces: 1, PieceLength: 4 * 16384, RandomFirst: -1})
			p.SetParole(9, true)
			q := p.Pick(9, nil, 1, nil)
			if got := p.Pick(1, nil, 10, nil); len(got) != 0 {
				t.Fatalf("peer 1 got %v of a held piece", got)
			}
			switch how {
			case "parole off":
				p.SetParole(9, false)
			case "peer gone":
				p.PeerGone(9)
			case "cancelled":
				p.Cancelled(9, q[0])
			}
			if got := p.Pick(1, nil, 10, nil); len(got) < 3 {
				t.Fatalf("peer 1 got %v after %s", got, how)
			}
			mustVerify(t, p)
		})
	}
}

func TestParoleAfterFailurePinsBlame(t *testing.T) {
	// Piece fails with peers 1 and 2; the engine paroles both; the retry
	// goes to one of them alone, so a second failure names it alone.
	p := newPicker(t, Config{NumPieces: 2, PieceLength: 2 * 16384, RandomFirst: -1})
	p.PeerHave(1)
	a := p.Pick(1, nil, 1, nil)
	b := p.Pick(2, bits(2, 0), 1, nil)
	p.Received(1, a[0])
	if !p.Received(2, b[0]).PieceComplete {
		t.Fatal("not complete")
	}
	bad := p.Contributors(0)
	p.HashFailed(0)
	for _, id := range bad {
		p.SetParole(id, true)
	}
	got := p.Pick(2, nil, 10, nil)
	if !slices.Equal(pieces(got), []int{0, 0, 1, 1}) {
		t.Fatalf("paroled peer 2 got %v", got)
	}
	if got := p.Pick(1, nil, 10, nil); len(got) != 0 {
		t.Fatalf("paroled peer 1 got %v", got)
	}
	for _, blk := range got[:2] {
		p.Received(2, blk)
	}
	p.HashFailed(0)
	if c := p.Contributors(0); !slices.Equal(c, []PeerID{2}) {
		t.Fatalf("second failure contributors %v", c)
	}
	mustVerify(t, p)
}

// A paroled peer is not starved when only partial pieces remain: it helps
// finish them rather than stall the download.
func TestParoleFallsBackToPartials(t *testing.T) {
	p := newPicker(t, Config{NumPieces: 1, PieceLength: 2 * 16384, RandomFirst: -1})
	p.SeedJoined()
	a, b := PeerID(1), PeerID(2)
	got := p.Pick(a, nil, 1, nil)
	if len(got) != 1 {
		t.Fatalf("a picked %v", got)
	}
	p.Received(a, got[0])
	p.PeerGone(a)
	p.SetParole(b, true)
	out := p.Pick(b, nil, 10, nil)
	if len(out) != 1 || out[0].Begin == got[0].Begin {
		t.Fatalf("paroled peer got %v; want the remaining block of the partial piece", out)
	}
}
