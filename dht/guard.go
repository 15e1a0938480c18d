package dht

import (
	"net"
	"net/netip"
	"sync/atomic"
)

// guardConn wraps a node's socket. Every inbound datagram is size-checked
// and decoded by checkKRPC before the library sees it; bad ones are dropped
// and counted. It also counts traffic for Stats.
type guardConn struct {
	net.PacketConn
	maxPacket int

	in, dropped, out atomic.Uint64
	// onMsg, if set, sees every accepted message's sender (for learning our
	// external address from the "ip" field of replies).
	onReply func(ip []byte)
	// onContact, if set, sees the sender and node ID of every accepted
	// query (from a node that answers queries) and reply.
	onContact func(ap netip.AddrPort, id [20]byte)
	// rtt, if set, times every query sent against its reply.
	rtt *rttMeter
}

// ReadFrom returns the next acceptable datagram.
func (g *guardConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := g.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		g.in.Add(1)
		// A datagram that fills the buffer may have been truncated.
		if n > g.maxPacket || n >= len(p) {
			g.dropped.Add(1)
			continue
		}
		ap, ok := addrPortOf(addr)
		if !ok || !usableAddr(ap) {
			g.dropped.Add(1)
			continue
		}
		m, ok := checkKRPC(p[:n])
		if !ok {
			g.dropped.Add(1)
			continue
		}
		if m.Y == "r" && g.onReply != nil && len(m.IP.IP) > 0 {
			g.onReply(m.IP.IP)
		}
		if g.onContact != nil {
			switch {
			case m.Y == "q" && !m.ReadOnly:
				g.onContact(ap, m.A.ID)
			case m.Y == "r":
				g.onContact(ap, m.R.ID)
			}
		}
		if g.rtt != nil && (m.Y == "r" || m.Y == "e") {
			g.rtt.received(ap, m.T)
		}
		return n, addr, nil
	}
}

// WriteTo counts outbound datagrams and notes queries for the RTT meter.
func (g *guardConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	g.out.Add(1)
	if g.rtt != nil {
		if tid, ok := queryTID(p); ok {
			if ap, ok := addrPortOf(addr); ok {
				g.rtt.sent(ap, tid)
			}
		}
	}
	return g.PacketConn.WriteTo(p, addr)
}
