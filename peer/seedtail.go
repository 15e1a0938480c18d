package peer

import (
	"fmt"
	"time"
)

// The last pieces from a seed server. In a busy swarm each of a peer's last
// pieces comes from one neighbour whose upload is shared among everyone it
// unchokes: a 256 KiB piece from a 1 MiB/s peer serving several takes a
// second or more, and the whole download waits for it. A seed server with
// a free turn brings it in a fraction of that. So once we are in endgame
// (every missing block requested) with seedTailPieces or fewer pieces left,
// seed servers take endgame duplicates of them, as a peer would: the
// picker's endgame rules choose the blocks (those the peers will bring
// last first, a few at a time, never beyond the duplicate limit), and
// whichever copy comes second is cancelled or dropped. This costs the
// servers at most seedTailPieces pieces per peer and is not tied to peers
// being slow; the slow-peer endgame rule in fallbackNeed still covers any
// number of pieces left.

// seedTailPieces is how few pieces must be left for the seed servers to
// join the endgame. In the 50-peer flash crowd, 2 brought the last
// completion from 1.17× to 1.16× the Kumar–Ross minimum, 4 to 1.15× with
// the servers at 1.2–1.4× the file, and 6 no further while the servers'
// bytes and the duplicates grew (README, testnet figures).
const seedTailPieces = 4

// seedTailNeed reports whether the last pieces are few enough for the seed
// servers, and says so.
func (t *torrent) seedTailNeed() (bool, string) {
	if !t.pk.InEndgame() {
		return false, ""
	}
	n := t.pk.Missing()
	if n > seedTailPieces {
		return false, ""
	}
	if n == 1 {
		return true, "the last piece: a seed server helps bring it"
	}
	return true, fmt.Sprintf("the last %d pieces: a seed server helps bring them", n)
}

// seedTailCheck runs the seed-server tick at once when a verified piece
// leaves few enough pieces, instead of at the next 1 s tick: the tail of a
// busy download lasts about that long. seedServerTick checks the state.
func (t *torrent) seedTailCheck(now time.Time) {
	if len(t.seeds) == 0 || t.pk == nil {
		return
	}
	if ok, _ := t.seedTailNeed(); ok {
		t.seedServerTick(now)
	}
}
