package daemon

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"sync"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/peer/webseed"
	"github.com/shoal-p2p/shoal/proximity"
)

// Daemon is a running `shoal daemon`. New starts it listening; Run serves
// until its context ends, then stops gracefully.
type Daemon struct {
	src   Sources
	log   *slog.Logger
	level *slog.LevelVar
	start time.Time

	cfgMu sync.Mutex
	cfg   Config

	cl        *peer.Client
	st        *store
	token     string
	seedLimit *rate.Limiter
	seedTurns *webseed.Turns // order of capped web-seed responses
	seedStats seedCounters
	dataRoot  *os.Root

	apiLn, seedLn net.Listener
	servers       []*http.Server

	mu       sync.Mutex
	torrents map[[20]byte]*entry

	watchMu sync.Mutex
	watch   watchState

	wg sync.WaitGroup
}

// entry is one torrent the daemon manages.
type entry struct {
	t     *peer.Torrent
	added time.Time
	saved bool // the .torrent (not only a magnet) is in the store

	srvMu  sync.Mutex
	paused bool           // not served over HTTP while paused
	served *servedTorrent // files to serve over HTTP, once complete
}

// New loads the configuration, opens the data dir, creates or reads the API
// token, starts the engine, restores saved torrents and opens the listeners.
func New(src Sources) (*Daemon, error) {
	cfg, err := LoadConfig(src)
	if err != nil {
		return nil, err
	}
	d := &Daemon{src: src, cfg: cfg, level: new(slog.LevelVar), start: time.Now(), torrents: map[[20]byte]*entry{}}
	d.level.Set(cfg.LogLevel)
	hopts := &slog.HandlerOptions{Level: d.level}
	if cfg.LogFormat == "json" {
		d.log = slog.New(slog.NewJSONHandler(os.Stderr, hopts))
	} else {
		d.log = slog.New(slog.NewTextHandler(os.Stderr, hopts))
	}
	d.seedLimit = newLimiter(cfg.SeedUpRate)
	d.seedTurns = webseed.NewTurns(webseed.TurnsAtOnce, webseed.TurnHold)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if d.dataRoot, err = os.OpenRoot(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			d.closeAll()
		}
	}()
	if d.st, err = openStore(cfg.DataDir); err != nil {
		return nil, err
	}
	if d.token, err = loadOrCreateToken(cfg.TokenFile, d.log); err != nil {
		return nil, err
	}
	var loc proximity.Locator
	if cfg.ASNDB != "" {
		tab, err := proximity.LoadFile(cfg.ASNDB)
		if err != nil {
			return nil, fmt.Errorf("asn-db: %w", err)
		}
		loc = tab
	}
	d.cl, err = peer.NewClient(peer.Config{
		DataDir:            cfg.DataDir,
		ListenAddr:         cfg.Listen,
		Encryption:         cfg.Encryption,
		UploadRate:         cfg.UpRate,
		DownloadRate:       cfg.DownRate,
		MaxConnsPerTorrent: cfg.MaxConns,
		DisableTrackers:    cfg.NoTrackers,
		DisablePEX:         cfg.NoPEX,
		SeedServers:        cfg.SeedServers,
		SeedServerMinRate:  cfg.SeedMinRate,
		SuperSeed:          cfg.SuperSeed,
		NoDHT:              cfg.NoDHT,
		DHTBootstrap:       cfg.DHTBootstrap,
		Locator:            loc,
		Logger:             d.log.With("component", "engine"),
	})
	if err != nil {
		return nil, err
	}
	if d.apiLn, err = net.Listen("tcp", cfg.APIListen); err != nil {
		return nil, fmt.Errorf("api-listen: %w", err)
	}
	if cfg.SeedListen != "" {
		if d.seedLn, err = net.Listen("tcp", cfg.SeedListen); err != nil {
			return nil, fmt.Errorf("seed-listen: %w", err)
		}
	}
	d.restore()
	ok = true
	d.log.Info("daemon started", "data_dir", cfg.DataDir, "peer_listen", d.cl.ListenAddr().String(),
		"api", d.apiLn.Addr().String(), "torrents", len(d.torrents))
	return d, nil
}

// restore re-adds the torrents saved by an earlier run.
func (d *Daemon) restore() {
	saved, errs := d.st.load()
	for _, err := range errs {
		d.log.Error("cannot restore torrent", "err", err)
	}
	for _, s := range saved {
		if _, err := d.addSpec(context.Background(), s.spec, AddRequest{Paused: s.paused}, false); err != nil {
			d.log.Error("cannot restore torrent", "info_hash", hex.EncodeToString(s.spec.InfoHash[:]), "err", err)
		}
	}
}

// Config is the configuration in force.
func (d *Daemon) Config() Config {
	d.cfgMu.Lock()
	defer d.cfgMu.Unlock()
	return d.cfg
}

// APIAddr is the control API's address.
func (d *Daemon) APIAddr() net.Addr { return d.apiLn.Addr() }

// PeerAddr is the BitTorrent listening address.
func (d *Daemon) PeerAddr() string { return d.cl.ListenAddr().String() }

// Token is the API bearer token.
func (d *Daemon) Token() string { return d.token }

// Client is the engine (for tests and embedding).
func (d *Daemon) Client() *peer.Client { return d.cl }

// Run serves the API, the web seed and the watch directory until ctx is
// done, reloading the configuration on SIGHUP; then it stops the listeners
// and closes the engine, which writes a final resume checkpoint.
func (d *Daemon) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	apiSrv := d.httpServer(d.handler(true))
	d.servers = append(d.servers, apiSrv)
	go func() { errc <- apiSrv.Serve(d.apiLn) }()
	if d.seedLn != nil {
		seedSrv := d.httpServer(d.handler(false))
		d.servers = append(d.servers, seedSrv)
		go func() { errc <- seedSrv.Serve(d.seedLn) }()
	}
	d.wg.Add(2)
	go d.watchLoop(ctx)
	go d.metadataLoop(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-hup:
			if err := d.Reload(); err != nil {
				d.log.Error("reload failed; keeping the old configuration", "err", err)
			}
		case err := <-errc:
			if !errors.Is(err, http.ErrServerClosed) {
				runErr = fmt.Errorf("http server: %w", err)
				break loop
			}
		}
	}
	d.log.Info("stopping")
	cancel()
	d.shutdown()
	d.wg.Wait()
	d.log.Info("stopped")
	return runErr
}

func (d *Daemon) httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelDebug)}
}

// shutdown stops HTTP (bounded), then the engine: every torrent writes its
// resume state.
func (d *Daemon) shutdown() {
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	for _, s := range d.servers {
		if err := s.Shutdown(sctx); err != nil {
			s.Close()
		}
	}
	d.closeAll()
}

// Close stops a daemon that was never Run (Run closes everything itself).
func (d *Daemon) Close() error {
	d.closeAll()
	return nil
}

func (d *Daemon) closeAll() {
	if d.apiLn != nil {
		d.apiLn.Close()
	}
	if d.seedLn != nil {
		d.seedLn.Close()
	}
	if d.cl != nil {
		d.cl.Close()
	}
	if d.dataRoot != nil {
		d.dataRoot.Close()
	}
}

// Reload re-reads the config file and environment (flags still override)
// and applies what can change at run time: log level, watch directory and
// interval, web-seed upload limit. Other changes are logged as needing a
// restart.
func (d *Daemon) Reload() error {
	src := d.src
	if src.Env != nil { // started from the process environment: read it again
		src.Env = os.Environ()
	}
	nc, err := LoadConfig(src)
	if err != nil {
		return err
	}
	d.cfgMu.Lock()
	old := d.cfg
	d.cfg.WatchDir, d.cfg.WatchInterval, d.cfg.LogLevel, d.cfg.SeedUpRate = nc.WatchDir, nc.WatchInterval, nc.LogLevel, nc.SeedUpRate
	cur := d.cfg
	d.cfgMu.Unlock()
	d.level.Set(nc.LogLevel)
	d.seedLimit.SetLimit(limitOf(nc.SeedUpRate))
	d.seedLimit.SetBurst(burstOf(nc.SeedUpRate))
	nc.WatchDir, nc.WatchInterval, nc.LogLevel, nc.SeedUpRate = cur.WatchDir, cur.WatchInterval, cur.LogLevel, cur.SeedUpRate
	if !reflect.DeepEqual(nc, old) {
		d.log.Warn("some changed settings take effect only after a restart")
	}
	d.log.Info("configuration reloaded", "watch_dir", cur.WatchDir, "log_level", cur.LogLevel.String(), "seed_up_rate", cur.SeedUpRate)
	return nil
}

func newLimiter(bps int64) *rate.Limiter { return rate.NewLimiter(limitOf(bps), burstOf(bps)) }

func limitOf(bps int64) rate.Limit {
	if bps <= 0 {
		return rate.Inf
	}
	return rate.Limit(bps)
}

func burstOf(bps int64) int {
	if bps <= 0 {
		return 0
	}
	return int(max(bps/4, 64<<10))
}
