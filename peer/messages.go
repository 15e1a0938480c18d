package peer

import (
	"fmt"
	"sync"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/wire"
)

// Extension message IDs we assign (BEP 10); peers send us these.
const (
	extMetadataID = 1
	extPexID      = 2
)

func releaseMsg(m *wire.Message) {
	if m.Type == pp.Piece && m.Piece != nil {
		wire.PutBlock(m.Piece)
		m.Piece = nil
	}
}

// protocolError closes a connection that broke the protocol; nothing else
// is affected.
func (t *torrent) protocolError(c *peerConn, format string, args ...any) {
	t.dropConn(c, fmt.Errorf("protocol error from %s: %s", c.addr, fmt.Sprintf(format, args...)))
}

func (t *torrent) onMessage(c *peerConn, m *wire.Message) {
	if m.Keepalive {
		return
	}
	switch m.Type {
	case pp.Choke:
		c.peerChoking = true
		t.locSync(c)
		if !c.fast() {
			// Without BEP 6 a choke discards every pending request.
			t.abandonRequests(c, false)
		}
	case pp.Unchoke:
		c.peerChoking = false
		t.locSync(c)
		t.fillRequests(c)
	case pp.Interested:
		c.peerInterested = true
		t.onInterested(c)
	case pp.NotInterested:
		c.peerInterested = false
		// Its slot goes to a peer that wants something from us — except
		// when super-seeding, where a peer is not interested between two
		// offers by design and its next offer must not wait for a slot.
		if !c.amChoking && t.ch != nil && !t.superSeeding() && t.ch.OnNotInterested(time.Now(), toChokerID(c.id)) {
			t.choke(c)
			t.lendFreeSlots(time.Now())
		}
	case pp.Have:
		t.onHave(c, m.Index)
	case pp.Bitfield:
		t.onBitfield(c, m.Bitfield)
	case pp.HaveAll:
		if !c.fast() {
			t.protocolError(c, "have_all without the fast extension")
			return
		}
		t.onHaveAll(c)
	case pp.HaveNone:
		if !c.fast() {
			t.protocolError(c, "have_none without the fast extension")
			return
		}
	case pp.Request:
		t.onRequest(c, m)
	case pp.Cancel:
		c.q.removeUpload(m.Index, m.Begin, m.Length)
	case pp.Piece:
		t.onBlock(c, m)
	case pp.Reject:
		if !c.fast() {
			t.protocolError(c, "reject without the fast extension")
			return
		}
		b := picker.Block{Piece: int(m.Index), Begin: int(m.Begin), Length: int(m.Length)}
		if _, ok := c.outstanding[b]; ok {
			delete(c.outstanding, b)
			t.pk.Cancelled(c.id, b)
		}
		t.fillRequests(c)
	case pp.AllowedFast:
		if t.numPieces > 0 && int(m.Index) >= t.numPieces {
			return // harmless: ignore out-of-range allowed-fast
		}
		if c.allowedForUs == nil {
			c.allowedForUs = map[uint32]bool{}
		}
		if len(c.allowedForUs) < 64 {
			c.allowedForUs[m.Index] = true
		}
		t.fillRequests(c)
	case pp.Port:
		t.onDHTPort(c, m.Port)
	case pp.Suggest:
		// Suggestions are advisory.
	case pp.Extended:
		t.onExtended(c, m)
	default:
		// BEP 3: unknown message types are ignored.
	}
}

func (t *torrent) onHave(c *peerConn, index uint32) {
	if !t.piecesKnown(c) {
		if len(c.rawHaves) < 1<<16 {
			c.rawHaves = append(c.rawHaves, index)
		}
		return
	}
	i := int(index)
	if i >= t.numPieces {
		t.protocolError(c, "have %d with %d pieces", index, t.numPieces)
		return
	}
	if c.hasAll || !c.has.Set(i) {
		return
	}
	t.pk.PeerHave(i)
	c.hasSome.Store(true)
	if t.pk.Wanted(i) {
		c.wanted++
	}
	t.locHave(c, i)
	if t.superSeeding() {
		t.superOnHave(c, i)
	}
	if c.has.All() {
		// Count it as a seed from now on: O(1) for the picker.
		t.pk.PeerBitfieldLost(&c.has)
		t.pk.SeedJoined()
		t.locUncount(c)
		c.hasAll = true
		t.locSync(c)
		t.recountOutside(c)
		if t.state == StateSeeding {
			t.dropConn(c, errBothSeeds)
			return
		}
	}
	t.updateInterest(c)
	t.fillRequests(c)
}

// onBitfield accepts a bitfield at any time, not only first: aria2c sends a
// whole new bitfield instead of HAVE messages when that is shorter. A later
// one adds to what we knew.
func (t *torrent) onBitfield(c *peerConn, raw []byte) {
	if !t.piecesKnown(c) {
		c.rawBitfield = raw
		return
	}
	bf, err := bitfield.FromBytes(raw, t.numPieces)
	if err != nil {
		t.protocolError(c, "%v", err)
		return
	}
	t.setPeerPieces(c, bf)
}

func (t *torrent) onHaveAll(c *peerConn) {
	if !t.piecesKnown(c) {
		c.rawHaveAll = true
		return
	}
	t.setPeerPieces(c, bitfield.Full(t.numPieces))
}

// piecesKnown reports whether a connection's piece set is sized: the info
// is known and connGotInfo has run for it (not while checking existing
// data). Until then what the peer says is kept raw and applied later.
func (t *torrent) piecesKnown(c *peerConn) bool {
	return c.hasAll || c.has.Len() == t.numPieces && t.numPieces > 0
}

// setPeerPieces replaces what we know a peer has (aria2 may send its
// bitfield after HAVE messages: merge those in).
func (t *torrent) setPeerPieces(c *peerConn, bf bitfield.Bitfield) {
	if c.hasAll {
		return
	}
	if c.has.Len() == t.numPieces {
		c.has.Indexes(func(i int) bool {
			if !bf.Has(i) {
				bf.Set(i)
			}
			return true
		})
		t.pk.PeerBitfieldLost(&c.has)
		t.locUncount(c)
	}
	if bf.All() {
		c.hasAll = true
		c.has = bitfield.Bitfield{}
		t.pk.SeedJoined()
		if t.state == StateSeeding {
			t.dropConn(c, errBothSeeds)
			return
		}
	} else {
		c.has = bf
		t.pk.PeerBitfield(&c.has)
	}
	c.hasSome.Store(c.hasAll || !c.has.None())
	t.recountWanted(c)
	t.locSync(c)
	t.recountOutside(c)
	t.updateInterest(c)
	t.fillRequests(c)
	if t.superSeeding() {
		t.superOffer(c)
	}
}

func (t *torrent) peerHas(c *peerConn, i int) bool { return c.hasAll || c.has.Has(i) }

func (t *torrent) recountWanted(c *peerConn) {
	c.wanted = 0
	if t.pk == nil {
		return
	}
	for i := 0; i < t.numPieces; i++ {
		if t.pk.Wanted(i) && t.peerHas(c, i) {
			c.wanted++
		}
	}
}

func (t *torrent) updateInterest(c *peerConn) {
	want := t.wantsFrom(c) && t.state == StateDownloading
	if want == c.amInterested {
		return
	}
	c.amInterested = want
	if want {
		c.sendType(pp.Interested)
	} else {
		c.sendType(pp.NotInterested)
	}
}

func (t *torrent) onRequest(c *peerConn, m *wire.Message) {
	reject := func() {
		if c.fast() {
			c.send(wire.Message{Type: pp.Reject, Index: m.Index, Begin: m.Begin, Length: m.Length})
		}
	}
	if t.info == nil || !t.transferring() {
		reject()
		return
	}
	i := int(m.Index)
	if i >= t.numPieces || m.Length == 0 || m.Length > wire.BlockSize ||
		int64(m.Begin)+int64(m.Length) > int64(t.pk.PieceSize(i)) {
		t.protocolError(c, "bad request piece %d begin %d length %d", m.Index, m.Begin, m.Length)
		return
	}
	if !t.have.Has(i) || (c.amChoking && !c.allowedForThem[m.Index]) || c.q.pendingUploads() >= maxUploadQueue {
		reject()
		return
	}
	c.q.push(outItem{m: wire.Message{Type: pp.Piece, Index: m.Index, Begin: m.Begin, Length: m.Length}, upload: true})
	t.rotateSeedSlots(time.Now())
}

func (t *torrent) onBlock(c *peerConn, m *wire.Message) {
	defer releaseMsg(m)
	now := time.Now()
	b := picker.Block{Piece: int(m.Index), Begin: int(m.Begin), Length: len(m.Piece)}
	if sent, ok := c.outstanding[b]; ok {
		delete(c.outstanding, b)
		c.pipe.OnBlock(now, b.Length, now.Sub(sent))
	}
	if t.pk == nil || b.Piece >= t.numPieces || b.Length == 0 ||
		int64(b.Begin)+int64(b.Length) > int64(t.pk.PieceSize(b.Piece)) {
		t.wasted += int64(b.Length)
		return
	}
	if !t.acceptBlock(c.id, b, m.Piece) {
		t.wasted += int64(b.Length)
	}
	t.fillRequests(c)
}

// acceptBlock files a block from a peer or a seed server into its piece,
// cancels duplicates elsewhere, and submits the piece for hashing when it
// is complete. It reports whether the block was wanted.
func (t *torrent) acceptBlock(from picker.PeerID, b picker.Block, data []byte) bool {
	rc := t.pk.Received(from, b)
	if !rc.Wanted {
		return false
	}
	t.cancelDuplicates(b, rc.Cancel)
	pb := t.bufs[b.Piece]
	if pb == nil {
		pb = &pieceBuf{data: t.allocPiece(t.pk.PieceSize(b.Piece)), from: make([]picker.PeerID, t.pk.BlocksIn(b.Piece))}
		t.bufs[b.Piece] = pb
	}
	copy(pb.data[b.Begin:], data)
	if bi := blockIndex(b.Begin); bi < len(pb.from) {
		pb.from[bi] = from
	}
	if rc.PieceComplete {
		delete(t.bufs, b.Piece)
		t.submitPiece(b.Piece, pb)
	}
	return true
}

// cancelDuplicates tells the peers in cancel, which were also asked for b
// (endgame), that it arrived.
func (t *torrent) cancelDuplicates(b picker.Block, cancel []picker.PeerID) {
	for _, id := range cancel {
		if oc := t.conns[id]; oc != nil {
			if _, ok := oc.outstanding[b]; ok {
				delete(oc.outstanding, b)
				oc.send(wire.Message{Type: pp.Cancel, Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
			}
		}
	}
}

// allocPiece returns a buffer for a piece of size bytes.
func (t *torrent) allocPiece(size int) []byte { return t.piecePool.get(size) }

// freePiece gives a piece buffer back for reuse.
func (t *torrent) freePiece(b []byte) { t.piecePool.put(b) }

// piecePool keeps buffers of the torrent's standard piece length for reuse:
// a fresh one costs zeroing, page faults and garbage collection, per piece.
// It is safe for concurrent use: the loop and the seed-server fetchers
// share it. The nil pool allocates every time.
type piecePool struct {
	size int
	max  int
	mu   sync.Mutex
	free [][]byte
}

// newPiecePool keeps up to about maxBytes of free buffers of pieceLen bytes.
func newPiecePool(pieceLen int64, maxBytes int64) *piecePool {
	return &piecePool{size: int(pieceLen), max: int(min(max(16, maxBytes/pieceLen), 1024))}
}

// get returns a buffer of n bytes, reused when n is the standard length.
// Its contents are undefined.
func (p *piecePool) get(n int) []byte {
	if p != nil && n == p.size {
		p.mu.Lock()
		if k := len(p.free); k > 0 {
			b := p.free[k-1]
			p.free[k-1] = nil
			p.free = p.free[:k-1]
			p.mu.Unlock()
			return b
		}
		p.mu.Unlock()
	}
	return make([]byte, n)
}

// put offers b for reuse; the caller must not touch it afterwards.
func (p *piecePool) put(b []byte) {
	if p == nil || len(b) != p.size {
		return
	}
	p.mu.Lock()
	if len(p.free) < p.max {
		p.free = append(p.free, b)
	}
	p.mu.Unlock()
}

// drain drops the free buffers (once nothing more is downloaded).
func (p *piecePool) drain() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.free = nil
	p.mu.Unlock()
}
