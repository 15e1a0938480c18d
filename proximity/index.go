package proximity

// Tables with more IPv4 ranges than indexMin get a direct index on the top
// 16 address bits, so that a lookup binary-searches only the few ranges of
// one /16 instead of the whole table (fewer cache misses on big tables).
const indexMin = 4096

// buildIndex4 returns idx with idx[b] = the range containing b<<16, for
// b in 0…65536 (idx[65536] = the last range).
func buildIndex4(starts []uint32) []uint32 {
	idx := make([]uint32, 1<<16+1)
	i := 0
	for b := range 1 << 16 {
		bucket := uint32(b) << 16
		for i+1 < len(starts) && starts[i+1] <= bucket {
			i++
		}
		idx[b] = uint32(i)
	}
	idx[1<<16] = uint32(len(starts) - 1)
	return idx
}
