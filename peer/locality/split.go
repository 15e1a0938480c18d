package locality

import "bytes"

// Split is one peer's share of the pieces to bring in from outside: the
// pieces i with i mod Of == Rank. The near peers of a network connected to
// each other compute the same Of and distinct ranks (SplitOf), so that
// their remote links start on different pieces.
type Split struct{ Rank, Of int }

// Mine reports whether piece is in the share. A split of one (or none)
// holds every piece.
func (s Split) Mine(piece int) bool {
	return s.Of <= 1 || piece%s.Of == s.Rank
}

// SplitOf ranks self among itself and its near peers by peer ID (every
// peer of the group sees the same IDs, whatever its addresses look like
// from elsewhere). Duplicate IDs count once.
func SplitOf(self [20]byte, near [][20]byte) Split {
	rank, of := 0, 1
	seen := make(map[[20]byte]bool, len(near))
	for _, id := range near {
		if id == self || seen[id] {
			continue
		}
		seen[id] = true
		of++
		if bytes.Compare(id[:], self[:]) < 0 {
			rank++
		}
	}
	return Split{Rank: rank, Of: of}
}
