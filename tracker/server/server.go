package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/httpfront"
	"github.com/shoal-p2p/shoal/tracker/store"
	"github.com/shoal-p2p/shoal/tracker/store/memory"
	"github.com/shoal-p2p/shoal/tracker/store/redis"
	"github.com/shoal-p2p/shoal/tracker/udpfront"
)

// Server is a bound, not yet running tracker.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    store.Store
	core     *tracker.Tracker
	allow    *tracker.AllowList
	registry *prometheus.Registry

	httpLns  []net.Listener
	udpConn  []*net.UDPConn // several per address (SO_REUSEPORT)
	udpAddrs []net.Addr     // one per address
	metLn    net.Listener
}

// New builds the store and core and binds every listener, so that the
// addresses are known (and port 0 resolved) before Run.
func New(ctx context.Context, cfg Config) (_ *Server, err error) {
	if len(cfg.HTTPAddrs)+len(cfg.UDPAddrs) == 0 {
		return nil, errors.New("tracker: no HTTP or UDP listen address")
	}
	s := &Server{cfg: cfg, log: cfg.Logger, registry: prometheus.NewRegistry()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			s.closeAll()
		}
	}()
	tc := cfg.Tracker
	if tc.Interval <= 0 {
		tc.Interval = tracker.DefaultInterval
	}
	ttl := cfg.PeerTTL
	if ttl <= 0 {
		ttl = 2 * tc.Interval
	}
	if cfg.RedisURL != "" {
		s.store, err = redis.New(ctx, redis.Config{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, PeerTTL: ttl})
	} else {
		s.store = memory.New(memory.Config{PeerTTL: ttl})
	}
	if err != nil {
		return nil, err
	}
	if cfg.AllowListPath != "" {
		if s.allow, err = tracker.LoadAllowList(cfg.AllowListPath); err != nil {
			return nil, err
		}
	}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	tc.Store, tc.AllowList, tc.Logger = s.store, s.allow, s.log
	tc.Metrics = tracker.NewMetrics(s.registry)
	if cfg.RatePerSecond > 0 {
		tc.Limiter = tracker.NewLimiter(cfg.RatePerSecond, cfg.Burst, 0)
	}
	if s.core, err = tracker.New(tc); err != nil {
		return nil, err
	}
	for _, a := range cfg.HTTPAddrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return nil, fmt.Errorf("HTTP listener: %w", err)
		}
		s.httpLns = append(s.httpLns, ln)
	}
	for _, a := range cfg.UDPAddrs {
		n := cfg.UDP.Sockets
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		cs, err := udpfront.ListenUDP("udp", a, n)
		if err != nil {
			s.closeAll()
			return nil, err
		}
		s.udpConn = append(s.udpConn, cs...)
		s.udpAddrs = append(s.udpAddrs, cs[0].LocalAddr())
	}
	if cfg.MetricsAddr != "" {
		if s.metLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return nil, fmt.Errorf("metrics listener: %w", err)
		}
	}
	return s, nil
}

// Tracker is the core the server runs.
func (s *Server) Tracker() *tracker.Tracker { return s.core }

// HTTPAddrs are the bound HTTP addresses.
func (s *Server) HTTPAddrs() []net.Addr {
	var out []net.Addr
	for _, l := range s.httpLns {
		out = append(out, l.Addr())
	}
	return out
}

// UDPAddrs are the bound UDP addresses.
func (s *Server) UDPAddrs() []net.Addr {
	var out []net.Addr
	return append(out, s.udpAddrs...)
}

// MetricsAddr is the bound metrics address, or nil.
func (s *Server) MetricsAddr() net.Addr {
	if s.metLn == nil {
		return nil
	}
	return s.metLn.Addr()
}

// Run serves until ctx ends, then stops gracefully: listeners close, HTTP
// requests in flight finish (within ShutdownGrace), UDP workers return, and
// the store closes.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	grace := s.cfg.ShutdownGrace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(s.httpLns)+len(s.udpConn)+1)
	fail := func(err error) {
		if err != nil {
			errc <- err
			cancel()
		}
	}
	var servers []*http.Server
	h := httpfront.New(s.core, s.cfg.HTTP)
	for _, ln := range s.httpLns {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
			ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
		servers = append(servers, srv)
		wg.Go(func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				fail(err)
			}
		})
	}
	if s.metLn != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, srv)
		ln := s.metLn
		wg.Go(func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				fail(err)
			}
		})
	}
	uo := s.cfg.UDP
	if uo.Workers <= 0 && s.cfg.RedisURL == "" {
		// The memory store never waits, so few readers keep the CPU busy;
		// two per socket, because the kernel spreads clients over the
		// sockets by a hash of their addresses, and with few clients one
		// socket may get most of them.
		uo.Workers = 2
	}
	u := udpfront.New(s.core, uo)
	for _, c := range s.udpConn {
		wg.Go(func() { fail(u.Serve(ctx, c)) })
	}
	wg.Go(func() { s.statsLoop(ctx) })
	wg.Go(func() { s.reloadLoop(ctx) })
	s.log.Info("tracker running", "http", s.HTTPAddrs(), "udp", s.UDPAddrs(), "metrics", s.MetricsAddr(),
		"store", s.storeName(), "private", s.allow != nil)

	<-ctx.Done()
	s.log.Info("tracker stopping")
	sctx, scancel := context.WithTimeout(context.Background(), grace)
	defer scancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}
	wg.Wait()
	s.closeAll()
	close(errc)
	return <-errc
}

func (s *Server) storeName() string {
	if s.cfg.RedisURL != "" {
		return "redis"
	}
	return "memory"
}

func (s *Server) statsLoop(ctx context.Context) {
	every := s.cfg.StatsEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.core.UpdateStats(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("store stats failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) reloadLoop(ctx context.Context) {
	if s.allow == nil {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := s.allow.Reload(); err != nil {
				s.log.Error("allow list reload failed; keeping the old list", "err", err)
			} else {
				s.log.Info("allow list reloaded", "hashes", s.allow.Len())
			}
		}
	}
}

func (s *Server) closeAll() {
	for _, l := range s.httpLns {
		l.Close()
	}
	for _, c := range s.udpConn {
		c.Close()
	}
	if s.metLn != nil {
		s.metLn.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
}
