package udpfront

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchConn reads and writes several datagrams per system call (recvmmsg
// and sendmmsg on Linux; one at a time elsewhere). ipv4.Message and
// ipv6.Message are the same type, so both packet conns satisfy it.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// msgTrunc is MSG_TRUNC: the datagram was longer than the buffer.
const msgTrunc = 0x20

func newBatchConn(c *net.UDPConn) batchConn {
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() != nil {
		return ipv4.NewPacketConn(c)
	}
	return ipv6.NewPacketConn(c) // IPv6 and dual-stack sockets
}

// addrPort is the sender of a datagram read by ReadBatch.
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	ua, ok := a.(*net.UDPAddr)
	if !ok || ua == nil {
		return netip.AddrPort{}, false
	}
	ap := ua.AddrPort()
	return ap, ap.Addr().IsValid()
}
