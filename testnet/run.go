package testnet

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/peer/storage"
	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/server"
)

// RunOptions tune Run.
type RunOptions struct {
	// Dir holds payload and peer data; default a temp dir removed afterwards.
	Dir string
	// Log receives engine, tracker and runner logs; default discarded.
	Log *slog.Logger
	// Progress, when set, gets one line per second while the swarm runs.
	Progress io.Writer
}

const payloadName = "payload.bin"

// leecher is one downloading peer across its restarts.
type leecher struct {
	name     string
	as       int
	ip       string
	group    *PeerGroup
	join     time.Duration
	dir      string
	mu       sync.Mutex
	addr     string        // current listen address ("" while stopped)
	tor      *peer.Torrent // current torrent (nil while stopped)
	acc      peer.Stats    // sums over finished incarnations
	last     peer.Stats    // last snapshot of the current incarnation
	done     time.Duration // completion, since the scenario start (0 = not yet)
	restarts int
	err      error
	complete atomic.Bool
}

// Run starts the scenario's seeds, seed servers, tracker and peers on
// loopback in this process, waits until every peer has the file (or
// sc.Timeout, or ctx), stops everything and returns the report. A run that
// times out still returns its report, with the error.
func Run(ctx context.Context, sc *Scenario, opts RunOptions) (*Report, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "shoal-testnet-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	ctx, cancel := context.WithTimeout(ctx, sc.Timeout.D())
	defer cancel()
	loc := proximity.LoopbackTable(sc.ASes)
	em := newNetem(sc.Latency, sc.ASes)
	hosts := make([]int, sc.ASes+1) // next host number per AS
	nextIP := func(as int) string {
		hosts[as]++
		h := hosts[as]
		return fmt.Sprintf("127.%d.%d.%d", as, h/250, h%250+1)
	}

	// The payload.
	srcDir := filepath.Join(dir, "origin")
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		return nil, err
	}
	payload := filepath.Join(srcDir, payloadName)
	if err := writeRandom(payload, int64(sc.FileSize)); err != nil {
		return nil, err
	}
	want, err := fileHash(payload)
	if err != nil {
		return nil, err
	}

	// Background services stop with svcCancel; svcWG waits for them.
	svcCtx, svcCancel := context.WithCancel(context.Background())
	var svcWG sync.WaitGroup
	defer func() { svcCancel(); svcWG.Wait() }()

	var trackers []string
	if sc.Tracker {
		ts, err := server.New(svcCtx, server.Config{
			HTTPAddrs:     []string{"127.0.0.2:0"},
			ShutdownGrace: 2 * time.Second,
			Logger:        log.With("part", "tracker"),
			Tracker: tracker.Config{
				Interval: 5 * time.Second, MinInterval: 2 * time.Second, Jitter: -1,
				Locator: loc, Rank: proximity.RankConfig{Off: !sc.ProximityOn()},
			},
		})
		if err != nil {
			return nil, fmt.Errorf("tracker: %w", err)
		}
		svcWG.Go(func() { _ = ts.Run(svcCtx) })
		trackers = append(trackers, fmt.Sprintf("http://%s/announce", ts.HTTPAddrs()[0]))
	}

	var servers []*seedServer
	for _, s := range sc.SeedServers {
		ss, err := startSeedServer(nextIP(s.AS), srcDir, int64(s.Upload))
		if err != nil {
			return nil, fmt.Errorf("seed server: %w", err)
		}
		defer ss.close()
		servers = append(servers, ss)
	}
	var webseeds []string
	for _, ss := range servers {
		webseeds = append(webseeds, ss.url)
	}
	mi, err := storage.Create(ctx, payload, storage.CreateOptions{
		PieceLength: int64(sc.PieceLength), Trackers: trackers, WebSeeds: webseeds, CreatedBy: "shoal testnet",
	})
	if err != nil {
		return nil, err
	}

	ssMode := peer.SeedServersFallback
	if sc.SeedServerMode != "" {
		ssMode, _ = peer.ParseSeedServerMode(sc.SeedServerMode)
	}
	baseCfg := func(dataDir, ip string, up, down int64, maxConns int) peer.Config {
		return peer.Config{
			DataDir: dataDir, ListenAddr: ip + ":0", UploadRate: up, DownloadRate: down,
			Locator: loc, ProximityOff: !sc.ProximityOn(), NoDHT: true, DisableTrackers: !sc.Tracker,
			MaxConnsPerTorrent: maxConns, SeedServers: ssMode, SeedServerMinRate: int64(sc.SeedServerMinRate),
			Dial: em.dial, WrapConn: em.wrap, Logger: log.With("peer", ip),
		}
	}

	// Seeds.
	type seedRun struct {
		c  *peer.Client
		t  *peer.Torrent
		as int
	}
	var seeds []seedRun
	defer func() {
		for _, s := range seeds {
			s.c.Close()
		}
	}()
	var seedAddrs []string
	for i, s := range sc.Seeds {
		d := filepath.Join(dir, fmt.Sprintf("seed%d", i+1))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if err := linkOrCopy(payload, filepath.Join(d, payloadName)); err != nil {
			return nil, err
		}
		ip := nextIP(s.AS)
		c, err := peer.NewClient(baseCfg(d, ip, int64(s.Upload), 0, 0))
		if err != nil {
			return nil, err
		}
		t, err := c.Add(ctx, mi, peer.AddOptions{Seed: true})
		if err != nil {
			c.Close()
			return nil, err
		}
		seeds = append(seeds, seedRun{c, t, s.AS})
		if err := t.Wait(ctx); err != nil {
			return nil, fmt.Errorf("seed %d checking its data: %w", i+1, err)
		}
		seedAddrs = append(seedAddrs, c.ListenAddr().String())
	}

	// Leechers.
	var ls []*leecher
	for gi := range sc.Peers {
		g := &sc.Peers[gi]
		for k := 0; k < g.Count; k++ {
			ip := nextIP(g.AS)
			ls = append(ls, &leecher{
				name: fmt.Sprintf("as%d-p%d", g.AS, len(ls)+1), as: g.AS, ip: ip, group: g,
				join: g.Join.D() + time.Duration(k)*g.JoinEvery.D(),
				dir:  filepath.Join(dir, fmt.Sprintf("peer%d", len(ls)+1)),
			})
		}
	}
	// known lists running peers' addresses for tracker-less runs.
	known := func() []string {
		out := append([]string(nil), seedAddrs...)
		for _, l := range ls {
			l.mu.Lock()
			if l.addr != "" {
				out = append(out, l.addr)
			}
			l.mu.Unlock()
		}
		return out
	}
	start := time.Now()
	since := func() time.Duration { return time.Since(start) }
	runCtx, stopPeers := context.WithCancel(ctx)
	defer stopPeers()
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Go(func() {
			l.run(runCtx, start, mi, func(ip string) peer.Config {
				return baseCfg(l.dir, ip, int64(l.group.Upload), int64(l.group.Download), sc.MaxConns)
			}, known)
		})
	}

	// Watch until everyone is complete.
	var timeline []Sample
	tick := time.NewTicker(250 * time.Millisecond)
	var runErr error
	lastLine := time.Duration(0)
	var prevBytes int64
	prevT := time.Duration(0)
	for {
		n := 0
		var bytes int64
		for _, l := range ls {
			if l.complete.Load() {
				n++
			}
			bytes += l.downloaded()
		}
		now := since()
		dt := (now - prevT).Seconds()
		sample := Sample{T: now.Seconds(), Complete: n}
		if dt > 0 {
			sample.Rate = float64(bytes-prevBytes) / dt
		}
		prevBytes, prevT = bytes, now
		timeline = append(timeline, sample)
		if opts.Progress != nil && now-lastLine >= time.Second {
			lastLine = now
			fmt.Fprintf(opts.Progress, "%6.1fs  %d/%d complete  swarm ↓%s/s\n", now.Seconds(), n, len(ls), mib(int64(sample.Rate)))
		}
		if n == len(ls) {
			break
		}
		select {
		case <-ctx.Done():
			runErr = fmt.Errorf("scenario %s: %d of %d peers incomplete: %w", sc.Name, len(ls)-n, len(ls), ctx.Err())
		case <-tick.C:
			continue
		}
		break
	}
	tick.Stop()
	took := since()
	// Seed-side stats before stopping.
	var seedUp []int64
	for _, s := range seeds {
		seedUp = append(seedUp, s.t.Stats().Uploaded)
	}
	stopPeers()
	wg.Wait()
	for _, s := range seeds {
		s.c.Close()
	}
	seeds = nil
	if !em.wait(10 * time.Second) {
		log.Warn("testnet: latency pumps still running after 10s")
	}

	rep := buildReport(sc, reportInput{
		took: took, leechers: ls, want: want, seedUp: seedUp, servers: servers,
		matrix: em.matrix(), timeline: timeline,
	})
	if runErr == nil {
		for _, l := range ls {
			if l.err != nil {
				runErr = errors.Join(runErr, fmt.Errorf("%s: %w", l.name, l.err))
			}
		}
	}
	return rep, runErr
}

func (l *leecher) downloaded() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acc.Downloaded + l.last.Downloaded + l.acc.FromSeeds + l.last.FromSeeds
}

// run is one peer's life: join, churn, completion, leave.
func (l *leecher) run(ctx context.Context, start time.Time, mi any, cfg func(ip string) peer.Config, known func() []string) {
	sleepUntil := func(d time.Duration) bool {
		w := time.Until(start.Add(d))
		if w <= 0 {
			return ctx.Err() == nil
		}
		t := time.NewTimer(w)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !sleepUntil(l.join) {
		return
	}
	var c *peer.Client
	startPeer := func() bool {
		cl, err := peer.NewClient(cfg(l.ip))
		if err != nil {
			l.err = err
			return false
		}
		t, err := cl.Add(ctx, mi, peer.AddOptions{Seed: true, Peers: known()})
		if err != nil {
			cl.Close()
			l.err = err
			return false
		}
		c = cl
		l.mu.Lock()
		l.addr, l.tor = cl.ListenAddr().String(), t
		l.mu.Unlock()
		return true
	}
	stopPeer := func() {
		if c == nil {
			return
		}
		l.mu.Lock()
		t := l.tor
		l.mu.Unlock()
		s := t.Stats()
		c.Close()
		c = nil
		l.mu.Lock()
		l.addStats(s)
		l.last = peer.Stats{}
		l.addr, l.tor = "", nil
		l.mu.Unlock()
	}
	defer stopPeer()
	if !startPeer() {
		return
	}
	churn := l.group.Churn
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		if c != nil {
			l.mu.Lock()
			t := l.tor
			l.mu.Unlock()
			s := t.Stats()
			l.mu.Lock()
			l.last = s
			l.mu.Unlock()
			if s.HaveInfo && s.Progress >= 1 && !l.complete.Load() {
				l.done = time.Since(start)
				if !s.CompletedAt.IsZero() && s.CompletedAt.After(start) {
					l.done = s.CompletedAt.Sub(start)
				}
				l.complete.Store(true)
				if l.group.LeaveOnComplete {
					return
				}
			}
		}
		now := time.Since(start)
		if len(churn) > 0 {
			ev := churn[0]
			if c != nil && now >= ev.Kill.D() {
				stopPeer()
				if ev.Rejoin == 0 {
					churn = nil
				}
			} else if c == nil && ev.Rejoin > 0 && now >= ev.Rejoin.D() {
				churn = churn[1:]
				l.restarts++
				if !startPeer() {
					return
				}
			}
		}
		if c == nil && len(churn) == 0 {
			return // killed for good
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
	}
}

func (l *leecher) addStats(s peer.Stats) {
	l.acc.Downloaded += s.Downloaded
	l.acc.Uploaded += s.Uploaded
	l.acc.FromPeers += s.FromPeers
	l.acc.FromSeeds += s.FromSeeds
	l.acc.Wasted += s.Wasted
}

// seedServer is an HTTP server holding the payload for BEP 19 web seeds,
// optionally rate-capped, counting what it serves.
type seedServer struct {
	url    string
	srv    *http.Server
	served atomic.Int64
	done   chan struct{}
}

func startSeedServer(ip, dir string, rateCap int64) (*seedServer, error) {
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		return nil, err
	}
	ss := &seedServer{url: fmt.Sprintf("http://%s/seed/", ln.Addr()), done: make(chan struct{})}
	var lim *rate.Limiter
	if rateCap > 0 {
		lim = rate.NewLimiter(rate.Limit(rateCap), int(max(rateCap/4, 64<<10)))
	}
	files := http.StripPrefix("/seed/", http.FileServer(http.Dir(dir)))
	ss.srv = &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/seed/") {
				http.NotFound(w, r)
				return
			}
			files.ServeHTTP(&countWriter{ResponseWriter: w, n: &ss.served, lim: lim, ctx: r.Context()}, r)
		}),
	}
	go func() { defer close(ss.done); _ = ss.srv.Serve(ln) }()
	return ss, nil
}

func (ss *seedServer) close() {
	ss.srv.Close()
	<-ss.done
}

type countWriter struct {
	http.ResponseWriter
	n   *atomic.Int64
	lim *rate.Limiter
	ctx context.Context
}

func (w *countWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		k := len(p)
		if w.lim != nil {
			k = min(k, w.lim.Burst())
			if err := w.lim.WaitN(w.ctx, k); err != nil {
				return total, err
			}
		}
		n, err := w.ResponseWriter.Write(p[:k])
		total += n
		w.n.Add(int64(n))
		if err != nil {
			return total, err
		}
		p = p[k:]
	}
	return total, nil
}

func fileHash(path string) ([32]byte, error) {
	var h [32]byte
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	d := sha256.New()
	if _, err := io.Copy(d, f); err != nil {
		return h, err
	}
	copy(h[:], d.Sum(nil))
	return h, nil
}

func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
