package peer

import (
	"slices"
	"time"

	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/locality"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/wire"
	"github.com/shoal-p2p/shoal/proximity"
)

// Locality of traffic (peer/locality). With proximity on and a locator,
// a torrent asks a remote peer (other AS and other /24) only for pieces
// that none of its near peers (same AS or /24) has or has claimed — its
// share of them first (locality.Split) — and tells its near peers which
// pieces it started to fetch from outside (the shoal_claim extension), so
// that a network takes in each piece about once and trades it inside.
// Towards a remote peer with nothing of that kind it is not interested.
// Near peers are asked plain rarest first. From the endgame on, remote
// peers are asked like any other (restricted). One of our unchoke slots
// is kept for remote peers (remoteShare), so that every network keeps
// its ways in. With proximity off or no locator, none of this runs.

// extClaimID is the extension message ID we assign to shoal_claim.
const extClaimID = 3

const (
	// claimTTL bounds how long a near peer's claim holds without its
	// HAVE or a drop: a claim must not keep the network from a piece
	// forever if its sender stalls without telling.
	claimTTL = 30 * time.Second
	// maxClaimsPerPeer caps the claims recorded from one near peer.
	maxClaimsPerPeer = 256
)

// localityOn reports whether remote fetching is restricted.
func (t *torrent) localityOn() bool {
	return t.cfg.Locator != nil && !t.cfg.ProximityOff
}

// initLocality sets up the view once the picker exists.
func (t *torrent) initLocality() {
	if !t.localityOn() {
		return
	}
	t.loc = locality.New(t.numPieces, t.pk.Wanted)
	t.loc.OnChange = t.onOutsideChange
	t.myClaims = map[int]bool{}
	t.locMine = bitfield.New(t.numPieces)
	t.locAll = bitfield.New(t.numPieces)
}

// remoteShare is the share of our unchoke slots a remote peer may take
// from a near one (choker.Config.RemoteShare): the diversity quota applied
// to upload, one slot of the default four. Without it a leecher's slots go
// to whoever asked first and hold until the next round; near peers ask
// first (their round trip is shorter) and stay interested, so remote peers
// were served only after a near peer lost interest, and an AS that had
// traded everything it held waited idle for what its remote links brought
// in. Multi-AS testnet, proximity on, alternating runs: median 9.61 s
// without (five runs), 9.55 s with (ten), inside an AS 77.3 % and 76.3 %
// (README). 0 when the locality rules are off.
func (t *torrent) remoteShare() float64 {
	if !t.localityOn() {
		return 0
	}
	return proximity.DefaultRemoteShare
}

// remote reports whether c is a remote connection under locality rules.
func (t *torrent) remote(c *peerConn) bool { return t.loc != nil && !c.near }

// restricted reports whether what we ask c for is limited to outside
// pieces: a remote connection before the endgame. Once every missing
// block has been asked for (the endgame), the last pieces come from
// whichever peer brings them first: a network whose near peers all want
// the same last pieces from the one or two that have them would otherwise
// wait on their upload while remote peers, often seeds by then, idle. The
// endgame's blocks are few, and dupWorth judges every copy asked twice.
func (t *torrent) restricted(c *peerConn) bool { return t.remote(c) && !t.locTail }

// locEndgame lifts the restriction for the rest of the download once the
// picker reaches the endgame: remote connections become interested in
// whatever they have that we lack.
func (t *torrent) locEndgame() {
	if t.loc == nil || t.locTail || !t.pk.InEndgame() {
		return
	}
	t.locTail = true
	for _, c := range t.conns {
		if !c.near {
			t.updateInterest(c)
			t.fillRequests(c)
		}
	}
}

// wantsFrom is whether we are interested in c: it has a piece we want and,
// from a remote peer, one we may fetch from outside.
func (t *torrent) wantsFrom(c *peerConn) bool {
	if t.restricted(c) {
		return c.outside > 0
	}
	return c.wanted > 0
}

// onOutsideChange keeps the remote connections' counts of outside pieces
// and their interest current. A piece no longer outside (a near peer got
// or claimed it) is asked from outside no more, but what a remote peer
// already owes us of it stays asked: over a long round trip most of it
// is on the wire already, and cancelling it turns the bytes into waste
// (flash-crowd testnet: 1.0-1.1 % of the bytes downloaded with the
// cancel, 0.65-0.83 % without).
func (t *torrent) onOutsideChange(piece int, outside bool) {
	for _, c := range t.conns {
		if c.near || !t.peerHas(c, piece) {
			continue
		}
		if outside {
			c.outside++
			t.locWake = true
		} else {
			c.outside = max(c.outside-1, 0)
		}
		t.updateInterest(c)
	}
}

// locWakeRemote fills the remote connections' pipelines after pieces
// became outside.
func (t *torrent) locWakeRemote() {
	if !t.locWake {
		return
	}
	t.locWake = false
	for _, c := range t.conns {
		if !c.near && (c.outside > 0 || t.locTail) {
			t.fillRequests(c)
		}
	}
}

// recountOutside recounts the outside pieces a remote connection has.
func (t *torrent) recountOutside(c *peerConn) {
	if !t.remote(c) {
		return
	}
	if c.hasAll {
		c.outside = t.loc.CountIn(nil)
	} else if c.has.Len() == t.numPieces {
		c.outside = t.loc.CountIn(&c.has)
	}
}

// locHave: c announced piece (after the picker counted it).
func (t *torrent) locHave(c *peerConn, piece int) {
	if t.loc == nil {
		return
	}
	if c.near {
		t.dropClaimOf(c, piece) // its HAVE ends its claim
		if c.locCounted {
			t.loc.NearHave(piece)
		}
		t.locWakeRemote()
	} else if t.loc.Outside(piece) {
		c.outside++
	}
}

// A near peer's pieces count as near (locality.View) only while it
// unchokes us: a neighbour that chokes us — a seed serving others in
// turns, say — is no source now, and waiting for it while remote peers
// could serve would only make the network slower than it need be.
func (t *torrent) locShould(c *peerConn) bool {
	return t.loc != nil && c.near && !c.peerChoking && (c.hasAll || c.has.Len() == t.numPieces && t.numPieces > 0)
}

// locSync adds c's pieces to the view or takes them out as locShould says.
func (t *torrent) locSync(c *peerConn) {
	if should := t.locShould(c); should && !c.locCounted {
		c.locCounted = true
		if c.hasAll {
			t.loc.NearSeedJoined()
		} else {
			t.loc.NearBitfield(&c.has)
		}
		t.locWakeRemote()
	} else if !should && c.locCounted {
		t.locUncount(c)
		t.locWakeRemote()
	}
}

// locUncount takes c's pieces out of the view (before they change).
func (t *torrent) locUncount(c *peerConn) {
	if !c.locCounted {
		return
	}
	c.locCounted = false
	if c.hasAll {
		t.loc.NearSeedLeft()
	} else {
		t.loc.NearBitfieldLost(&c.has)
	}
}

// locGone: c disconnected (after the picker forgot it).
func (t *torrent) locGone(c *peerConn) {
	if t.loc == nil {
		return
	}
	if c.near {
		t.locNearChanged(c)
		for piece := range c.claims {
			t.dropClaimOf(c, piece)
		}
		t.locUncount(c)
		t.locWakeRemote()
		return
	}
	t.releaseClaims()
}

// locPieceChanged: whether we want piece changed (had, priority).
func (t *torrent) locPieceChanged(piece int) {
	if t.loc == nil {
		return
	}
	if t.pk.Have(piece) {
		delete(t.myClaims, piece)
	}
	t.loc.Refresh(piece)
}

// split is our share of the pieces to fetch from outside, by peer ID
// among us and our near peers. It is computed again only after a near
// peer connected or left (locNearChanged), not on every pick.
func (t *torrent) split() locality.Split {
	if !t.locSplitOK {
		var near [][20]byte
		for _, c := range t.conns {
			if c.near {
				near = append(near, c.wc.PeerID)
			}
		}
		t.locSplit, t.locSplitOK = locality.SplitOf(t.cl.peerID, near), true
	}
	return t.locSplit
}

// locNearChanged: a near peer connected or left, so our share changes.
func (t *torrent) locNearChanged(c *peerConn) {
	if c.near {
		t.locSplitOK = false
	}
}

// pickOutside picks up to need blocks from remote connection c among the
// outside pieces has holds and claims the pieces it starts. Our share
// comes first. Pieces of our near peers' shares are taken only while the
// link would idle otherwise, one piece at a time: a peer that brings in
// much more than its share (the one linked to a seed, typically) must
// upload all of it to its neighbours itself, and its upload, not the
// inflow, then paces the whole network.
func (t *torrent) pickOutside(c *peerConn, has *bitfield.Bitfield, need int, out []picker.Block) []picker.Block {
	start := len(out)
	s := t.split()
	if t.loc.Mask(&t.locMine, has, &s) > 0 {
		out = t.pk.Pick(c.id, &t.locMine, need, out)
	}
	if len(out) == start && len(c.outstanding) == 0 && t.loc.Mask(&t.locAll, has, nil) > 0 {
		out = t.pk.Pick(c.id, &t.locAll, min(need, t.pk.BlocksIn(0)), out)
	}
	var claim []uint32
	for _, b := range out[start:] {
		if !t.myClaims[b.Piece] {
			t.myClaims[b.Piece] = true
			claim = append(claim, uint32(b.Piece))
		}
	}
	t.sendClaims(claim, nil)
	return out
}

// sendClaims tells our near peers what we started or stopped fetching
// from outside.
func (t *torrent) sendClaims(claim, drop []uint32) {
	if len(claim) == 0 && len(drop) == 0 {
		return
	}
	var payload []byte
	for _, c := range t.conns {
		if !c.near {
			continue
		}
		if payload == nil {
			payload = wire.EncodeClaim(wire.ClaimMsg{Claim: claim, Drop: drop})
		}
		t.sendExt(c, wire.ClaimExtension, payload)
	}
}

// releaseClaims drops our claims on pieces no remote connection is
// fetching for us any more (it choked us, went away, or timed out).
func (t *torrent) releaseClaims() {
	if t.loc == nil || len(t.myClaims) == 0 {
		return
	}
	busy := map[int]bool{}
	for _, c := range t.conns {
		if c.near {
			continue
		}
		for b := range c.outstanding {
			busy[b.Piece] = true
		}
	}
	var drop []uint32
	for piece := range t.myClaims {
		if !busy[piece] {
			delete(t.myClaims, piece)
			drop = append(drop, uint32(piece))
		}
	}
	slices.Sort(drop)
	t.sendClaims(nil, drop)
}

// onClaim handles a shoal_claim message. Only near peers' claims count. Of
// two near peers that claim the same piece, the one with the lower peer ID
// keeps it; the other gives it up and asks outside for no more of it (what
// it already asked for stays asked: see onOutsideChange).
func (t *torrent) onClaim(c *peerConn, payload []byte) {
	m, err := wire.DecodeClaim(payload)
	if err != nil {
		t.protocolError(c, "%s: %v", wire.ClaimExtension, err)
		return
	}
	if t.loc == nil || !c.near || t.state != StateDownloading {
		return
	}
	now := time.Now()
	for _, x := range m.Drop {
		if int(x) < t.numPieces {
			t.dropClaimOf(c, int(x))
		}
	}
	var yield []uint32
	for _, x := range m.Claim {
		piece := int(x)
		if piece >= t.numPieces || t.pk.Have(piece) || t.peerHas(c, piece) {
			continue
		}
		if _, ok := c.claims[piece]; ok {
			c.claims[piece] = now
			continue
		}
		if len(c.claims) >= maxClaimsPerPeer {
			break
		}
		if t.myClaims[piece] {
			if string(t.cl.peerID[:]) < string(c.wc.PeerID[:]) {
				continue // ours stands; it gives up on seeing our claim
			}
			delete(t.myClaims, piece)
			yield = append(yield, x)
		}
		if c.claims == nil {
			c.claims = map[int]time.Time{}
		}
		c.claims[piece] = now
		t.loc.Claim(piece) // no longer outside: no new requests of it
	}
	t.sendClaims(nil, yield)
	t.locWakeRemote()
}

// dropClaimOf forgets c's claim on piece, if any.
func (t *torrent) dropClaimOf(c *peerConn, piece int) {
	if _, ok := c.claims[piece]; !ok {
		return
	}
	delete(c.claims, piece)
	t.loc.Unclaim(piece)
}

// localityTick expires stale claims and drops ours that nothing fetches.
func (t *torrent) localityTick(now time.Time) {
	if t.loc == nil {
		return
	}
	for _, c := range t.conns {
		for piece, at := range c.claims {
			if now.Sub(at) > claimTTL {
				t.dropClaimOf(c, piece)
			}
		}
	}
	t.releaseClaims()
	t.locWakeRemote()
}
