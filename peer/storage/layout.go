package storage

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/anacrolix/torrent/metainfo"
)

// fileEntry is one file of the torrent, placed in the global byte range.
type fileEntry struct {
	rel    string // path below Options.Dir, with OS separators
	show   string // path below Options.Dir, with '/', for messages
	offset int64  // first torrent-global byte
	length int64
	pad    bool // BEP 47 padding file: not on disk, reads as zeros
}

// layout maps torrent-global offsets to files. It is immutable.
type layout struct {
	files     []fileEntry
	total     int64
	pieceLen  int64
	numPieces int
}

// newLayout builds the layout of a validated info.
func newLayout(info *metainfo.Info) layout {
	l := layout{pieceLen: info.PieceLength, numPieces: len(info.Pieces) / 20}
	if len(info.Files) == 0 {
		l.files = []fileEntry{{rel: info.Name, show: info.Name, length: info.Length}}
		l.total = info.Length
		return l
	}
	l.files = make([]fileEntry, len(info.Files))
	for i := range info.Files {
		fi := &info.Files[i]
		parts := append([]string{info.Name}, fi.Path...)
		l.files[i] = fileEntry{
			rel:    filepath.Join(parts...),
			show:   strings.Join(parts, "/"),
			offset: l.total,
			length: fi.Length,
			pad:    isPad(fi),
		}
		l.total += fi.Length
	}
	return l
}

// pieceSize is the length of piece i, 0 when out of range.
func (l *layout) pieceSize(i int) int {
	if i < 0 || i >= l.numPieces {
		return 0
	}
	if i == l.numPieces-1 {
		return int(l.total - int64(i)*l.pieceLen)
	}
	return int(l.pieceLen)
}

// segment is the part of a file covered by a byte range.
type segment struct {
	file    int   // index into layout.files
	fileOff int64 // offset inside the file
	lo, hi  int   // bounds inside the caller's buffer
}

// segments calls fn for every non-empty file segment of [off, off+n), in
// order, stopping at the first error. The range must lie inside the torrent.
func (l *layout) segments(off int64, n int, fn func(segment) error) error {
	start, end := off, off+int64(n)
	i := sort.Search(len(l.files), func(i int) bool {
		return l.files[i].offset+l.files[i].length > off
	})
	for ; i < len(l.files) && off < end; i++ {
		f := &l.files[i]
		if f.length == 0 {
			continue
		}
		stop := min(end, f.offset+f.length)
		seg := segment{file: i, fileOff: off - f.offset, lo: int(off - start), hi: int(stop - start)}
		if err := fn(seg); err != nil {
			return err
		}
		off = stop
	}
	return nil
}
