package storage

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/anacrolix/torrent/bencode"
	"github.com/shoal-p2p/shoal/peer/bitfield"
)

// Resume is the state saved by Checkpoint: the pieces had, and a stamp of
// every file when the checkpoint was taken.
type Resume struct {
	InfoHash  [20]byte
	Pieces    []byte // wire-order bitfield, (NumPieces+7)/8 bytes
	NumPieces int
	Files     []FileStamp // one per file of the torrent, in torrent order
}

// FileStamp is a file's size and modification time (Unix nanoseconds) at a
// checkpoint. A missing file has Size -1; padding files are {0, 0}.
type FileStamp struct {
	Size    int64
	ModTime int64
}

// Bitfield returns the pieces of r as a bitfield.
func (r *Resume) Bitfield() (bitfield.Bitfield, error) {
	return bitfield.FromBytes(r.Pieces, r.NumPieces)
}

const (
	resumeVersion = 1
	// maxResumeSize bounds a resume file read from disk: far above what
	// a 2^50-byte torrent in 16 KiB pieces with 100k files needs.
	maxResumeSize = 64 << 20
)

// resumeWire is the bencoded form of a resume file.
type resumeWire struct {
	Version   int64       `bencode:"version"`
	InfoHash  string      `bencode:"info hash"`
	NumPieces int64       `bencode:"piece count"`
	Pieces    string      `bencode:"pieces"`
	Files     []stampWire `bencode:"files"`
}

type stampWire struct {
	Size    int64 `bencode:"size"`
	ModTime int64 `bencode:"mtime"`
}

// Checkpoint syncs every written file, then atomically replaces the resume
// file at path with have and the current file stamps: it writes a
// temporary file in the same directory, fsyncs it, renames it over path
// and fsyncs the directory. On any failure the old resume file is left as
// it was and the temporary file is removed.
//
// Pass in have only pieces whose writes completed (an OK Result) before
// the call: because Sync runs first, a piece is never recorded as had
// before its data is on stable storage.
func (s *Storage) Checkpoint(path string, infoHash [20]byte, have *bitfield.Bitfield) error {
	if have == nil || have.Len() != s.lay.numPieces {
		n := -1
		if have != nil {
			n = have.Len()
		}
		return fmt.Errorf("checkpoint %q: bitfield of %d pieces, torrent has %d", path, n, s.lay.numPieces)
	}
	if err := s.Sync(); err != nil {
		return fmt.Errorf("checkpoint %q: %w", path, err)
	}
	stamps, err := s.stampFiles()
	if err != nil {
		return fmt.Errorf("checkpoint %q: %w", path, err)
	}
	w := resumeWire{
		Version:   resumeVersion,
		InfoHash:  string(infoHash[:]),
		NumPieces: int64(s.lay.numPieces),
		Pieces:    string(have.Bytes()),
		Files:     make([]stampWire, len(stamps)),
	}
	for i, st := range stamps {
		w.Files[i] = stampWire(st)
	}
	data, err := bencode.Marshal(w)
	if err != nil {
		return fmt.Errorf("checkpoint %q: encode: %w", path, err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("checkpoint %q: %w", path, err)
	}
	return nil
}

// stampFiles stats every file without creating anything.
func (s *Storage) stampFiles() ([]FileStamp, error) {
	stamps := make([]FileStamp, len(s.lay.files))
	root, err := s.getRoot(false)
	if errors.Is(err, fs.ErrNotExist) {
		root = nil
	} else if err != nil {
		return nil, err
	}
	for i := range s.lay.files {
		fe := &s.lay.files[i]
		if fe.pad {
			continue
		}
		stamps[i].Size = -1
		if root == nil {
			continue
		}
		st, err := root.Stat(fe.rel)
		switch {
		case err == nil:
			stamps[i] = FileStamp{Size: st.Size(), ModTime: st.ModTime().UnixNano()}
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		default:
			return nil, fmt.Errorf("stat file %d %q: %w", i, fe.show, err)
		}
	}
	return stamps, nil
}

// LoadResume reads a resume file written by Checkpoint and checks that it
// belongs to the torrent with infoHash and numPieces pieces. Any mismatch
// or damage is an error naming the problem; the caller then verifies the
// data instead.
func LoadResume(path string, infoHash [20]byte, numPieces int) (*Resume, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load resume: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxResumeSize+1))
	if err != nil {
		return nil, fmt.Errorf("load resume %q: %w", path, err)
	}
	if len(data) > maxResumeSize {
		return nil, fmt.Errorf("load resume %q: larger than %d bytes", path, maxResumeSize)
	}
	r, err := parseResume(data, infoHash, numPieces)
	if err != nil {
		return nil, fmt.Errorf("load resume %q: %w", path, err)
	}
	return r, nil
}

// parseResume decodes and validates the contents of a resume file.
func parseResume(data []byte, infoHash [20]byte, numPieces int) (*Resume, error) {
	if numPieces <= 0 {
		return nil, fmt.Errorf("torrent piece count %d: must be positive", numPieces)
	}
	if len(data) == 0 {
		return nil, errors.New("empty file")
	}
	var w resumeWire
	if err := bencode.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("not a valid resume file: %w", err)
	}
	if w.Version != resumeVersion {
		return nil, fmt.Errorf("version %d, want %d", w.Version, resumeVersion)
	}
	if len(w.InfoHash) != 20 {
		return nil, fmt.Errorf("info hash is %d bytes, want 20", len(w.InfoHash))
	}
	if w.InfoHash != string(infoHash[:]) {
		return nil, fmt.Errorf("info hash %s belongs to another torrent, want %s",
			hex.EncodeToString([]byte(w.InfoHash)), hex.EncodeToString(infoHash[:]))
	}
	if w.NumPieces != int64(numPieces) {
		return nil, fmt.Errorf("piece count %d, torrent has %d", w.NumPieces, numPieces)
	}
	if _, err := bitfield.FromBytes([]byte(w.Pieces), numPieces); err != nil {
		return nil, fmt.Errorf("pieces: %w", err)
	}
	r := &Resume{
		InfoHash:  infoHash,
		Pieces:    []byte(w.Pieces),
		NumPieces: numPieces,
		Files:     make([]FileStamp, len(w.Files)),
	}
	for i, st := range w.Files {
		if st.Size < -1 {
			return nil, fmt.Errorf("file %d size %d: invalid", i, st.Size)
		}
		r.Files[i] = FileStamp(st)
	}
	return r, nil
}

// ResumeValid reports whether r matches this torrent and every file still
// has the size and modification time recorded in r. Then the engine may
// trust r's pieces and skip a full Verify; otherwise it must verify.
func (s *Storage) ResumeValid(r *Resume) bool {
	if r == nil || r.NumPieces != s.lay.numPieces || len(r.Pieces) != (r.NumPieces+7)/8 ||
		len(r.Files) != len(s.lay.files) {
		return false
	}
	now, err := s.stampFiles()
	if err != nil {
		return false
	}
	for i := range now {
		if now[i] != r.Files[i] {
			return false
		}
	}
	return true
}
