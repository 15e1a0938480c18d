package picker

import (
	"testing"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

// FuzzOps reads the input as a small torrent followed by a sequence of
// operations from up to four peers, and checks the picker's invariants
// after each one: no panic on valid use, availability never negative and
// equal to a naive count, no block outstanding more than MaxDuplicates
// times or twice at one peer, picks only of wanted pieces the peer has, and
// Done consistent with Wanted.
func FuzzOps(f *testing.F) {
	f.Add([]byte{3, 2, 1, 0, 8, 0, 3, 8, 1, 5, 9, 0, 0, 9, 1, 1, 6, 2})
	f.Add([]byte{7, 3, 2, 2, 2, 0, 255, 2, 1, 15, 8, 0, 9, 8, 1, 9, 9, 0, 0, 9, 1, 0, 12, 0, 13, 2, 1, 8, 2, 9})
	f.Add([]byte{1, 0, 0, 1, 4, 8, 0, 4, 8, 1, 4, 9, 0, 0, 10, 1, 0, 11, 0, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			c := data[0]
			data = data[1:]
			return int(c)
		}
		const bs = 4
		n := next()%8 + 1
		blocks := next()%4 + 1
		pieceLen := int64(blocks * bs)
		short := int64(next()) % pieceLen // last piece shorter by this much
		p, err := New(Config{
			NumPieces:     n,
			PieceLength:   pieceLen,
			TotalLength:   int64(n)*pieceLen - short,
			BlockSize:     bs,
			RandomFirst:   next()%5 - 1,
			MaxDuplicates: next()%3 + 1,
			Rand:          newSeeded(uint64(next())),
		})
		if err != nil {
			t.Fatal(err)
		}
		const npeers = 4
		bfs := make([]bitfield.Bitfield, npeers)
		connected := make([]bool, npeers)
		picked := make([][]Block, npeers)
		naive := make([]int, n)
		seeds := 0
		for i := range bfs {
			bfs[i] = bitfield.New(n)
		}
		block := func() Block {
			piece := next() % n
			bi := next() % p.BlocksIn(piece)
			return Block{Piece: piece, Begin: bi * bs, Length: p.blockLen(p.PieceSize(piece), bi)}
		}
		for steps := 0; len(data) > 0 && steps < 500; steps++ {
			op, k := next()%15, next()%npeers
			id := PeerID(k)
			switch op {
			case 0:
				if i := next() % n; connected[k] && bfs[k].Set(i) {
					p.PeerHave(i)
					naive[i]++
				}
			case 1:
				if i := next() % n; connected[k] && bfs[k].Clear(i) {
					p.PeerLost(i)
					naive[i]--
				}
			case 2:
				if !connected[k] {
					mask := next()
					for i := range n {
						if mask&(1<<(i%8)) != 0 {
							bfs[k].Set(i)
							naive[i]++
						}
					}
					p.PeerBitfield(&bfs[k])
					connected[k] = true
				}
			case 3:
				if connected[k] {
					p.PeerBitfieldLost(&bfs[k])
					bfs[k].Indexes(func(i int) bool { naive[i]--; return true })
					bfs[k] = bitfield.New(n)
					connected[k] = false
				}
			case 4:
				p.SeedJoined()
				seeds++
			case 5:
				if seeds > 0 {
					p.SeedLeft()
					seeds--
				}
			case 6:
				p.MarkHave(next() % n)
			case 7:
				p.SetPiecePriority(next()%n, next()%(MaxPriority+1))
			case 8:
				var has *bitfield.Bitfield
				if connected[k] {
					has = &bfs[k]
				}
				before := len(picked[k])
				picked[k] = p.Pick(id, has, next()%10, picked[k])
				for _, b := range picked[k][before:] {
					if _, ok := p.blockIndex(b); !ok || !p.Wanted(b.Piece) || has != nil && !has.Has(b.Piece) {
						t.Fatalf("peer %d picked %v (wanted %v)", k, b, p.Wanted(b.Piece))
					}
				}
			case 9:
				if len(picked[k]) > 0 {
					j := next() % len(picked[k])
					b := picked[k][j]
					picked[k] = append(picked[k][:j], picked[k][j+1:]...)
					r := p.Received(id, b)
					if r.PieceComplete && next()%4 == 0 {
						p.HashFailed(b.Piece)
					} else if r.PieceComplete {
						p.MarkHave(b.Piece)
					}
				}
			case 10:
				if len(picked[k]) > 0 {
					p.Cancelled(id, picked[k][next()%len(picked[k])])
				} else {
					p.Cancelled(id, block())
				}
			case 11:
				p.PeerGone(id)
				picked[k] = picked[k][:0]
			case 12:
				p.HashFailed(next() % n)
			case 13:
				p.SetParole(id, next()%2 == 0)
			case 14:
				b := block()
				b.Begin += next() % 3
				b.Length -= next() % 2
				p.Received(id, b)
			}
			if err := p.verify(); err != nil {
				t.Fatalf("step %d op %d: %v", steps, op, err)
			}
			missing := 0
			for i := range n {
				if p.Availability(i) != naive[i]+seeds {
					t.Fatalf("step %d: availability of %d is %d, naive %d", steps, i, p.Availability(i), naive[i]+seeds)
				}
				if p.Wanted(i) {
					missing++
				}
			}
			if (missing == 0) != p.Done() || missing != p.Missing() {
				t.Fatalf("step %d: Done %v, Missing %d; %d wanted pieces left", steps, p.Done(), p.Missing(), missing)
			}
		}
	})
}
