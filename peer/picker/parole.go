package picker

// Parole: a peer that contributed to a piece that failed its hash check is
// put on parole by the engine. From then on it only gets whole fresh pieces
// (no other peer has blocks in them), and while it holds such a piece other
// peers do not pick blocks of it outside endgame. If that piece fails too,
// Contributors names it alone.

// SetParole puts peer on parole or takes it off. Taking it off opens the
// pieces it held alone to every peer.
func (p *Picker) SetParole(peer PeerID, on bool) {
	ps := p.peers[peer]
	if ps.parole == on {
		return
	}
	ps.parole = on
	p.setPeer(peer, ps)
	if on {
		return
	}
	for _, pt := range p.active {
		if pt.locked && pt.owner == peer {
			pt.locked = false
		}
	}
}

// OnParole reports whether peer is on parole.
func (p *Picker) OnParole(peer PeerID) bool { return p.peers[peer].parole }
