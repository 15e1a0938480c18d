package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// The watch directory: a .torrent or .magnet file dropped there is added
// and renamed NAME.added; a file that cannot be read as one is logged and
// renamed NAME.bad. A file is taken only once its size and modification
// time have stayed the same for one scan, so half-written files are left
// alone. Scans happen every watch-interval; both settings reload on SIGHUP.

type watchState struct {
	dir  string
	seen map[string]fileSig
}

type fileSig struct {
	size int64
	mod  time.Time
}

func (d *Daemon) watchLoop(ctx context.Context) {
	defer d.wg.Done()
	for {
		cfg := d.Config()
		if cfg.WatchDir != "" {
			d.scanWatchDir(ctx, cfg.WatchDir)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(cfg.WatchInterval):
		}
	}
}

// scanWatchDir processes the files that were already there, unchanged, at
// the previous scan.
func (d *Daemon) scanWatchDir(ctx context.Context, dir string) {
	d.watchMu.Lock()
	defer d.watchMu.Unlock()
	if d.watch.dir != dir {
		d.watch = watchState{dir: dir, seen: map[string]fileSig{}}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.log.Warn("watch dir unreadable", "dir", dir, "err", err)
		return
	}
	next := map[string]fileSig{}
	for _, de := range entries {
		name := de.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".torrent" && ext != ".magnet" || !de.Type().IsRegular() {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue
		}
		sig := fileSig{fi.Size(), fi.ModTime()}
		if prev, ok := d.watch.seen[name]; !ok || prev != sig {
			next[name] = sig // new or still changing: look again next scan
			continue
		}
		d.takeWatched(ctx, filepath.Join(dir, name), ext)
	}
	d.watch.seen = next
}

func (d *Daemon) takeWatched(ctx context.Context, p, ext string) {
	spec, err := readWatched(p, ext)
	if err == nil {
		var e *entry
		if e, err = d.addSpec(ctx, spec, AddRequest{}, true); err == nil {
			d.log.Info("added from watch dir", "file", p, "info_hash", e.t.InfoHashHex())
			d.moveAside(p, ".added")
			return
		}
	}
	d.log.Error("watch dir: not a usable torrent; moved aside", "file", p, "to", p+".bad", "err", err)
	d.moveAside(p, ".bad")
}

func readWatched(p, ext string) (*peer.Spec, error) {
	if ext == ".torrent" {
		return peer.LoadTorrentFile(p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if len(b) > 64<<10 {
		return nil, errors.New("magnet file larger than 64 KiB")
	}
	link := strings.TrimSpace(string(b))
	if !strings.HasPrefix(link, "magnet:") {
		return nil, fmt.Errorf("%s does not hold a magnet link", filepath.Base(p))
	}
	return peer.ParseMagnet(link)
}

func (d *Daemon) moveAside(p, suffix string) {
	if err := os.Rename(p, p+suffix); err != nil {
		d.log.Error("watch dir: cannot rename; it will be tried again next scan", "file", p, "err", err)
	}
}
