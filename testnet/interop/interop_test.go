package interop

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCtx bounds one test: d from now, or less if the test binary's own
// deadline is sooner.
func testCtx(t *testing.T, d time.Duration) context.Context {
	deadline := time.Now().Add(d)
	if td, ok := t.Deadline(); ok && td.Add(-5*time.Second).Before(deadline) {
		deadline = td.Add(-5 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

// payload writes the test's original file as dir/seed/name.
func payload(t *testing.T, dir, name string, seed uint64) (seedDir, path string) {
	seedDir = filepath.Join(dir, "seed")
	path = filepath.Join(seedDir, name)
	writePayload(t, path, payloadSize, seed)
	return seedDir, path
}

// TestInteropShoalGetFromAria2HTTP: shoal downloads a mktorrent-made
// .torrent from an aria2c seed it learns of from opentracker over HTTP.
func TestInteropShoalGetFromAria2HTTP(t *testing.T) {
	setup(t, "aria2c", "opentracker", "mktorrent", "transmission-show")
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	dir := t.TempDir()
	seedDir, orig := payload(t, dir, "from-aria2-http.bin", 1)
	tr := newTracker(t)
	torrent := filepath.Join(dir, "x.torrent")
	ih := mktorrent(t, orig, torrent, "-a", tr.httpURL())
	tr.start(t, dir, ih)

	seed := startAria2Seed(t, dir, torrent, seedDir, newPort())
	aria2Verified(ctx, t, seed)
	tr.waitSeeds(ctx, t, ih, 1)

	out := filepath.Join(dir, "out")
	get := startShoalGet(t, dir, "shoal-get", torrent, out, hostPort(ipShoalGet, newPort()))
	waitShoalGet(ctx, t, get, ih, payloadSize)
	requireSameFile(t, orig, filepath.Join(out, filepath.Base(orig)))
}

// TestInteropShoalGetFromTransmissionMagnetUDP: shoal resolves a magnet
// link, fetching the metadata (BEP 9) from a transmission-daemon seed found
// through opentracker over UDP (BEP 15), then downloads the data from it.
func TestInteropShoalGetFromTransmissionMagnetUDP(t *testing.T) {
	setup(t, "transmission-daemon", "transmission-remote", "transmission-show", "opentracker")
	t.Parallel()
	ctx := testCtx(t, 150*time.Second)
	dir := t.TempDir()
	seedDir, orig := payload(t, dir, "from-transmission-udp.bin", 2)
	tr := newTracker(t)
	torrent := filepath.Join(dir, "x.torrent")
	ih := shoalCreate(t, orig, torrent, "-t", tr.udpURL())
	tr.start(t, dir, ih)

	// Add paused, verify, then start: its first announce is then a seed's.
	tm := startTransmission(t, dir, seedDir, false)
	tm.remote(t, "-a", torrent)
	tm.remote(t, "-t", "1", "-v")
	tm.waitDone(ctx, t, "verifying the seed's data")
	tm.remote(t, "-t", "1", "-s")
	tr.waitSeeds(ctx, t, ih, 1)

	magnet := shoalInfo(t, torrent).Magnet
	if !strings.Contains(magnet, "btih:"+ih) || !strings.Contains(magnet, "tr=udp") {
		t.Fatalf("shoal info's magnet %q lacks the info hash or the UDP tracker", magnet)
	}
	out := filepath.Join(dir, "out")
	get := startShoalGet(t, dir, "shoal-get", magnet, out, hostPort(ipShoalGet, newPort()))
	waitShoalGet(ctx, t, get, ih, payloadSize)
	requireSameFile(t, orig, filepath.Join(out, filepath.Base(orig)))
}

// TestInteropAria2GetFromShoalMagnetHTTP: aria2c resolves a magnet link
// from a shoal seed (shoal serves the metadata) found through opentracker
// over HTTP, and downloads the data from it.
func TestInteropAria2GetFromShoalMagnetHTTP(t *testing.T) {
	setup(t, "aria2c", "opentracker", "transmission-show")
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	dir := t.TempDir()
	_, orig := payload(t, dir, "aria2-from-shoal.bin", 3)
	tr := newTracker(t)
	torrent := filepath.Join(dir, "x.torrent")
	ih := shoalCreate(t, orig, torrent, "-t", tr.httpURL())
	tr.start(t, dir, ih)

	seed := startShoalSeed(t, dir, "shoal-seed", torrent, orig, hostPort(ipShoalSeed, newPort()))
	tr.waitSeeds(ctx, t, ih, 1)

	out := filepath.Join(dir, "out")
	get := startAria2Get(t, dir, magnetFor(ih, filepath.Base(orig), tr.httpURL()), out, newPort())
	if err := get.wait(ctx); err != nil {
		t.Fatalf("aria2c: %v\nshoal seed's disconnects:\n%s", err, grepLines(seed.output(1), "peer disconnected"))
	}
	requireSameFile(t, orig, filepath.Join(out, filepath.Base(orig)))
	stopShoal(t, seed)
}

// TestInteropAria2GetFromShoalTorrentHTTP: like the magnet test, but aria2c
// starts from the .torrent, so it knows the piece count from the start.
func TestInteropAria2GetFromShoalTorrentHTTP(t *testing.T) {
	setup(t, "aria2c", "opentracker", "transmission-show")
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	dir := t.TempDir()
	_, orig := payload(t, dir, "aria2-from-shoal-torrent.bin", 7)
	tr := newTracker(t)
	torrent := filepath.Join(dir, "x.torrent")
	ih := shoalCreate(t, orig, torrent, "-t", tr.httpURL())
	tr.start(t, dir, ih)

	seed := startShoalSeed(t, dir, "shoal-seed", torrent, orig, hostPort(ipShoalSeed, newPort()))
	tr.waitSeeds(ctx, t, ih, 1)

	out := filepath.Join(dir, "out")
	get := startAria2Get(t, dir, torrent, out, newPort())
	if err := get.wait(ctx); err != nil {
		t.Fatalf("aria2c: %v\nshoal seed's disconnects:\n%s", err, grepLines(seed.output(1), "peer disconnected"))
	}
	requireSameFile(t, orig, filepath.Join(out, filepath.Base(orig)))
	stopShoal(t, seed)
}

// TestInteropTransmissionGetFromShoalUDP: transmission-daemon downloads a
// mktorrent-made .torrent from a shoal seed found through opentracker over
// UDP.
func TestInteropTransmissionGetFromShoalUDP(t *testing.T) {
	setup(t, "transmission-daemon", "transmission-remote", "transmission-show", "opentracker", "mktorrent")
	t.Parallel()
	ctx := testCtx(t, 150*time.Second)
	dir := t.TempDir()
	_, orig := payload(t, dir, "transmission-from-shoal.bin", 4)
	tr := newTracker(t)
	torrent := filepath.Join(dir, "x.torrent")
	ih := mktorrent(t, orig, torrent, "-a", tr.udpURL())
	tr.start(t, dir, ih)

	seed := startShoalSeed(t, dir, "shoal-seed", torrent, orig, hostPort(ipShoalSeed, newPort()))
	tr.waitSeeds(ctx, t, ih, 1)

	out := filepath.Join(dir, "out")
	tm := startTransmission(t, dir, out, true)
	tm.remote(t, "-a", torrent)
	// Transmission is slow to begin: it unchokes at its 10 s rounds.
	tm.waitDone(ctx, t, "downloading from shoal")
	waitSameFile(ctx, t, orig, filepath.Join(out, filepath.Base(orig)))
	stopShoal(t, seed)
}

// TestInteropShoalToShoalTrackerUDPAndMagnetHTTP: one shoal seed, two shoal
// leechers at once: one with the .torrent announcing over UDP, one with only
// a magnet link announcing over HTTP to the same opentracker.
func TestInteropShoalToShoalTrackerUDPAndMagnetHTTP(t *testing.T) {
	setup(t, "opentracker", "transmission-show")
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	dir := t.TempDir()
	_, orig := payload(t, dir, "shoal-to-shoal.bin", 5)
	tr := newTracker(t)
	torrent := filepath.Join(dir, "x.torrent")
	ih := shoalCreate(t, orig, torrent, "-t", tr.udpURL())
	tr.start(t, dir, ih)

	seed := startShoalSeed(t, dir, "shoal-seed", torrent, orig, hostPort(ipShoalSeed, newPort()))
	tr.waitSeeds(ctx, t, ih, 1)

	outA, outB := filepath.Join(dir, "out-torrent-udp"), filepath.Join(dir, "out-magnet-http")
	getA := startShoalGet(t, dir, "shoal-get-torrent-udp", torrent, outA, hostPort(ipShoalGet, newPort()))
	getB := startShoalGet(t, dir, "shoal-get-magnet-http", magnetFor(ih, filepath.Base(orig), tr.httpURL()), outB,
		hostPort(ipShoalGet2, newPort()))
	waitShoalGet(ctx, t, getA, ih, payloadSize)
	waitShoalGet(ctx, t, getB, ih, payloadSize)
	requireSameFile(t, orig, filepath.Join(outA, filepath.Base(orig)))
	requireSameFile(t, orig, filepath.Join(outB, filepath.Base(orig)))
	stopShoal(t, seed)
}

// TestInteropShoalGetFromAria2PeerOnly: no tracker at all; shoal dials an
// aria2c seed given with --peer (aria2c accepts incoming connections).
func TestInteropShoalGetFromAria2PeerOnly(t *testing.T) {
	setup(t, "aria2c", "transmission-show")
	t.Parallel()
	ctx := testCtx(t, 60*time.Second)
	dir := t.TempDir()
	seedDir, orig := payload(t, dir, "from-aria2-peer.bin", 6)
	torrent := filepath.Join(dir, "x.torrent")
	ih := shoalCreate(t, orig, torrent) // no tracker
	if ti := shoalInfo(t, torrent); len(ti.Trackers) != 0 {
		t.Fatalf("torrent made without -t has trackers %v", ti.Trackers)
	}

	ap := newPort()
	seed := startAria2Seed(t, dir, torrent, seedDir, ap)
	aria2Verified(ctx, t, seed)

	out := filepath.Join(dir, "out")
	get := startShoalGet(t, dir, "shoal-get", torrent, out, hostPort(ipShoalGet, newPort()),
		"--peer", hostPort(ipAria2, ap), "--no-trackers")
	waitShoalGet(ctx, t, get, ih, payloadSize)
	requireSameFile(t, orig, filepath.Join(out, filepath.Base(orig)))
}
