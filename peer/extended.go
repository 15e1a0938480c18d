package peer

import (
	"crypto/sha1"
	"net/netip"
	"slices"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/wire"
)

const (
	metaPieceSize   = 16 * 1024
	maxMetadataSize = 16 << 20
	metaTimeout     = 20 * time.Second
	pexInterval     = 60 * time.Second
	pexFirstDelay   = 2 * time.Second // first PEX after a connection's extension handshake
	pexMaxPerMsg    = 50
)

// Version is what we tell peers in the extension handshake.
const Version = "shoal 0.1"

func (t *torrent) extHandshake(c *peerConn) []byte {
	h := wire.ExtHandshake{
		M:      map[string]int{"ut_metadata": extMetadataID},
		V:      Version,
		Reqq:   maxUploadQueue,
		YourIP: c.addr.Addr(),
	}
	if !t.cfg.DisablePEX {
		h.M["ut_pex"] = extPexID
	}
	if t.localityOn() {
		h.M[wire.ClaimExtension] = extClaimID
	}
	if t.spec.InfoBytes != nil {
		h.MetadataSize = len(t.spec.InfoBytes)
	}
	if la := t.cl.ListenAddr(); la.IsValid() {
		h.Port = int(la.Port())
	}
	return wire.EncodeExtHandshake(h)
}

func (t *torrent) onExtended(c *peerConn, m *wire.Message) {
	switch m.ExtendedID {
	case 0:
		h, err := wire.DecodeExtHandshake(m.ExtendedPayload)
		if err != nil {
			t.protocolError(c, "extension handshake: %v", err)
			return
		}
		c.ext = h
		c.extOK = true
		if h.Port > 0 && h.Port < 65536 {
			c.listenPort = uint16(h.Port)
		}
		c.nextPEX = time.Now().Add(pexFirstDelay)
		if h.YourIP.IsValid() && !h.YourIP.IsUnspecified() {
			t.yourIP = h.YourIP.Unmap()
		}
		t.metaPeerReady(c)
	case extMetadataID:
		mm, err := wire.DecodeMetadataMsg(m.ExtendedPayload)
		if err != nil {
			t.protocolError(c, "ut_metadata: %v", err)
			return
		}
		t.onMetadataMsg(c, mm)
	case extPexID:
		if t.cfg.DisablePEX || t.private() {
			return
		}
		px, err := wire.DecodePex(m.ExtendedPayload)
		if err != nil {
			t.protocolError(c, "ut_pex: %v", err)
			return
		}
		for _, a := range px.Added {
			t.cands.add(a, SourcePEX)
		}
	case extClaimID:
		t.onClaim(c, m.ExtendedPayload)
	}
}

// sendExt sends an extension message with the id the peer assigned to name.
func (t *torrent) sendExt(c *peerConn, name string, payload []byte) bool {
	id, ok := c.ext.M[name]
	if !ok || id <= 0 || id > 255 {
		return false
	}
	c.send(wire.Message{Type: pp.Extended, ExtendedID: uint8(id), ExtendedPayload: payload})
	return true
}

// ---- BEP 9 metadata exchange ----

type metaFetch struct {
	size      int
	pieces    [][]byte
	requested map[int]metaReq
}

type metaReq struct {
	conn *peerConn
	at   time.Time
}

func (t *torrent) metaPeerReady(c *peerConn) {
	if t.info != nil || c.ext.M["ut_metadata"] <= 0 {
		return
	}
	size := c.ext.MetadataSize
	if size <= 0 || size > maxMetadataSize {
		return
	}
	if t.meta == nil {
		n := (size + metaPieceSize - 1) / metaPieceSize
		t.meta = &metaFetch{size: size, pieces: make([][]byte, n), requested: map[int]metaReq{}}
	}
	if t.meta.size != size {
		return
	}
	t.requestMetadata(c)
}

func (t *torrent) requestMetadata(c *peerConn) {
	mf := t.meta
	now := time.Now()
	for i := range mf.pieces {
		if c.metaPending >= 4 {
			return
		}
		if mf.pieces[i] != nil {
			continue
		}
		if r, ok := mf.requested[i]; ok && now.Sub(r.at) < metaTimeout {
			continue
		}
		if !t.sendExt(c, "ut_metadata", wire.EncodeMetadataMsg(wire.MetadataMsg{Type: 0, Piece: i})) {
			return
		}
		mf.requested[i] = metaReq{conn: c, at: now}
		c.metaPending++
	}
}

func (t *torrent) onMetadataMsg(c *peerConn, mm wire.MetadataMsg) {
	switch mm.Type {
	case 0: // request
		ib := t.spec.InfoBytes
		if ib == nil || mm.Piece < 0 || mm.Piece*metaPieceSize >= len(ib) {
			t.sendExt(c, "ut_metadata", wire.EncodeMetadataMsg(wire.MetadataMsg{Type: 2, Piece: mm.Piece}))
			return
		}
		end := min(len(ib), (mm.Piece+1)*metaPieceSize)
		t.sendExt(c, "ut_metadata", wire.EncodeMetadataMsg(wire.MetadataMsg{
			Type: 1, Piece: mm.Piece, TotalSize: len(ib), Data: ib[mm.Piece*metaPieceSize : end],
		}))
	case 1: // data
		mf := t.meta
		if t.info != nil || mf == nil || mm.Piece < 0 || mm.Piece >= len(mf.pieces) {
			return
		}
		if r, ok := mf.requested[mm.Piece]; ok && r.conn == c {
			delete(mf.requested, mm.Piece)
			c.metaPending--
		}
		want := min(metaPieceSize, mf.size-mm.Piece*metaPieceSize)
		if len(mm.Data) != want || (mm.TotalSize != 0 && mm.TotalSize != mf.size) {
			t.protocolError(c, "metadata piece %d: %d bytes, want %d", mm.Piece, len(mm.Data), want)
			return
		}
		mf.pieces[mm.Piece] = slices.Clone(mm.Data)
		t.metaMaybeDone()
		if t.info == nil {
			t.requestMetadata(c)
		}
	case 2: // reject
		if mf := t.meta; mf != nil {
			if r, ok := mf.requested[mm.Piece]; ok && r.conn == c {
				delete(mf.requested, mm.Piece)
				c.metaPending--
			}
		}
	}
}

func (t *torrent) metaMaybeDone() {
	mf := t.meta
	for _, p := range mf.pieces {
		if p == nil {
			return
		}
	}
	buf := make([]byte, 0, mf.size)
	for _, p := range mf.pieces {
		buf = append(buf, p...)
	}
	if sha1.Sum(buf) != t.ih {
		t.log.Warn("metadata from peers does not match the info hash; fetching again")
		t.meta = nil
		for _, c := range t.conns {
			c.metaPending = 0
			t.metaPeerReady(c)
		}
		return
	}
	spec, err := specFromInfoBytes(buf)
	if err != nil {
		t.fail(err)
		return
	}
	t.spec.InfoBytes = spec.InfoBytes
	t.spec.Info = spec.Info
	t.meta = nil
	t.log.Info("got metadata from peers", "name", spec.Info.BestName(), "bytes", len(buf))
	if err := t.initInfo(); err != nil {
		t.fail(err)
	}
}

func (t *torrent) metaPeerGone(c *peerConn) {
	if t.meta == nil {
		return
	}
	for i, r := range t.meta.requested {
		if r.conn == c {
			delete(t.meta.requested, i)
		}
	}
}

func (t *torrent) metaTick(now time.Time) {
	if t.meta == nil || t.info != nil {
		return
	}
	for i, r := range t.meta.requested {
		if now.Sub(r.at) >= metaTimeout {
			r.conn.metaPending--
			delete(t.meta.requested, i)
		}
	}
	for _, c := range t.conns {
		if c.extOK {
			t.metaPeerReady(c)
		}
	}
}

// ---- BEP 11 peer exchange ----

func (t *torrent) pexAddr(c *peerConn) (netip.AddrPort, bool) {
	if c.listenPort == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(c.addr.Addr(), c.listenPort), true
}

// sendPEX sends each connection that speaks ut_pex what changed in our
// peer set since its last message: the first shortly after its extension
// handshake, then at most once a minute (BEP 11).
func (t *torrent) sendPEX(now time.Time) {
	if t.cfg.DisablePEX || t.private() {
		return
	}
	var current map[netip.AddrPort]bool
	for _, c := range t.conns {
		if c.ext.M["ut_pex"] <= 0 || now.Before(c.nextPEX) {
			continue
		}
		if current == nil {
			current = map[netip.AddrPort]bool{}
			for _, o := range t.conns {
				if a, ok := t.pexAddr(o); ok {
					current[a] = true
				}
			}
		}
		c.nextPEX = now.Add(pexInterval)
		if c.pexSent == nil {
			c.pexSent = map[netip.AddrPort]bool{}
		}
		self, _ := t.pexAddr(c)
		var msg wire.PexMsg
		for a := range current {
			if a != self && !c.pexSent[a] && len(msg.Added) < pexMaxPerMsg {
				msg.Added = append(msg.Added, a)
			}
		}
		for a := range c.pexSent {
			if !current[a] && len(msg.Dropped) < pexMaxPerMsg {
				msg.Dropped = append(msg.Dropped, a)
			}
		}
		if len(msg.Added)+len(msg.Dropped) == 0 {
			continue
		}
		if t.sendExt(c, "ut_pex", wire.EncodePex(msg)) {
			for _, a := range msg.Added {
				c.pexSent[a] = true
			}
			for _, a := range msg.Dropped {
				delete(c.pexSent, a)
			}
		}
	}
}

// private: BEP 27 torrents get peers from trackers only (no PEX, no DHT).
func (t *torrent) private() bool {
	return t.info != nil && t.info.Private != nil && *t.info.Private
}
