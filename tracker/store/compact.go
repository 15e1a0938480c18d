package store

import "net/netip"

// AppendCompact appends a's compact form (BEP 23 / BEP 7): 4 or 16 bytes of
// IP, then the port, big-endian. IPv4-mapped IPv6 addresses are written as
// 16 bytes; callers unmap first when they mean IPv4.
func AppendCompact(b []byte, a netip.AddrPort) []byte {
	ip := a.Addr()
	if ip.Is4() {
		v := ip.As4()
		b = append(b, v[:]...)
	} else {
		v := ip.As16()
		b = append(b, v[:]...)
	}
	return append(b, byte(a.Port()>>8), byte(a.Port()))
}
