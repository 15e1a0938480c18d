package peer

import (
	"crypto/sha1"
	"net/netip"

	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/wire"
)

// Blame for corrupt data ("smart ban"). When a piece fails its hash check we
// cannot tell which of its contributors lied, so we record a hash of every
// block with the address that sent it. When the same piece later verifies,
// each recorded block is compared with the good data: whoever sent a block
// that differs is banned, whoever sent a matching one is cleared. Parole
// (whole pieces from one peer) pins the blame sooner for a peer that keeps
// failing on its own.

const maxFailsBeforeBan = 8 // failed pieces a peer may share in before a ban regardless

type blockRecord struct {
	addr netip.Addr
	hash [20]byte
}

// blockSources notes, per block of a piece being assembled, who sent it.
func blockIndex(begin int) int { return begin / wire.BlockSize }

func (t *torrent) recordFailedBlocks(piece int, pb *pieceBuf) {
	if t.suspect == nil {
		t.suspect = map[int]map[int][]blockRecord{}
	}
	recs := t.suspect[piece]
	if recs == nil {
		recs = map[int][]blockRecord{}
		t.suspect[piece] = recs
	}
	for i, id := range pb.from {
		c := t.conns[id]
		if c == nil {
			continue
		}
		start := i * wire.BlockSize
		end := min(start+wire.BlockSize, len(pb.data))
		rec := blockRecord{addr: c.addr.Addr(), hash: sha1.Sum(pb.data[start:end])}
		if len(recs[i]) < 4 {
			recs[i] = append(recs[i], rec)
		}
	}
}

// smartBan runs when a piece that failed before has now verified.
func (t *torrent) smartBan(piece int, good []byte) {
	recs := t.suspect[piece]
	if recs == nil {
		return
	}
	delete(t.suspect, piece)
	for i, list := range recs {
		start := i * wire.BlockSize
		end := min(start+wire.BlockSize, len(good))
		want := sha1.Sum(good[start:end])
		for _, r := range list {
			if r.hash != want {
				t.banAddr(r.addr, "sent a corrupt block (confirmed against the verified piece)")
			}
		}
	}
}

func (t *torrent) banAddr(a netip.Addr, why string) {
	if t.banned[a] {
		return
	}
	t.banned[a] = true
	t.log.Warn("banned peer", "addr", a, "why", why)
	for _, c := range t.conns {
		if c.addr.Addr() == a {
			t.dropBanned(c)
		}
	}
}

// contributors lists, once each, the peers that sent blocks of a piece.
func (pb *pieceBuf) contributors() []picker.PeerID {
	var out []picker.PeerID
	for _, id := range pb.from {
		if id == 0 {
			continue
		}
		dup := false
		for _, o := range out {
			if o == id {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}
