package webseed

import (
	"net/url"
	"strings"

	"github.com/anacrolix/torrent/metainfo"
)

// File is one file of a torrent as laid out in the torrent's byte stream.
type File struct {
	Path    []string // components below the torrent's name (empty for a single-file torrent)
	Offset  int64    // first byte in the torrent
	Length  int64
	Padding bool // BEP 47 padding file: zeros, never on the server
}

// Layout is how a torrent's bytes map onto files.
type Layout struct {
	Name  string
	Multi bool
	Files []File
	Total int64
}

// NewLayout describes info's files. The info must be validated already.
func NewLayout(info *metainfo.Info) *Layout {
	l := &Layout{Name: info.BestName(), Multi: len(info.Files) > 0}
	var off int64
	for _, f := range info.UpvertedFiles() {
		fl := File{Offset: off, Length: f.Length, Padding: strings.Contains(f.Attr, "p")}
		if l.Multi {
			fl.Path = f.BestPath()
		}
		l.Files = append(l.Files, fl)
		off += f.Length
	}
	l.Total = off
	return l
}

// FileURL is the URL of file i on the seed server at base (BEP 19): for a
// single-file torrent, base itself unless it ends in '/', then base + name;
// for a multi-file torrent, base + '/' + name + '/' + path, each component
// escaped.
func (l *Layout) FileURL(base string, i int) string {
	if !l.Multi {
		if strings.HasSuffix(base, "/") {
			return base + url.PathEscape(l.Name)
		}
		return base
	}
	var b strings.Builder
	b.WriteString(base)
	if !strings.HasSuffix(base, "/") {
		b.WriteByte('/')
	}
	b.WriteString(url.PathEscape(l.Name))
	for _, c := range l.Files[i].Path {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(c))
	}
	return b.String()
}

// segment is the part of one file that a torrent byte span covers.
type segment struct {
	file   int
	off    int64 // within the file
	length int64
}

// segments maps [off, off+n) of the torrent onto file segments.
func (l *Layout) segments(off, n int64) []segment {
	var out []segment
	for i, f := range l.Files {
		if n <= 0 {
			break
		}
		end := f.Offset + f.Length
		if off >= end || f.Length == 0 {
			continue
		}
		k := min(n, end-off)
		out = append(out, segment{file: i, off: off - f.Offset, length: k})
		off += k
		n -= k
	}
	return out
}
