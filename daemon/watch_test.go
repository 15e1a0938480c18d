package daemon

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A good .torrent and a .magnet dropped in the watch dir are added and
// renamed .added; garbage is moved aside to .bad and the daemon carries on.
func TestWatchDir(t *testing.T) {
	dir, watch := t.TempDir(), t.TempDir()
	tb, mi := makePayload(t, dir, "w.bin", 300<<10, 32<<10)
	td := startDaemon(t, dir, map[string]string{"watch-dir": watch})
	const magnetHash = "89abcdef0123456789abcdef0123456789abcdef"
	files := map[string][]byte{
		"good.torrent":  tb,
		"link.magnet":   []byte("magnet:?xt=urn:btih:" + magnetHash + "\n"),
		"junk.torrent":  []byte("this is not bencode"),
		"empty.magnet":  nil,
		"nohash.magnet": []byte("magnet:?dn=x"),
		"notes.txt":     []byte("ignored"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(watch, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "watch dir processed", func() bool {
		for _, n := range []string{"good.torrent.added", "link.magnet.added", "junk.torrent.bad", "empty.magnet.bad", "nohash.magnet.bad"} {
			if _, err := os.Stat(filepath.Join(watch, n)); err != nil {
				return false
			}
		}
		return true
	})
	if _, err := os.Stat(filepath.Join(watch, "notes.txt")); err != nil {
		t.Fatalf("an unrelated file was touched: %v", err)
	}
	if _, err := td.Detail(infoHash(mi)); err != nil {
		t.Fatalf("torrent from the watch dir: %v", err)
	}
	if _, err := td.Detail(magnetHash); err != nil {
		t.Fatalf("magnet from the watch dir: %v", err)
	}
	waitComplete(t, td, infoHash(mi), 30*time.Second)
	if n := len(td.List()); n != 2 {
		t.Fatalf("%d torrents, want 2", n)
	}
}
