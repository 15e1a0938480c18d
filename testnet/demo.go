package testnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/peer/storage"
	"github.com/shoal-p2p/shoal/proximity"
)

// DemoConfig sizes the demo swarm.
type DemoConfig struct {
	Leechers  int           // default 5
	Size      int64         // payload bytes, default 64 MiB
	SeedRate  int64         // seed upload cap, bytes/s (default 16 MiB/s)
	PeerRate  int64         // leecher upload cap, bytes/s (default 8 MiB/s)
	Timeout   time.Duration // default 3 min
	Dir       string        // default a temp dir, removed afterwards
	Out       io.Writer
	LogOutput io.Writer    // engine logs; default discarded
	LogSlog   slog.Handler // engine logs as a handler (takes precedence over LogOutput)
	// Watch, when set, is called with the first leecher's client and
	// torrent while the swarm runs (the CLI shows its UI there) instead of
	// the per-second progress lines; RunDemo then waits for every leecher.
	Watch func(ctx context.Context, c *peer.Client, t *peer.Torrent) error
}

// RunDemo starts one seed and several leechers spread over three synthetic
// autonomous systems (127.A.0.x, A = 1..3, mapped to documentation ASNs by
// proximity.LoopbackTable), with the seed's upload capped so that the
// leechers must trade among themselves; it prints the swarm's progress every
// second (or calls Watch) and checks every copy against the original.
func RunDemo(ctx context.Context, cfg DemoConfig) error {
	if cfg.Leechers <= 0 {
		cfg.Leechers = 5
	}
	if cfg.Size <= 0 {
		cfg.Size = 64 << 20
	}
	if cfg.SeedRate <= 0 {
		cfg.SeedRate = 16 << 20
	}
	if cfg.PeerRate <= 0 {
		cfg.PeerRate = 8 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Minute
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	logOut := cfg.LogOutput
	if logOut == nil {
		logOut = io.Discard
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if cfg.LogSlog != nil {
		log = slog.New(cfg.LogSlog)
	}
	asns := proximity.LoopbackTable(3)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "shoal-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	seedDir := filepath.Join(dir, "seed")
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		return err
	}
	payload := filepath.Join(seedDir, "demo.bin")
	fmt.Fprintf(cfg.Out, "writing %d MiB of random data to %s\n", cfg.Size>>20, payload)
	if err := writeRandom(payload, cfg.Size); err != nil {
		return err
	}
	mi, err := storage.Create(ctx, payload, storage.CreateOptions{PieceLength: 256 << 10, CreatedBy: "shoal demo"})
	if err != nil {
		return err
	}

	seed, err := peer.NewClient(peer.Config{DataDir: seedDir, ListenAddr: "127.1.0.1:0", UploadRate: cfg.SeedRate, Logger: log, Locator: asns, NoDHT: true})
	if err != nil {
		return err
	}
	defer seed.Close()
	st, err := seed.Add(ctx, mi, peer.AddOptions{Seed: true})
	if err != nil {
		return err
	}
	if err := st.Wait(ctx); err != nil {
		return fmt.Errorf("seed checking its data: %w", err)
	}
	fmt.Fprintf(cfg.Out, "seed %s (upload capped at %s/s), %d leechers, %d pieces of 256 KiB\n",
		seed.ListenAddr(), mib(cfg.SeedRate), cfg.Leechers, st.Stats().NumPieces)

	type leecher struct {
		c   *peer.Client
		t   *peer.Torrent
		dir string
	}
	var ls []leecher
	for i := 0; i < cfg.Leechers; i++ {
		d := filepath.Join(dir, fmt.Sprintf("leecher%d", i+1))
		addr := fmt.Sprintf("127.%d.0.%d:0", 1+i%3, i+2) // three ASes
		c, err := peer.NewClient(peer.Config{DataDir: d, ListenAddr: addr, UploadRate: cfg.PeerRate, Logger: log, Locator: asns, NoDHT: true})
		if err != nil {
			return err
		}
		defer c.Close()
		t, err := c.Add(ctx, mi, peer.AddOptions{Peers: []string{seed.ListenAddr().String()}, Seed: true})
		if err != nil {
			return err
		}
		ls = append(ls, leecher{c, t, d})
	}
	start := time.Now()
	progressOut := cfg.Out
	if cfg.Watch != nil {
		if err := cfg.Watch(ctx, ls[0].c, ls[0].t); err != nil {
			return err
		}
		progressOut = io.Discard // the UI had the screen; the summary follows
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		done := 0
		line := fmt.Sprintf("%5.1fs", time.Since(start).Seconds())
		for i, l := range ls {
			s := l.t.Stats()
			if s.Progress >= 1 {
				done++
			}
			line += fmt.Sprintf("  L%d %5.1f%% ↓%s/s", i+1, 100*s.Progress, mib(int64(s.DownloadRate)))
		}
		fmt.Fprintln(progressOut, line)
		if done == len(ls) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo swarm did not finish: %w", ctx.Err())
		case <-tick.C:
		}
	}
	took := time.Since(start)
	orig, err := os.ReadFile(payload)
	if err != nil {
		return err
	}
	var fromPeers int64
	for i, l := range ls {
		got, err := os.ReadFile(filepath.Join(l.dir, "demo.bin"))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, orig) {
			return fmt.Errorf("leecher %d: file differs from the original", i+1)
		}
		fromPeers += l.t.Stats().Uploaded
	}
	seedUp := st.Stats().Uploaded
	fmt.Fprintf(cfg.Out, "all %d leechers complete and verified in %s\n", len(ls), took.Round(time.Millisecond))
	fmt.Fprintf(cfg.Out, "seed uploaded %s (%.2f× the file); leechers uploaded %s to each other\n",
		mib(seedUp), float64(seedUp)/float64(cfg.Size), mib(fromPeers))
	// The seed alone would need N·F/Us.
	alone := time.Duration(float64(cfg.Leechers) * float64(cfg.Size) / float64(cfg.SeedRate) * float64(time.Second))
	fmt.Fprintf(cfg.Out, "the seed alone at its cap would have needed %s\n", alone.Round(time.Second))
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func writeRandom(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
