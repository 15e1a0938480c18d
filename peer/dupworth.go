package peer

import (
	"time"

	"github.com/shoal-p2p/shoal/peer/picker"
)

// Endgame duplicates that lose their race are the swarm's wasted bytes:
// the peer that had the block first delivers it, our CANCEL to the
// duplicate's peer arrives after that peer has sent it, and the second
// copy is thrown away. So a block is duplicated only when the duplicate
// would arrive first by our own estimate, and while duplicates wait for
// that, the endgame tick asks again.

const (
	// endgameDepth is the picker's Config.EndgameDepth: with duplicates
	// only where they win, a peer may carry several, so the last pieces
	// spread over the peers that can bring them (with one at a time they
	// came in at one block per round trip per peer).
	endgameDepth   = 4
	endgameTick    = 50 * time.Millisecond // how often idle peers are offered late blocks
	unknownRTT     = 100 * time.Millisecond
	unknownDupRate = 256 << 10 // B/s assumed for a peer that has not delivered yet
)

// dupWorth is the picker's Config.DuplicateWorth: would b, requested now
// from dup, arrive before every copy already requested from holders?
// A holder's copy comes after the blocks queued ahead of it at the rate
// that peer delivers to us, and not before one round trip after it was
// asked for; the duplicate comes after a round trip, our requests already
// queued at the duplicate's peer and the block itself, at that peer's
// rate, and must win by one more round trip (the estimates are rough, and
// a close race is lost as often as won). Holders without an estimate (a
// seed server, a peer that has delivered nothing yet) are left out; with
// none left the duplicate goes ahead, as before. A seed server taking the
// last pieces (seedtail.go) is judged the same way, by its measured rate
// per request and an unknown round trip: the blocks picked before b in
// the same request come ahead of it.
func (t *torrent) dupWorth(b picker.Block, holders []picker.PeerID, dup picker.PeerID) bool {
	now := t.pickAt
	var dupRTT, dupETA time.Duration
	if d := t.conns[dup]; d != nil {
		queued := len(d.outstanding) + t.pickDups // ahead of b at the duplicate's peer
		dupRTT = rttOr(d.pipe.SRTT())
		dupETA = dupRTT + blockTime((queued+1)*b.Length, d.pipe.Rate(now), unknownDupRate)
	} else if s := t.seedServer(dup); s != nil {
		dupRTT = unknownRTT
		dupETA = dupRTT + blockTime((t.pickDups+1)*b.Length, s.rate, unknownDupRate)
	} else {
		return true
	}
	// The holder's copy must come later than this for the duplicate to go.
	need := dupETA + dupRTT // one more round trip as margin
	for _, id := range holders {
		h := t.conns[id]
		if h == nil {
			continue
		}
		sent, ok := h.outstanding[b]
		rate := h.pipe.Rate(now)
		if !ok || rate <= 0 {
			continue
		}
		if sent.Add(rttOr(h.pipe.SRTT())).Sub(now)+blockTime(b.Length, rate, 0) > need {
			continue // not here before a round trip: later whatever its queue
		}
		if blockTime(len(h.outstanding)*b.Length, rate, 0) <= need {
			return false // here in time even from the back of its queue
		}
		ahead := 0
		for ob, at := range h.outstanding {
			if at.Before(sent) || at.Equal(sent) && blockBefore(ob, b) {
				ahead++
			}
		}
		if blockTime((ahead+1)*b.Length, rate, 0) <= need {
			return false
		}
	}
	t.pickDups++
	return true
}

// blockTime is how long n bytes take at rate bytes/s (fallback when rate
// is not positive).
func blockTime(n int, rate, fallback float64) time.Duration {
	if rate <= 0 {
		rate = fallback
	}
	return time.Duration(float64(n) / rate * float64(time.Second))
}

func rttOr(rtt time.Duration) time.Duration {
	if rtt <= 0 {
		return unknownRTT
	}
	return rtt
}

// blockBefore breaks ties between requests sent in the same fillRequests
// call, which share a send time: by piece, then offset. Within a piece
// that is the order they went out in; across pieces it is a guess (the
// picker's order is not recorded).
func blockBefore(a, b picker.Block) bool {
	if a.Piece != b.Piece {
		return a.Piece < b.Piece
	}
	return a.Begin < b.Begin
}

// endgameTicker runs the endgame tick while the torrent downloads in
// endgame and stops it otherwise. fillRequests starts it on entering
// endgame; each tick checks it again, so it stops within one tick of the
// download finishing, pausing or leaving endgame.
func (t *torrent) endgameTicker() {
	on := t.pk != nil && t.state == StateDownloading && t.pk.InEndgame()
	switch {
	case on && t.egTicker == nil:
		t.egTicker = time.NewTicker(endgameTick)
		t.egC = t.egTicker.C
	case !on && t.egTicker != nil:
		t.egTicker.Stop()
		t.egTicker, t.egC = nil, nil
	}
}
