package testnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

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
	// Binary is the shoal executable that runs leechers in scenarios with
	// processes: true.
	Binary string
}

const payloadName = "payload.bin"

// Run starts the scenario's seeds, seed servers, tracker, DHT nodes and
// peers on loopback in this process, waits until every peer has the file
// (and, with a DHT, the last measuring window has closed) or sc.Timeout or
// ctx ends, stops everything and returns the report. A run that times out
// still returns its report, with the error.
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

	// The DHT: a bootstrap node, then the other standalone nodes.
	var nodes []*dhtNode
	var bootstrap []string
	defer func() { each(restartables(nodes), func(p restartable) { p.stop() }) }()
	if sc.DHT {
		boot := newDHTNode(bootstrapIP, dir, nil, loc, log)
		if err := boot.start(); err != nil {
			return nil, err
		}
		nodes = append(nodes, boot)
		bootstrap = []string{boot.addr()}
		for i := range sc.DHTNodes {
			n := newDHTNode(nextIP(1+i%sc.ASes), dir, bootstrap, loc, log)
			if err := n.start(); err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
	}

	ssMode := peer.SeedServersFallback
	if sc.SeedServerMode != "" {
		ssMode, _ = peer.ParseSeedServerMode(sc.SeedServerMode)
	}
	baseCfg := func(dataDir, listen, dhtState string, up, down int64, maxConns int) peer.Config {
		return peer.Config{
			DataDir: dataDir, ListenAddr: listen, UploadRate: up, DownloadRate: down,
			Locator: loc, ProximityOff: !sc.ProximityOn(), DisableTrackers: !sc.Tracker,
			NoDHT: !sc.DHT, DHTBootstrap: bootstrap, DHTStateFile: dhtState,
			MaxConnsPerTorrent: maxConns, SeedServers: ssMode, SeedServerMinRate: int64(sc.SeedServerMinRate),
			Dial: em.dial, WrapConn: em.wrap, Logger: log.With("peer", listen),
		}
	}

	// Seeds.
	var seeds []*seedPeer
	defer func() { each(restartables(seeds), func(p restartable) { p.stop() }) }()
	for i, s := range sc.Seeds {
		d := filepath.Join(dir, fmt.Sprintf("seed%d", i+1))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if err := linkOrCopy(payload, filepath.Join(d, payloadName)); err != nil {
			return nil, err
		}
		sp := &seedPeer{ip: nextIP(s.AS), dhtState: d + ".dht.state", mi: mi, ctx: ctx}
		sp.cfg = func(listen string) peer.Config { return baseCfg(d, listen, sp.dhtState, int64(s.Upload), 0, 0) }
		if err := sp.start(); err != nil {
			return nil, fmt.Errorf("seed %d: %w", i+1, err)
		}
		seeds = append(seeds, sp)
	}

	// Leechers.
	var ls []*leecher
	for gi := range sc.Peers {
		g := &sc.Peers[gi]
		downs := downtimes(g.Churn, sc.DHTRestarts)
		for k := 0; k < g.Count; k++ {
			d := filepath.Join(dir, fmt.Sprintf("peer%d", len(ls)+1))
			ls = append(ls, &leecher{
				name: fmt.Sprintf("as%d-p%d", g.AS, len(ls)+1), as: g.AS, ip: nextIP(g.AS), group: g,
				join: g.Join.D() + time.Duration(k)*g.JoinEvery.D(),
				dir:  d, dhtState: d + ".dht.state", downs: downs,
			})
		}
	}
	// known lists the seeds' and running peers' addresses, given to each
	// peer in runs with neither tracker nor DHT.
	known := func() []string {
		if sc.Tracker || sc.DHT {
			return nil
		}
		var out []string
		for _, s := range seeds {
			out = append(out, s.addr())
		}
		for _, l := range ls {
			if a := l.listenAddr(); a != "" {
				out = append(out, a)
			}
		}
		return out
	}
	startFn := func(ctx context.Context, l *leecher, listen string) (instance, error) {
		cfg := baseCfg(l.dir, listen, l.dhtState, int64(l.group.Upload), int64(l.group.Download), sc.MaxConns)
		return startInproc(ctx, cfg, mi, known())
	}
	if sc.Processes {
		env, err := newProcEnv(sc, opts.Binary, dir, mi, bootstrap)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			l.dhtState = procDHTState(l.dir)
		}
		startFn = func(_ context.Context, l *leecher, listen string) (instance, error) {
			return env.start(l, listen, known())
		}
	}

	start := time.Now()
	runCtx, stopPeers := context.WithCancel(ctx)
	defer stopPeers()
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Go(func() { l.run(runCtx, start, startFn, phaseOf(sc.DHTRestarts)) })
	}
	if len(sc.DHTRestarts) > 0 {
		parts := append(restartables(seeds), restartables(nodes)...)
		wg.Go(func() { runMassRestarts(runCtx, start, sc.DHTRestarts, parts, log) })
	}

	var boot *dhtNode
	if len(nodes) > 0 {
		boot = nodes[0]
	}
	timeline, runErr := watch(ctx, sc, start, ls, boot, opts.Progress)
	took := time.Since(start)
	stopPeers()
	wg.Wait()
	var seedUp []int64
	for _, s := range seeds {
		seedUp = append(seedUp, s.totalUploaded())
		s.stop()
	}
	if !em.wait(10 * time.Second) {
		log.Warn("testnet: latency pumps still running after 10s")
	}

	in := reportInput{
		took: took, leechers: ls, want: want, seedUp: seedUp, servers: servers,
		matrix: em.matrix(), timeline: timeline,
	}
	if boot != nil {
		in.bootstrap = boot.addr()
	}
	rep := buildReport(sc, in)
	if runErr == nil {
		for _, l := range ls {
			if l.err != nil {
				runErr = errors.Join(runErr, fmt.Errorf("%s: %w", l.name, l.err))
			}
		}
	}
	return rep, runErr
}

// restartables converts seeds or DHT nodes for each and runMassRestarts.
func restartables[T restartable](xs []T) []restartable {
	out := make([]restartable, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
