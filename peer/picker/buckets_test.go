package picker

import (
	"slices"
	"testing"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

// TestBucketsProperty applies thousands of random availability, priority,
// have and pick operations and checks after each one that every piece's
// Availability matches a naive counter and that the bucket array is
// ordered (verify).
func TestBucketsProperty(t *testing.T) {
	const n, ops = 150, 6000
	rng := newRand()
	p := newPicker(t, Config{NumPieces: n, PieceLength: 2 * 16384, Rand: newSeeded(7)})
	naive := make([]int, n)
	seeds := 0
	var peers []*bitfield.Bitfield // connected non-seed peers
	for op := range ops {
		switch r := rng.IntN(100); {
		case r < 35 && len(peers) > 0: // HAVE
			bf := peers[rng.IntN(len(peers))]
			i := rng.IntN(n)
			if bf.Set(i) {
				p.PeerHave(i)
				naive[i]++
			}
		case r < 45 && len(peers) > 0: // lose one piece
			bf := peers[rng.IntN(len(peers))]
			i := rng.IntN(n)
			if bf.Clear(i) {
				p.PeerLost(i)
				naive[i]--
			}
		case r < 60 && len(peers) < 40: // BITFIELD from a new peer
			bf := bitfield.New(n)
			density := rng.IntN(100)
			for i := range n {
				if rng.IntN(100) < density {
					bf.Set(i)
					naive[i]++
				}
			}
			p.PeerBitfield(&bf)
			peers = append(peers, &bf)
		case r < 70 && len(peers) > 0: // disconnect
			k := rng.IntN(len(peers))
			bf := peers[k]
			p.PeerBitfieldLost(bf)
			bf.Indexes(func(i int) bool { naive[i]--; return true })
			peers[k] = peers[len(peers)-1]
			peers = peers[:len(peers)-1]
		case r < 75:
			p.SeedJoined()
			seeds++
		case r < 80 && seeds > 0:
			p.SeedLeft()
			seeds--
		case r < 85:
			p.SetPiecePriority(rng.IntN(n), rng.IntN(MaxPriority+1))
		case r < 88:
			p.MarkHave(rng.IntN(n))
		case r < 95:
			id := PeerID(rng.IntN(5))
			p.Pick(id, nil, rng.IntN(8), nil)
		default:
			p.PeerGone(PeerID(rng.IntN(5)))
		}
		for i := range n {
			if got := p.Availability(i); got != naive[i]+seeds {
				t.Fatalf("op %d: Availability(%d) = %d, naive %d", op, i, got, naive[i]+seeds)
			}
		}
		if err := p.verify(); err != nil {
			t.Fatalf("op %d: %v", op, err)
		}
	}
	if p.width <= initialWidth {
		t.Fatalf("width never grew (%d): the test does not reach wide layouts", p.width)
	}
}

// TestBucketMoveIsLocal checks that a HAVE moves one piece to the edge of
// the next bucket and leaves the rest of the array alone apart from the
// one piece it swapped with.
func TestBucketMoveIsLocal(t *testing.T) {
	p := onePerPiece(t, 10)
	before := append([]int32(nil), p.arr...)
	p.PeerHave(int(before[3]))
	changed := 0
	for i := range before {
		if before[i] != p.arr[i] {
			changed++
		}
	}
	if changed != 2 || p.arr[9] != before[3] || p.arr[3] != before[9] {
		t.Fatalf("before %v after %v", before, p.arr)
	}
	// The now rarest-but-one piece is last; losing the HAVE puts it back at
	// the end of bucket 0, where it already is.
	p.PeerLost(int(before[3]))
	if p.arr[9] != before[3] {
		t.Fatalf("after PeerLost %v", p.arr)
	}
	mustVerify(t, p)
}

// TestHadPiecesLeaveTheScan: Pick walks only the wanted prefix of the
// bucket array, which shrinks as pieces are had or skipped.
func TestHadPiecesLeaveTheScan(t *testing.T) {
	p := onePerPiece(t, 1000)
	for i := range 990 {
		p.MarkHave(i)
	}
	p.SetPiecePriority(995, 0)
	if p.wantedEnd() != 9 {
		t.Fatalf("wanted prefix %d, want 9", p.wantedEnd())
	}
	got := pieces(p.Pick(1, nil, 100, nil))
	if len(got) != 9 || slices.Contains(got, 995) {
		t.Fatalf("picked %v", got)
	}
	mustVerify(t, p)
}
