package peer

import (
	"net/netip"

	"github.com/shoal-p2p/shoal/peer/wire"
)

type eventKind uint8

const (
	evMsg       eventKind = iota // a message from a connection's reader
	evClosed                     // a connection's reader ended
	evConnected                  // a handshake finished (incoming or outgoing)
	evDialDone                   // an outgoing attempt finished (ok or not)
	evPeers                      // candidate addresses from a source
	evCmd                        // a function to run on the loop (API calls, announcers)
)

// event is the one type that travels through a torrent's inbox. It is a
// flat struct, not an interface, so that the per-block path allocates
// nothing.
type event struct {
	kind  eventKind
	c     *peerConn
	m     wire.Message
	err   error
	wc    *wire.Conn
	addr  netip.AddrPort
	src   Source
	addrs []netip.AddrPort
	fn    func(*torrent)
}
