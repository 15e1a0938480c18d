package server_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	anatracker "github.com/anacrolix/torrent/tracker"
	"github.com/anacrolix/torrent/types/infohash"
	"go.uber.org/goleak"

	"github.com/shoal-p2p/shoal/tracker/redistest"
	"github.com/shoal-p2p/shoal/tracker/server"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).reaper"))
}

// TestAnacrolixRoundTrips: a seed announces over UDP, a leecher over HTTP;
// each is handed the other, scrapes over both protocols agree with the
// swarm, completed and stopped events change the counts.
func TestAnacrolixRoundTrips(t *testing.T) {
	r := start(t, nil)
	ctx := ctx5(t)
	h := ih(1)
	udpSeed := client(t, r.udpURL(), "127.0.0.2")
	httpLeech := client(t, r.httpURL(), "127.0.0.3")

	res, err := udpSeed.Announce(ctx, anatracker.AnnounceRequest{InfoHash: h, PeerId: peerID(1), Left: 0, Port: 7001,
		Event: anatracker.Started, NumWant: -1}, anatracker.AnnounceOpt{})
	if err != nil {
		t.Fatal("UDP announce:", err)
	}
	if res.Seeders != 1 || res.Leechers != 0 || len(res.Peers) != 0 || res.Interval < 1800 {
		t.Fatalf("first UDP announce: %+v", res)
	}
	res, err = httpLeech.Announce(ctx, anatracker.AnnounceRequest{InfoHash: h, PeerId: peerID(2), Left: 100, Port: 7002,
		Event: anatracker.Started, NumWant: -1}, anatracker.AnnounceOpt{})
	if err != nil {
		t.Fatal("HTTP announce:", err)
	}
	if got := addrs(res.Peers); !slices.Equal(got, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.2:7001")}) || res.Seeders != 1 || res.Leechers != 1 {
		t.Fatalf("HTTP leecher got %v (%+v), want the UDP seed at 127.0.0.2:7001", got, res)
	}
	// The seed is handed the leecher (and not itself).
	res, err = udpSeed.Announce(ctx, anatracker.AnnounceRequest{InfoHash: h, PeerId: peerID(1), Port: 7001, NumWant: 50}, anatracker.AnnounceOpt{})
	if err != nil || !slices.Equal(addrs(res.Peers), []netip.AddrPort{netip.MustParseAddrPort("127.0.0.3:7002")}) {
		t.Fatalf("UDP seed got %v, %v; want the HTTP leecher", addrs(res.Peers), err)
	}
	scrapeBoth := func(wantS, wantL, wantC int32) {
		t.Helper()
		for _, c := range []anatracker.Client{udpSeed, httpLeech} {
			sr, err := c.Scrape(ctx, []infohash.T{ih(9), h})
			if err != nil {
				t.Fatal("scrape:", err)
			}
			if len(sr) != 2 || sr[1].Seeders != wantS || sr[1].Leechers != wantL || sr[1].Completed != wantC || sr[0].Seeders+sr[0].Leechers != 0 {
				t.Fatalf("scrape = %+v, want unknown swarm zero and %d/%d/%d", sr, wantS, wantL, wantC)
			}
		}
	}
	scrapeBoth(1, 1, 0)
	if _, err := httpLeech.Announce(ctx, anatracker.AnnounceRequest{InfoHash: h, PeerId: peerID(2), Left: 0, Port: 7002,
		Event: anatracker.Completed}, anatracker.AnnounceOpt{}); err != nil {
		t.Fatal(err)
	}
	scrapeBoth(2, 0, 1)
	if _, err := udpSeed.Announce(ctx, anatracker.AnnounceRequest{InfoHash: h, PeerId: peerID(1), Port: 7001,
		Event: anatracker.Stopped}, anatracker.AnnounceOpt{}); err != nil {
		t.Fatal(err)
	}
	scrapeBoth(1, 0, 1)

	// The metrics saw it all.
	waitMetric(t, r, `shoal_tracker_announces_total{proto="udp",result="ok"} 3`)
	waitMetric(t, r, `shoal_tracker_announces_total{proto="http",result="ok"} 2`)
	waitMetric(t, r, `shoal_tracker_scrapes_total{proto="udp",result="ok"} 3`)
	waitMetric(t, r, `shoal_tracker_connects_total{proto="udp",result="ok"}`)
	waitMetric(t, r, `shoal_tracker_swarms 1`)
	waitMetric(t, r, `shoal_tracker_peers{kind="seeders"} 1`)
	waitMetric(t, r, `shoal_tracker_request_duration_seconds_count{action="announce",proto="http"} 2`)
}

func waitMetric(t *testing.T, r *running, line string) {
	t.Helper()
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if body = get(t, fmt.Sprintf("http://%s/metrics", r.s.MetricsAddr())); strings.Contains(body, line) {
			return
		}
	}
	t.Fatalf("metrics never showed %q:\n%s", line, grep(body, "shoal_tracker"))
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestTwoInstancesShareRedis: a peer announced to one tracker is returned
// by another that shares its redis-server.
func TestTwoInstancesShareRedis(t *testing.T) {
	srv := redistest.Start(t)
	shared := func(c *server.Config) { c.RedisURL, c.RedisPrefix = srv.URL(0), "two:" }
	a, b := start(t, shared), start(t, shared)
	ctx := ctx5(t)
	h := ih(2)
	if _, err := client(t, a.udpURL(), "127.0.0.4").Announce(ctx, anatracker.AnnounceRequest{InfoHash: h, PeerId: peerID(1),
		Port: 7004, Event: anatracker.Started}, anatracker.AnnounceOpt{}); err != nil {
		t.Fatal(err)
	}
	res, err := client(t, b.httpURL(), "127.0.0.5").Announce(ctx, anatracker.AnnounceRequest{InfoHash: h, PeerId: peerID(2),
		Left: 1, Port: 7005, Event: anatracker.Started, NumWant: -1}, anatracker.AnnounceOpt{})
	if err != nil {
		t.Fatal(err)
	}
	if got := addrs(res.Peers); !slices.Equal(got, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.4:7004")}) {
		t.Fatalf("tracker b handed out %v, want the seed announced to tracker a", got)
	}
	sr, err := client(t, a.udpURL(), "127.0.0.4").Scrape(ctx, []infohash.T{h})
	if err != nil || sr[0].Seeders != 1 || sr[0].Leechers != 1 {
		t.Fatalf("tracker a scrape %+v, %v; want 1 seed and the leecher announced to b", sr, err)
	}
	waitMetric(t, a, `shoal_tracker_peers{kind="leechers"} 1`)
}

// TestPrivateMode: with an allow list, unknown hashes get the fixed error.
func TestPrivateMode(t *testing.T) {
	list := t.TempDir() + "/allow.txt"
	if err := os.WriteFile(list, []byte(fmt.Sprintf("%x\n", ih(3))), 0o644); err != nil {
		t.Fatal(err)
	}
	r := start(t, func(c *server.Config) { c.AllowListPath = list })
	ctx := ctx5(t)
	for _, url := range []string{r.httpURL(), r.udpURL()} {
		c := client(t, url, "127.0.0.6")
		if _, err := c.Announce(ctx, anatracker.AnnounceRequest{InfoHash: ih(3), PeerId: peerID(1), Port: 1}, anatracker.AnnounceOpt{}); err != nil {
			t.Fatalf("%s: listed hash refused: %v", url, err)
		}
		_, err := c.Announce(ctx, anatracker.AnnounceRequest{InfoHash: ih(4), PeerId: peerID(1), Port: 1}, anatracker.AnnounceOpt{})
		if err == nil || !strings.Contains(err.Error(), "requested download is not authorized") {
			t.Fatalf("%s: unlisted hash: %v", url, err)
		}
	}
}

// TestRateLimit: past the burst, one address is refused while another is not.
func TestRateLimit(t *testing.T) {
	r := start(t, func(c *server.Config) { c.RatePerSecond, c.Burst = 0.001, 3 })
	ctx := ctx5(t)
	c := client(t, r.httpURL(), "127.0.0.7")
	req := anatracker.AnnounceRequest{InfoHash: ih(5), PeerId: peerID(1), Port: 1}
	for i := range 3 {
		if _, err := c.Announce(ctx, req, anatracker.AnnounceOpt{}); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := c.Announce(ctx, req, anatracker.AnnounceOpt{}); err == nil || !strings.Contains(err.Error(), "rate limit exceeded") {
		t.Fatalf("4th request: %v, want the rate-limit error", err)
	}
	if _, err := client(t, r.httpURL(), "127.0.0.8").Announce(ctx, req, anatracker.AnnounceOpt{}); err != nil {
		t.Fatalf("another address: %v", err)
	}
	waitMetric(t, r, `shoal_tracker_rate_limited_total{proto="http"} 1`)
}

// TestGracefulStop: after Run returns, every port is closed.
func TestGracefulStop(t *testing.T) {
	r := start(t, nil)
	addr := r.s.HTTPAddrs()[0].String()
	r.shutdown(t)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("HTTP port still open after shutdown")
	}
}

func TestNoListeners(t *testing.T) {
	if _, err := server.New(t.Context(), server.Config{}); err == nil {
		t.Fatal("New with no listeners succeeded")
	}
	if _, err := server.New(t.Context(), server.Config{HTTPAddrs: []string{"127.0.0.1:0"}, AllowListPath: "/nonexistent"}); err == nil {
		t.Fatal("New with a missing allow list succeeded")
	}
}
