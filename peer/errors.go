package peer

import (
	"errors"
	"fmt"

	"github.com/shoal-p2p/shoal/peer/storage"
)

var (
	errBanned    = errors.New("banned for corrupt data")
	errBothSeeds = errors.New("both sides are seeds")
)

// diskError explains a failed piece write; disk full is called out so the
// user knows what to fix.
func diskError(name string, piece int, err error) error {
	if storage.IsDiskFull(err) {
		return fmt.Errorf("torrent %q: disk full writing piece %d: %w", name, piece, err)
	}
	return fmt.Errorf("torrent %q: writing piece %d: %w", name, piece, err)
}
