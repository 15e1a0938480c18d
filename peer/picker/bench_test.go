package picker

import (
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

const (
	benchTotal    = 1 << 30
	benchPieceLen = 256 << 10
)

func benchPicker(b *testing.B) *Picker {
	return newPicker(b, Config{NumPieces: benchTotal / benchPieceLen, PieceLength: benchPieceLen, TotalLength: benchTotal})
}

// BenchmarkPickSeed downloads a 1 GiB torrent (256 KiB pieces, 16 KiB
// blocks) from one seed, 64 blocks per Pick, receiving every block and
// marking completed pieces. Reported per block.
func BenchmarkPickSeed(b *testing.B) {
	var blocks int
	var elapsed time.Duration
	out := make([]Block, 0, 64)
	for b.Loop() {
		b.StopTimer()
		p := benchPicker(b)
		p.SeedJoined()
		b.StartTimer()
		start := time.Now()
		for !p.Done() {
			out = p.Pick(1, nil, 64, out[:0])
			for _, blk := range out {
				if p.Received(1, blk).PieceComplete {
					p.MarkHave(blk.Piece)
				}
			}
			blocks += len(out)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(blocks), "ns/block")
}

// BenchmarkPickSwarm downloads the same torrent from 50 peers with random
// half bitfields, Pick rotating over them 16 blocks at a time, blocks
// arriving one round later.
func BenchmarkPickSwarm(b *testing.B) {
	const peers = 50
	var blocks int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		p := benchPicker(b)
		rng := newRand()
		bfs := make([]bitfield.Bitfield, peers)
		for i := range bfs {
			bfs[i] = bitfield.New(p.n)
			for j := range p.n {
				if rng.IntN(2) == 0 {
					bfs[i].Set(j)
				}
			}
			p.PeerBitfield(&bfs[i])
		}
		pending := make([][]Block, peers)
		b.StartTimer()
		start := time.Now()
		for !p.Done() {
			for i := range peers {
				for _, blk := range pending[i] {
					if p.Received(PeerID(i), blk).PieceComplete {
						p.MarkHave(blk.Piece)
					}
				}
				pending[i] = p.Pick(PeerID(i), &bfs[i], 16, pending[i][:0])
				blocks += len(pending[i])
			}
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(blocks), "ns/block")
}

// BenchmarkPickLastPieces picks from a seed when 4080 of 4096 pieces are
// had: the had pieces sit outside the scanned prefix of the bucket array,
// so the cost does not depend on them.
func BenchmarkPickLastPieces(b *testing.B) {
	p := benchPicker(b)
	for i := range p.n - 16 {
		p.MarkHave(i)
	}
	out := make([]Block, 0, 64)
	for b.Loop() {
		out = p.Pick(1, nil, 64, out[:0])
		for _, blk := range out {
			p.Cancelled(1, blk)
		}
	}
}
