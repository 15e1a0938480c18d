package peer

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Spec returns what is known of the torrent: after a magnet's metadata
// arrives it includes the info dictionary, so a daemon can save a .torrent
// for restarts.
func (t *Torrent) Spec() Spec {
	var s Spec
	if !t.t.call(func(tt *torrent) {
		s = *tt.spec
		s.InfoBytes = append([]byte(nil), tt.spec.InfoBytes...)
	}) {
		s = *t.t.spec // the loop is gone: nothing writes it any more
	}
	s.Trackers = append([][]string(nil), s.Trackers...)
	s.WebSeeds = append([]string(nil), s.WebSeeds...)
	return s
}

// DataDir is the directory the torrent's files live under.
func (t *Torrent) DataDir() string { return t.t.dataDir }

// Remove closes the torrent identified by ih and, with deleteData, deletes
// its files and resume state. Files are removed only inside the torrent's
// own data directory.
func (c *Client) Remove(ih [20]byte, deleteData bool) error {
	t := c.lookup(ih)
	if t == nil {
		return fmt.Errorf("remove %s: no such torrent", hex.EncodeToString(ih[:]))
	}
	var files []string
	var top string
	t.t.call(func(tt *torrent) {
		for _, f := range tt.files {
			files = append(files, f.path)
		}
		if tt.info != nil && len(tt.info.Files) > 0 {
			top = tt.info.BestName()
		}
	})
	if err := t.Close(); err != nil {
		return err
	}
	if !deleteData {
		return nil
	}
	root := t.t.dataDir
	var errs []error
	for _, f := range files {
		p := filepath.Join(root, f)
		if !within(root, p) {
			errs = append(errs, fmt.Errorf("refusing to delete %q outside %q", p, root))
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if top != "" {
		// Empty directories the torrent created, deepest first.
		dir := filepath.Join(root, top)
		if within(root, dir) {
			removeEmptyDirs(dir)
		}
	}
	if err := os.Remove(t.t.resumePath); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// removeEmptyDirs removes dir and its subdirectories if they hold no files.
func removeEmptyDirs(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeEmptyDirs(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir) // fails, harmlessly, if anything is left
}
