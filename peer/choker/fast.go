package choker

import (
	"crypto/sha1"
	"encoding/binary"
	"net/netip"
	"slices"
)

// AllowedFast returns the BEP 6 allowed-fast set of k pieces (at most
// numPieces) for a peer at ip, in generation order.
//
// For IPv4 (and IPv4-mapped IPv6) this is the canonical BEP 6 algorithm:
// the address masked to its /24, followed by the info hash, is hashed
// repeatedly with SHA-1, and each 4-byte big-endian word of each digest,
// modulo numPieces, adds a piece if it is not in the set yet. BEP 6 defines
// only IPv4; for IPv6 we use the same algorithm on the 16-byte address masked
// to its /48 (one site, as a /24 is for IPv4), so all addresses of a site
// share one set. The zone is ignored. An invalid address, numPieces ≤ 0 or
// k ≤ 0 gives nil.
func AllowedFast(ip netip.Addr, infoHash [20]byte, numPieces, k int) []int {
	if !ip.IsValid() || numPieces <= 0 || k <= 0 {
		return nil
	}
	k = min(k, numPieces)
	ip = ip.Unmap().WithZone("")
	var x []byte
	if ip.Is4() {
		a := ip.As4()
		a[3] = 0
		x = append(x, a[:]...)
	} else {
		a := ip.As16()
		clear(a[6:])
		x = append(x, a[:]...)
	}
	x = append(x, infoHash[:]...)

	set := make([]int, 0, k)
	for len(set) < k {
		sum := sha1.Sum(x)
		x = sum[:]
		for i := 0; i < 5 && len(set) < k; i++ {
			idx := int(binary.BigEndian.Uint32(x[i*4:]) % uint32(numPieces))
			if !slices.Contains(set, idx) {
				set = append(set, idx)
			}
		}
	}
	return set
}
