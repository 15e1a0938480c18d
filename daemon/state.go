package daemon

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/shoal-p2p/shoal/peer"
)

// store keeps what the daemon must remember across restarts, one file per
// torrent under DataDir/.shoal/daemon/: HASH.torrent once the info
// dictionary is known (else HASH.magnet), and HASH.paused while paused.
// The engine keeps its own resume state next to it (DataDir/.shoal/).
type store struct{ dir string }

func openStore(dataDir string) (*store, error) {
	dir := filepath.Join(dataDir, ".shoal", "daemon")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	return &store{dir: dir}, nil
}

func (s *store) path(ih [20]byte, ext string) string {
	return filepath.Join(s.dir, hex.EncodeToString(ih[:])+ext)
}

// save records a torrent: its metainfo when known, else its magnet link.
func (s *store) save(spec *peer.Spec) error {
	if len(spec.InfoBytes) == 0 {
		return writeAtomic(s.path(spec.InfoHash, ".magnet"), []byte(spec.Magnet()+"\n"))
	}
	b, err := torrentBytes(spec)
	if err != nil {
		return err
	}
	if err := writeAtomic(s.path(spec.InfoHash, ".torrent"), b); err != nil {
		return err
	}
	return removeIfExists(s.path(spec.InfoHash, ".magnet"))
}

func (s *store) setPaused(ih [20]byte, paused bool) error {
	if paused {
		return writeAtomic(s.path(ih, ".paused"), nil)
	}
	return removeIfExists(s.path(ih, ".paused"))
}

func (s *store) paused(ih [20]byte) bool {
	_, err := os.Stat(s.path(ih, ".paused"))
	return err == nil
}

func (s *store) forget(ih [20]byte) error {
	var errs []error
	for _, ext := range []string{".torrent", ".magnet", ".paused"} {
		errs = append(errs, removeIfExists(s.path(ih, ext)))
	}
	return errors.Join(errs...)
}

// saved is one torrent found in the store.
type saved struct {
	spec   *peer.Spec
	paused bool
}

// load reads every saved torrent; unreadable files are returned as errors
// alongside the good ones.
func (s *store) load() ([]saved, []error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, []error{err}
	}
	var out []saved
	var errs []error
	seen := map[[20]byte]bool{}
	for _, e := range entries {
		name := e.Name()
		var spec *peer.Spec
		var err error
		switch filepath.Ext(name) {
		case ".torrent":
			spec, err = peer.LoadTorrentFile(filepath.Join(s.dir, name))
		case ".magnet":
			if _, terr := os.Stat(filepath.Join(s.dir, strings.TrimSuffix(name, ".magnet")+".torrent")); terr == nil {
				continue // the metadata arrived; the .torrent wins
			}
			var b []byte
			if b, err = os.ReadFile(filepath.Join(s.dir, name)); err == nil {
				spec, err = peer.ParseMagnet(strings.TrimSpace(string(b)))
			}
		default:
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("saved torrent %s: %w", name, err))
			continue
		}
		if seen[spec.InfoHash] {
			continue
		}
		seen[spec.InfoHash] = true
		out = append(out, saved{spec: spec, paused: s.paused(spec.InfoHash)})
	}
	return out, errs
}

// torrentBytes encodes a .torrent (info, trackers, web seeds) for a spec.
func torrentBytes(spec *peer.Spec) ([]byte, error) {
	mi := metainfo.MetaInfo{InfoBytes: spec.InfoBytes, Comment: spec.Comment, UrlList: spec.WebSeeds}
	if len(spec.Trackers) > 0 {
		mi.Announce = spec.Trackers[0][0]
		mi.AnnounceList = spec.Trackers
	}
	var buf bytes.Buffer
	if err := bencode.NewEncoder(&buf).Encode(mi); err != nil {
		return nil, fmt.Errorf("encode torrent: %w", err)
	}
	return buf.Bytes(), nil
}

// writeAtomic writes a file through a temporary name and a rename.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
