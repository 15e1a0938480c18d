package dht

import (
	"context"
	"net/netip"

	anacrolixdht "github.com/anacrolix/dht/v2"
)

// maxPendingPings bounds AddContact's concurrent pings.
const maxPendingPings = 16

// AddContact pings a node learnt outside the DHT — typically from a
// BitTorrent peer's PORT message (BEP 5) — and, if it answers, the library
// adds it to the routing table. It returns at once; it is a no-op for
// unusable addresses, a closed node, or when too many pings are pending.
func (n *Node) AddContact(ap netip.AddrPort) {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if !usableAddr(ap) || n.ctx.Err() != nil {
		return
	}
	var f *family
	for _, fam := range n.fams {
		if fam.four == ap.Addr().Is4() {
			f = fam
		}
	}
	if f == nil {
		return
	}
	select {
	case n.pings <- struct{}{}:
	default:
		return
	}
	if !n.track(1) {
		<-n.pings
		return
	}
	go func() {
		defer n.wg.Done()
		defer func() { <-n.pings }()
		ctx, cancel := context.WithTimeout(n.ctx, n.cfg.QueryTimeout)
		defer cancel()
		f.srv.Query(ctx, anacrolixdht.NewAddr(udpAddr(ap)), "ping", anacrolixdht.QueryInput{})
	}()
}

// AddLocalPeer records ap — our own client's peer address — as a holder of
// infoHash in this node's peer store, so that get_peers queries reaching
// this node are answered with it. A node never receives its own client's
// announce_peer; without this, a peer whose only DHT contact is our node
// (its entry point) would learn of everyone but us. Call it with each
// announce: entries expire like any announce.
func (n *Node) AddLocalPeer(infoHash [20]byte, ap netip.AddrPort) bool {
	return n.store.add(infoHash, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
}
