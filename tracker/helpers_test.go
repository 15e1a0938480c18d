package tracker_test

import (
	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store/memory"
	"os"
	"testing"
)

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newTrackerB(b *testing.B, off bool) *tracker.Tracker {
	s := memory.New(memory.Config{})
	b.Cleanup(func() { s.Close() })
	cfg := tracker.Config{Store: s}
	cfg.Rank.Off = off
	tr, err := tracker.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return tr
}
