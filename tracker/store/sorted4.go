package store

import (
	"encoding/binary"
	"net/netip"

	"github.com/shoal-p2p/shoal/proximity"
)

// Pack4 packs an IPv4 peer into one number, as a store may hold it and a
// SortedPicker4 takes it: the ranker's proximity.Key4 with the flag
// Seeder4 set for a seeder. Numbers ordered ignoring bits 15–0 are peers
// ordered by address, then port.
func Pack4(ip [4]byte, port uint16, seeder bool) uint64 {
	var flags uint16
	if seeder {
		flags = Seeder4
	}
	return proximity.Key4(ip, port, flags)
}

// Seeder4 is the seeder flag of a packed IPv4 peer (see Pack4).
const Seeder4 = 1

// Unpack4 returns the address and seeder flag of a packed IPv4 peer.
func Unpack4(v uint64) (netip.AddrPort, bool) {
	var ip [4]byte
	binary.BigEndian.PutUint32(ip[:], uint32(v>>32))
	return netip.AddrPortFrom(netip.AddrFrom4(ip), uint16(v>>16)), v&Seeder4 != 0
}

// SortedPicker4 is a Picker4 that can also take a small swarm's IPv4
// candidates all at once, packed and sorted by address, as a store that
// keeps them so holds them: ranking by proximity then needs no work per
// candidate (see proximity.Ranker.PickSorted4).
type SortedPicker4 interface {
	Picker4
	// PickSorted4 chooses among the peers ps (packed by Pack4, ascending
	// by address and port) other than ps[self] (self < 0: none) and, when
	// noSeeders, other than the seeders, as Pick would choose had they
	// been offered with AddIPv4, their refs their positions in ps: the
	// same rules, the same distribution. It returns their positions, best
	// first; ps must not change meanwhile.
	PickSorted4(ps []uint64, self int, noSeeders bool) []int32
}
