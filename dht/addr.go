package dht

import (
	"net"
	"net/netip"

	"github.com/anacrolix/dht/v2/krpc"
)

// addrPortOf converts a socket address to an unmapped netip.AddrPort.
func addrPortOf(a net.Addr) (netip.AddrPort, bool) {
	switch v := a.(type) {
	case *net.UDPAddr:
		ap := v.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), ap.IsValid()
	case nil:
		return netip.AddrPort{}, false
	default:
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
}

// fromNodeAddr converts a KRPC address and reports whether it is a usable
// unicast endpoint: a valid IP that is not unspecified, multicast or
// broadcast, and a non-zero port.
func fromNodeAddr(na krpc.NodeAddr) (netip.AddrPort, bool) {
	ip, ok := netip.AddrFromSlice(na.IP)
	if !ok || na.Port <= 0 || na.Port > 65535 {
		return netip.AddrPort{}, false
	}
	ap := netip.AddrPortFrom(ip.Unmap(), uint16(na.Port))
	return ap, usableAddr(ap)
}

// usableAddr rejects endpoints nobody can be reached at.
func usableAddr(ap netip.AddrPort) bool {
	ip := ap.Addr()
	if !ip.IsValid() || ap.Port() == 0 || ip.IsUnspecified() || ip.IsMulticast() {
		return false
	}
	if ip.Is4() && (ip.As4()[0] == 0 || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255})) {
		return false
	}
	return true
}

// toNodeAddr converts back to the library's address type.
func toNodeAddr(ap netip.AddrPort) krpc.NodeAddr {
	return krpc.NodeAddr{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
}

// udpAddr converts to a *net.UDPAddr for the library's socket calls.
func udpAddr(ap netip.AddrPort) *net.UDPAddr {
	return net.UDPAddrFromAddrPort(ap)
}
