package interop

// Real clients through `shoal tracker` (issue 3): aria2c seeds, Transmission
// downloads, over HTTP and again over UDP; scrape numbers must match the
// swarm; `shoal get` downloads through it too.

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
)

// startShoalTracker runs `shoal tracker` on ipTracker (HTTP and UDP on one
// port, like opentracker) and returns a tracker handle whose scrape and
// waitSeeds helpers work against it.
func startShoalTracker(t *testing.T, logDir string) (*tracker, *proc) {
	t.Helper()
	tr := &tracker{port: newPort()}
	addr := hostPort(ipTracker, tr.port)
	p := startProc(t, logDir, "shoal-tracker", shoalBin, "tracker", "--http", addr, "--udp", addr,
		"--metrics", hostPort("127.0.0.1", newPort()), "--rate", "0", "--interval", "10s", "--min-interval", "2s",
		"--log-level", "debug")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := waitListening(ctx, addr); err != nil {
		t.Fatal("shoal tracker:", err)
	}
	return tr, p
}

// scrapeCounts is one swarm's scrape entry (BEP 48), read with a real
// bencode decoder.
type scrapeCounts struct {
	Complete   int `bencode:"complete"`
	Downloaded int `bencode:"downloaded"`
	Incomplete int `bencode:"incomplete"`
}

func scrapeFull(tr *tracker, ih string) (scrapeCounts, error) {
	raw, err := hex.DecodeString(ih)
	if err != nil {
		return scrapeCounts{}, err
	}
	resp, err := trackerHTTP.Get(fmt.Sprintf("http://%s/scrape?info_hash=%s", hostPort(ipTracker, tr.port), url.QueryEscape(string(raw))))
	if err != nil {
		return scrapeCounts{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var sr struct {
		Files map[string]scrapeCounts `bencode:"files"`
	}
	if err := bencode.Unmarshal(b, &sr); err != nil {
		return scrapeCounts{}, fmt.Errorf("scrape answer %q: %v", b, err)
	}
	c, ok := sr.Files[string(raw)]
	if !ok {
		return c, fmt.Errorf("scrape answer %q lacks the hash", b)
	}
	return c, nil
}

// waitScrape waits until the scrape says exactly want.
func waitScrape(ctx context.Context, t *testing.T, tr *tracker, ih string, want scrapeCounts) {
	t.Helper()
	var got scrapeCounts
	var err error
	if poll(ctx, 250*time.Millisecond, func() bool {
		got, err = scrapeFull(tr, ih)
		return err == nil && got == want
	}) != nil {
		t.Fatalf("scrape of %s: %+v (err %v), want %+v", ih, got, err, want)
	}
}

func TestInteropShoalTrackerAria2ToTransmissionHTTP(t *testing.T) {
	trackerInterop(t, "http", 11)
}

func TestInteropShoalTrackerAria2ToTransmissionUDP(t *testing.T) {
	trackerInterop(t, "udp", 12)
}

// trackerInterop: aria2c seeds (aria2c announces over HTTP only: without
// its DHT it has no UDP tracker support), Transmission downloads with the
// torrent's announce URL (HTTP or UDP), then `shoal get` downloads from
// both. The scrape follows the swarm at each step.
func trackerInterop(t *testing.T, proto string, seed uint64) {
	setup(t, "aria2c", "transmission-daemon", "transmission-remote", "transmission-show", "mktorrent")
	t.Parallel()
	ctx := testCtx(t, 170*time.Second)
	dir := t.TempDir()
	seedDir, orig := payload(t, dir, "via-shoal-tracker-"+proto+".bin", seed)
	tr, trProc := startShoalTracker(t, dir)
	announce := tr.httpURL()
	if proto == "udp" {
		announce = tr.udpURL()
	}
	torrent := filepath.Join(dir, "x.torrent")
	ih := mktorrent(t, orig, torrent, "-a", announce)

	argv := append(aria2Common(ipAria2, newPort(), filepath.Join(dir, "aria2c-seed.log")),
		"--dir="+seedDir, "--check-integrity=true", "--seed-ratio=0.0",
		"--bt-exclude-tracker=*", "--bt-tracker="+tr.httpURL(), "--bt-tracker-interval=5", torrent)
	aria := startProc(t, dir, "aria2c-seed", argv...)
	aria.logs = append(aria.logs, filepath.Join(dir, "aria2c-seed.log"))
	aria2Verified(ctx, t, aria)
	waitScrape(ctx, t, tr, ih, scrapeCounts{Complete: 1})

	out := filepath.Join(dir, "out")
	tm := startTransmission(t, dir, out, true)
	tm.remote(t, "-a", torrent)
	tm.waitDone(ctx, t, "downloading from aria2c through shoal tracker over "+proto)
	waitSameFile(ctx, t, orig, filepath.Join(out, filepath.Base(orig)))
	if !strings.Contains(tm.info(ctx), "Percent Done: 100%") {
		t.Fatal("transmission lost its download")
	}
	// Transmission reported event=completed: two seeds, one download.
	waitScrape(ctx, t, tr, ih, scrapeCounts{Complete: 2, Downloaded: 1})

	getOut := filepath.Join(dir, "shoal-out")
	get := startShoalGet(t, dir, "shoal-get", torrent, getOut, hostPort(ipShoalGet, newPort()))
	waitShoalGet(ctx, t, get, ih, payloadSize)
	requireSameFile(t, orig, filepath.Join(getOut, filepath.Base(orig)))
	// shoal get reports event=completed (even when it exits right after
	// finishing) and then event=stopped: two downloads, no lingering peer.
	var got scrapeCounts
	if poll(ctx, 250*time.Millisecond, func() bool {
		got, _ = scrapeFull(tr, ih)
		return got.Complete == 2 && got.Incomplete == 0 && got.Downloaded == 2
	}) != nil {
		t.Fatalf("after shoal get left, scrape says %+v; want 2 seeds, no leechers, 2 downloads", got)
	}
	t.Logf("scrape after shoal get: %+v", got)

	if err := trProc.stop(10 * time.Second); err != nil {
		t.Fatalf("shoal tracker did not exit 0 on SIGTERM: %v", err)
	}
	if s := trProc.output(1); strings.Contains(s, "DATA RACE") || strings.Contains(s, "panic:") {
		t.Fatal("shoal tracker reported a data race or panic")
	}
	t.Logf("%s: aria2c → transmission and → shoal get through shoal tracker over %s", strconv.Quote(ih), proto)
}
