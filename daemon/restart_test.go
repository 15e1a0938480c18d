package daemon

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A daemon stopped half way resumes from its resume state: after the
// restart it downloads only what was missing, and a complete torrent is
// not downloaded again at all.
func TestRestartResumes(t *testing.T) {
	const size = 32 << 20
	src, dir := t.TempDir(), t.TempDir()
	ws := slowFileServer(t, src, 8<<20) // the engine asks seed servers for 4 MiB spans
	tb, mi := makePayload(t, src, "resume.bin", size, 64<<10, ws)
	hash := infoHash(mi)

	td := startDaemon(t, dir, nil)
	if _, err := td.api.Add(context.Background(), AddRequest{Torrent: tb}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "an eighth downloaded", func() bool {
		d, err := td.Detail(hash)
		return err == nil && d.Completed >= size/8
	})
	t0 := time.Now()
	td.stop()
	t.Logf("stop took %s", time.Since(t0))
	d, _ := td.Detail(hash) // the last snapshot, after the final checkpoint
	kept := d.Completed
	if kept >= size {
		t.Fatalf("the download finished before the stop (%d bytes); the test proves nothing", kept)
	}

	td = startDaemon(t, dir, nil)
	after := waitComplete(t, td, hash, time.Minute)
	sameFile(t, filepath.Join(src, "resume.bin"), filepath.Join(dir, "resume.bin"))
	const slack = 4 << 20 // a span in flight and endgame duplicates
	if after.Downloaded+kept > size+slack {
		t.Fatalf("after the restart downloaded %d bytes; %d of %d were already on disk", after.Downloaded, kept, size)
	}
	t.Logf("first run kept %d bytes; the second downloaded %d (of %d)", kept, after.Downloaded, size)

	td.stop()
	td = startDaemon(t, dir, nil)
	done := waitComplete(t, td, hash, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	if d, _ := td.Detail(hash); d.Downloaded != 0 || done.Downloaded != 0 {
		t.Fatalf("a complete torrent downloaded %d bytes after a restart", d.Downloaded)
	}
}
