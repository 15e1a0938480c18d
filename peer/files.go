package peer

import (
	"fmt"
	"path/filepath"

	"github.com/anacrolix/torrent/metainfo"
)

func fileSpans(info *metainfo.Info) []fileSpan {
	var out []fileSpan
	var off int64
	for _, f := range info.UpvertedFiles() {
		p := info.BestName()
		if len(info.Files) > 0 {
			p = filepath.Join(append([]string{p}, f.BestPath()...)...)
		}
		out = append(out, fileSpan{path: p, offset: off, length: f.Length})
		off += f.Length
	}
	return out
}

// pieceRange is the pieces a file touches, [first, last]; ok is false for an
// empty file.
func (t *torrent) pieceRange(f fileSpan) (first, last int, ok bool) {
	if f.length == 0 {
		return 0, 0, false
	}
	pl := t.info.PieceLength
	return int(f.offset / pl), int((f.offset + f.length - 1) / pl), true
}

// applyFilePriorities maps file priorities to piece priorities: a piece
// shared by files gets the highest of theirs.
func (t *torrent) applyFilePriorities() {
	if len(t.filePrio) == 0 || t.pk == nil {
		return
	}
	prio := make([]int, t.numPieces)
	for i, f := range t.files {
		p, ok := t.filePrio[i]
		if !ok {
			p = 1
		}
		first, last, ok := t.pieceRange(f)
		if !ok {
			continue
		}
		for i := first; i <= last; i++ {
			prio[i] = max(prio[i], p)
		}
	}
	for i, p := range prio {
		t.pk.SetPiecePriority(i, p)
		t.locPieceChanged(i)
	}
	for _, c := range t.conns {
		t.recountWanted(c)
		t.updateInterest(c)
	}
}

func (t *torrent) setFilePriority(file, prio int) error {
	if t.info == nil {
		return fmt.Errorf("set file priority: metadata not known yet")
	}
	if file < 0 || file >= len(t.files) {
		return fmt.Errorf("set file priority: file %d out of range [0,%d)", file, len(t.files))
	}
	if prio < 0 || prio > 7 {
		return fmt.Errorf("set file priority: priority %d out of range [0,7]", prio)
	}
	if t.filePrio == nil {
		t.filePrio = map[int]int{}
	}
	t.filePrio[file] = prio
	t.applyFilePriorities()
	if t.state == StateSeeding && !t.pk.Done() {
		t.state = StateDownloading
	} else if t.state == StateDownloading && t.pk.Done() {
		t.onComplete()
	}
	return nil
}
