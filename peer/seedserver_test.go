package peer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"golang.org/x/time/rate"
)

// withWebSeed returns a copy of mi that lists url as a BEP 19 web seed.
func withWebSeed(mi *metainfo.MetaInfo, urls ...string) *metainfo.MetaInfo {
	c := *mi
	c.UrlList = append(metainfo.UrlList(nil), urls...)
	return &c
}

// fileServer serves dir over HTTP on loopback (Go's server answers Range).
func fileServer(t *testing.T, dir string, mangle func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = http.FileServer(http.Dir(dir))
	if mangle != nil {
		h = mangle(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// With no peers at all, a torrent downloads entirely from a seed server.
func TestSeedServerOnly(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "ws.bin", 6<<20+999, 64<<10)
	leech := newTestClient(t, 110, nil)
	lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, nil)), AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "ws.bin"), filepath.Join(lt.t.dataDir, "ws.bin"))
	s := lt.Stats()
	if s.FromSeeds < s.TotalLength || s.FromPeers != 0 {
		t.Fatalf("bytes by source: seeds %d peers %d, size %d", s.FromSeeds, s.FromPeers, s.TotalLength)
	}
}

// A peer that has the first half and a seed server: the server serves the
// half the swarm cannot (plus at most a few endgame pieces), the peer the rest.
func TestSeedServerServesOnlyWhatSwarmCannot(t *testing.T) {
	seedDir, halfDir := t.TempDir(), t.TempDir()
	const size, pl = 8 << 20, 64 << 10
	mi := makeTorrent(t, seedDir, "half.bin", size, pl)
	full, _ := os.ReadFile(filepath.Join(seedDir, "half.bin"))
	if err := os.WriteFile(filepath.Join(halfDir, "half.bin"), full[:size/2], 0o644); err != nil {
		t.Fatal(err)
	}
	partial := newTestClient(t, 111, func(c *Config) { c.DataDir = halfDir; c.SeedServers = SeedServersOff })
	pt, err := partial.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for pt.Stats().State != StateDownloading {
		if time.Now().After(deadline) {
			t.Fatalf("partial peer state %s", pt.Stats().State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	leech := newTestClient(t, 112, func(c *Config) { c.SeedServerGrace = time.Second })
	lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, nil)), AddOptions{Peers: []string{partial.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "half.bin"), filepath.Join(lt.t.dataDir, "half.bin"))
	s := lt.Stats()
	slack := int64(8 * pl) // endgame duplicates of the last pieces
	if s.FromSeeds < size/2 || s.FromSeeds > size/2+slack {
		t.Fatalf("seed server served %d bytes; the swarm lacked %d", s.FromSeeds, size/2)
	}
	if s.FromPeers < size/2-slack {
		t.Fatalf("peers served %d bytes; they had %d", s.FromPeers, size/2)
	}
	t.Logf("from seed server %d, from peers %d", s.FromSeeds, s.FromPeers)
}

// A seed server that is down does not stop a download the swarm can serve.
func TestSeedServerDown(t *testing.T) {
	seedDir := t.TempDir()
	mi := makeTorrent(t, seedDir, "down.bin", 2<<20, 64<<10)
	seed := newTestClient(t, 113, func(c *Config) { c.DataDir = seedDir })
	st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, st, 30*time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String() + "/"
	l.Close() // nothing listens there now
	leech := newTestClient(t, 114, func(c *Config) { c.SeedServers = SeedServersAlways })
	lt, err := leech.Add(context.Background(), withWebSeed(mi, dead), AddOptions{Peers: []string{seed.ListenAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "down.bin"), filepath.Join(lt.t.dataDir, "down.bin"))
	if s := lt.Stats(); s.FromSeeds != 0 || len(s.SeedServers) != 1 || s.SeedServers[0].LastError == "" {
		t.Fatalf("stats %+v / %+v", s.FromSeeds, s.SeedServers)
	}
}

// Seed servers that serve corrupt bytes, or ignore Range requests, are
// dropped with a reason; the file still ends correct from the peer.
func TestBadSeedServersDropped(t *testing.T) {
	cases := []struct {
		name, reason string
		mangle       func(http.Handler) http.Handler
	}{
		{"corrupt", "hash check", func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(&flipWriter{ResponseWriter: w}, r) })
		}},
		{"no range", "Range", func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { r.Header.Del("Range"); h.ServeHTTP(w, r) })
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seedDir := t.TempDir()
			mi := makeTorrent(t, seedDir, "bad.bin", 2<<20, 64<<10)
			seed := newTestClient(t, 115+2*i, func(c *Config) { c.DataDir = seedDir; c.UploadRate = 1 << 20 })
			st, err := seed.Add(context.Background(), mi, AddOptions{Seed: true})
			if err != nil {
				t.Fatal(err)
			}
			waitComplete(t, st, 30*time.Second)
			leech := newTestClient(t, 116+2*i, func(c *Config) { c.SeedServers = SeedServersAlways })
			lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, tc.mangle)), AddOptions{Peers: []string{seed.ListenAddr().String()}})
			if err != nil {
				t.Fatal(err)
			}
			waitComplete(t, lt, time.Minute)
			sameFile(t, filepath.Join(seedDir, "bad.bin"), filepath.Join(lt.t.dataDir, "bad.bin"))
			s := lt.Stats()
			if len(s.SeedServers) != 1 || s.SeedServers[0].State != "dropped" || !strings.Contains(s.SeedServers[0].Reason, tc.reason) {
				t.Fatalf("seed server %+v: want dropped mentioning %q", s.SeedServers, tc.reason)
			}
		})
	}
}

// A response cut short costs only the piece it was cut in: the pieces it
// delivered before are kept, the rest is fetched again, and the server is
// not blamed for more than a failed request.
func TestSeedServerCutResponse(t *testing.T) {
	seedDir := t.TempDir()
	const size, pl = 3<<20 + 12345, 64 << 10
	mi := makeTorrent(t, seedDir, "cut.bin", size, pl)
	var mu sync.Mutex
	var sent int64
	cuts := 1
	mangle := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			limit := int64(-1)
			var a, b int64
			if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b); err == nil && cuts > 0 && b-a+1 > 3*pl {
				cuts--
				limit = 2*pl + pl/2
			}
			mu.Unlock()
			h.ServeHTTP(&countWriter{ResponseWriter: w, limit: limit, total: &sent, mu: &mu}, r)
		})
	}
	leech := newTestClient(t, 120, nil)
	lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, mangle)), AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "cut.bin"), filepath.Join(lt.t.dataDir, "cut.bin"))
	s := lt.Stats()
	mu.Lock()
	defer mu.Unlock()
	if cuts != 0 || len(s.SeedServers) != 1 || s.SeedServers[0].State == "dropped" || s.SeedServers[0].LastError == "" {
		t.Fatalf("cuts left %d, seed server %+v", cuts, s.SeedServers)
	}
	if s.FromSeeds != size || s.Wasted != 0 || sent > size+pl {
		t.Fatalf("from seeds %d, wasted %d, server sent %d bytes for %d", s.FromSeeds, s.Wasted, sent, size)
	}
}

// countWriter counts body bytes sent and, with a limit >= 0, stops after
// that many (the server then closes the connection mid-body).
type countWriter struct {
	http.ResponseWriter
	limit int64
	total *int64
	mu    *sync.Mutex
}

func (w *countWriter) Write(p []byte) (int, error) {
	if w.limit >= 0 && int64(len(p)) > w.limit {
		p = p[:w.limit]
	}
	n, err := w.ResponseWriter.Write(p)
	w.mu.Lock()
	*w.total += int64(n)
	w.mu.Unlock()
	if w.limit >= 0 {
		w.limit -= int64(n)
		if w.limit == 0 && err == nil {
			err = errors.New("cut")
		}
	}
	return n, err
}

// flipWriter corrupts every byte of a response body.
type flipWriter struct{ http.ResponseWriter }

func (w *flipWriter) Write(p []byte) (int, error) {
	q := make([]byte, len(p))
	for i, b := range p {
		q[i] = b ^ 0xa5
	}
	return w.ResponseWriter.Write(q)
}

// throttled paces every response body of h through one shared limiter of
// bps bytes/s: a slow seed server.
func throttled(bps int) func(http.Handler) http.Handler {
	lim := rate.NewLimiter(rate.Limit(bps), 32<<10)
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(&pacedWriter{ResponseWriter: w, ctx: r.Context(), lim: lim}, r)
		})
	}
}

type pacedWriter struct {
	http.ResponseWriter
	ctx context.Context
	lim *rate.Limiter
}

func (w *pacedWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), w.lim.Burst())
		if err := w.lim.WaitN(w.ctx, k); err != nil {
			return n, err
		}
		m, err := w.ResponseWriter.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// sampleUntilComplete takes a Stats snapshot every 100 ms until tor
// completes (or d passes) and returns the snapshots taken before it did.
func sampleUntilComplete(t *testing.T, tor *Torrent, d time.Duration) []Stats {
	t.Helper()
	var out []Stats
	deadline := time.Now().Add(d)
	for {
		select {
		case <-tor.Complete():
			return out
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			waitComplete(t, tor, 0) // fails with the details
			return out
		}
		if s := tor.Stats(); s.State == StateDownloading {
			out = append(out, s)
		}
	}
}

// A torrent served only by a (slow) seed server has a download rate and an
// ETA while it downloads, and the rate is the sum of the sources' rates.
func TestSeedServerDownloadRate(t *testing.T) {
	seedDir := t.TempDir()
	const size, bps = 3<<20 + 4321, 1 << 20
	mi := makeTorrent(t, seedDir, "rate.bin", size, 64<<10)
	leech := newTestClient(t, 140, nil)
	lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, throttled(bps))), AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	samples := sampleUntilComplete(t, lt, time.Minute)
	sameFile(t, filepath.Join(seedDir, "rate.bin"), filepath.Join(lt.t.dataDir, "rate.bin"))
	var best Stats
	for _, s := range samples {
		var sum float64
		for _, p := range s.Peers {
			sum += p.DownloadRate
		}
		for _, ss := range s.SeedServers {
			sum += ss.DownloadRate
		}
		if math.Abs(s.DownloadRate-sum) > 1e-9*sum {
			t.Fatalf("download rate %.0f B/s, but its sources add up to %.0f B/s", s.DownloadRate, sum)
		}
		if s.DownloadRate > best.DownloadRate {
			best = s
		}
	}
	if best.DownloadRate == 0 || best.ETA <= 0 || len(best.SeedServers) != 1 || best.SeedServers[0].DownloadRate != best.DownloadRate {
		t.Fatalf("%d samples while downloading from the seed server, best: rate %.0f B/s, ETA %v, seed servers %+v",
			len(samples), best.DownloadRate, best.ETA, best.SeedServers)
	}
	t.Logf("%d samples, peak rate %.0f B/s (server sends %d B/s), ETA then %v", len(samples), best.DownloadRate, bps, best.ETA)
}

// The download limits, client-wide and per torrent, cover seed-server
// traffic: a seed-server-only download takes at least about size/cap.
func TestSeedServerDownloadLimits(t *testing.T) {
	const size, capRate = 2<<20 + 777, 512 << 10
	for i, tc := range []struct {
		name string
		cfg  func(*Config)
		opts AddOptions
	}{
		{name: "client", cfg: func(c *Config) { c.DownloadRate = capRate }},
		{name: "torrent", opts: AddOptions{DownloadRate: capRate}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seedDir := t.TempDir()
			mi := makeTorrent(t, seedDir, "cap.bin", size, 64<<10)
			leech := newTestClient(t, 141+i, tc.cfg)
			start := time.Now()
			lt, err := leech.Add(context.Background(), withWebSeed(mi, fileServer(t, seedDir, nil)), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			samples := sampleUntilComplete(t, lt, time.Minute)
			took := time.Since(start)
			sameFile(t, filepath.Join(seedDir, "cap.bin"), filepath.Join(lt.t.dataDir, "cap.bin"))
			if s := lt.Stats(); s.FromSeeds != size || s.FromPeers != 0 {
				t.Fatalf("bytes by source: seeds %d peers %d, size %d", s.FromSeeds, s.FromPeers, size)
			}
			// The limiter guarantees the bound (less its burst); 0.7× leaves room.
			least := 7 * time.Duration(size) * time.Second / (10 * capRate)
			if took < least {
				t.Fatalf("%d bytes capped at %d B/s took %v, want at least %v", size, capRate, took, least)
			}
			var peak float64
			for _, s := range samples {
				peak = max(peak, s.DownloadRate)
			}
			if peak == 0 {
				t.Fatalf("no download rate in %d samples over %v", len(samples), took)
			}
			t.Logf("%d bytes in %v (%.0f B/s, cap %d B/s), peak sampled rate %.0f B/s",
				size, took.Round(time.Millisecond), float64(size)/took.Seconds(), capRate, peak)
		})
	}
}
