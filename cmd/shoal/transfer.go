package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/daemon"
	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/peer/wire"
	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tui"
)

// transferFlags are shared by `get` and `seed`.
type transferFlags struct {
	dir, listen, encryption, logLevel string
	peers                             []string
	upRate, downRate                  string
	torrentUp, torrentDown            string
	maxConns                          int
	seedRatio                         float64
	seedTime                          time.Duration
	asJSON, noTrackers, noPEX         bool
	seedServers, seedServerMinRate    string
	noTUI                             bool       // get: a progress line instead of the UI on a terminal
	level                             slog.Level // parsed --log-level
	noDHT                             bool
	dhtBootstrap                      []string
	asnDB, proximityMode              string
	superSeed                         bool
}

func (f *transferFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.listen, "listen", ":0", "peer port: IP:PORT to listen on; a specific IP is also the source of outgoing connections")
	fs.StringArrayVar(&f.peers, "peer", nil, "connect to this peer host:port (repeatable)")
	fs.StringVar(&f.encryption, "encryption", "prefer", "message stream encryption: prefer (plaintext first, accept both), require, off")
	fs.StringVar(&f.upRate, "up-rate", "", "upload limit for the whole client, e.g. 2MiB (default unlimited)")
	fs.StringVar(&f.downRate, "down-rate", "", "download limit for the whole client, e.g. 10MiB (default unlimited)")
	fs.StringVar(&f.torrentUp, "torrent-up-rate", "", "upload limit for this torrent")
	fs.StringVar(&f.torrentDown, "torrent-down-rate", "", "download limit for this torrent")
	fs.IntVar(&f.maxConns, "max-conns", 50, "connection limit per torrent")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON event lines instead of a progress line")
	fs.BoolVar(&f.noTrackers, "no-trackers", false, "do not announce to trackers")
	fs.BoolVar(&f.noPEX, "no-pex", false, "disable peer exchange (BEP 11)")
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level: debug, info, warn, error (logs go to stderr)")
	fs.StringVar(&f.seedServers, "seed-servers", "fallback", "use BEP 19 seed servers (web seeds): off, fallback (only what peers cannot serve), always")
	fs.StringVar(&f.seedServerMinRate, "seed-server-min-rate", "", "also use seed servers while peers deliver less than this, e.g. 1MiB")
	fs.BoolVar(&f.noDHT, "no-dht", false, "turn the mainline DHT off")
	fs.StringSliceVar(&f.dhtBootstrap, "dht-bootstrap", nil, "DHT bootstrap nodes host:port (repeatable or comma-separated; there is no public default)")
	fs.StringVar(&f.asnDB, "asn-db", "", "IP-to-ASN database (MMDB or iptoasn TSV) for choosing nearby peers")
	fs.BoolVar(&f.superSeed, "super-seed", false, "super-seed once complete (BEP 16): offer peers a few pieces at a time, so a lone seed uploads each piece about once")
	fs.StringVar(&f.proximityMode, "proximity", "on", "dial peers nearest first with a diversity quota (on), or in random order (off)")
}

func (f *transferFlags) clientConfig(dataDir string) (peer.Config, error) {
	enc, err := wire.ParseEncryption(f.encryption)
	if err != nil {
		return peer.Config{}, usagef("--encryption: %v", err)
	}
	up, err := daemon.ParseSize(f.upRate)
	if err != nil {
		return peer.Config{}, usagef("--up-rate %q: %v", f.upRate, err)
	}
	down, err := daemon.ParseSize(f.downRate)
	if err != nil {
		return peer.Config{}, usagef("--down-rate %q: %v", f.downRate, err)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		return peer.Config{}, usagef("--log-level %q: %v", f.logLevel, err)
	}
	f.level = lvl
	ssMode, err := peer.ParseSeedServerMode(f.seedServers)
	if err != nil {
		return peer.Config{}, usagef("--seed-servers: %v", err)
	}
	ssRate, err := daemon.ParseSize(f.seedServerMinRate)
	if err != nil {
		return peer.Config{}, usagef("--seed-server-min-rate %q: %v", f.seedServerMinRate, err)
	}
	var loc proximity.Locator
	if f.asnDB != "" {
		tab, err := proximity.LoadFile(f.asnDB)
		if err != nil {
			return peer.Config{}, err
		}
		loc = tab
	}
	if f.proximityMode != "on" && f.proximityMode != "off" {
		return peer.Config{}, usagef("--proximity %q: want on or off", f.proximityMode)
	}
	if f.maxConns <= 0 {
		return peer.Config{}, usagef("--max-conns must be positive, not %d", f.maxConns)
	}
	return peer.Config{
		DataDir:            dataDir,
		ListenAddr:         f.listen,
		Encryption:         enc,
		UploadRate:         up,
		DownloadRate:       down,
		MaxConnsPerTorrent: f.maxConns,
		DisableTrackers:    f.noTrackers,
		DisablePEX:         f.noPEX,
		SeedServers:        ssMode,
		NoDHT:              f.noDHT,
		DHTBootstrap:       f.dhtBootstrap,
		Locator:            loc,
		ProximityOff:       f.proximityMode == "off",
		SuperSeed:          f.superSeed,
		SeedServerMinRate:  ssRate,
		Logger:             slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})),
	}, nil
}

func (f *transferFlags) addOptions() (peer.AddOptions, error) {
	up, err := daemon.ParseSize(f.torrentUp)
	if err != nil {
		return peer.AddOptions{}, usagef("--torrent-up-rate %q: %v", f.torrentUp, err)
	}
	down, err := daemon.ParseSize(f.torrentDown)
	if err != nil {
		return peer.AddOptions{}, usagef("--torrent-down-rate %q: %v", f.torrentDown, err)
	}
	if f.seedRatio < 0 || f.seedTime < 0 {
		return peer.AddOptions{}, usagef("--seed-ratio and --seed-time must not be negative")
	}
	return peer.AddOptions{Peers: f.peers, UploadRate: up, DownloadRate: down, SeedRatio: f.seedRatio, SeedTime: f.seedTime}, nil
}

var errInterrupted = errors.New("interrupted")

// transfer runs one torrent until it is finished (get) or interrupted (seed).
func transfer(cmd *cobra.Command, src string, cfg peer.Config, opts peer.AddOptions, f *transferFlags, untilInterrupt bool) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	useTUI := !untilInterrupt && !f.noTUI && !f.asJSON && out == os.Stdout && isTerminal(os.Stdout)
	var uiLog *tui.Log
	if useTUI { // engine logs go to the UI's Log tab, not over the screen
		uiLog = tui.NewLog(0, f.level)
		cfg.Logger = slog.New(uiLog.Handler())
	}
	cl, err := peer.NewClient(cfg)
	if err != nil {
		return err
	}
	defer cl.Close()
	t, err := cl.Add(ctx, src, opts)
	if err != nil {
		return err
	}
	if useTUI {
		return transferTUI(ctx, cl, t, opts, uiLog)
	}
	rep := newReporter(out, f.asJSON, out == os.Stdout && isTerminal(os.Stdout))
	if !f.asJSON {
		fmt.Fprintf(out, "%s listening on %s\n", t.InfoHashHex(), cl.ListenAddr())
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	complete, finished := t.Complete(), t.Finished()
	for {
		select {
		case <-ctx.Done():
			s := t.Stats()
			cl.Close()
			rep.event("interrupted", s)
			if untilInterrupt {
				return nil
			}
			return errInterrupted
		case <-t.Done():
			s := t.Stats()
			rep.event("error", s)
			if err := t.Err(); err != nil {
				return err
			}
			return errors.New("torrent stopped")
		case <-complete:
			complete = nil
			s := t.Stats()
			rep.progress(s, true)
			rep.event("complete", s)
		case <-finished:
			finished = nil
			// Both close together when there is no seeding goal, and select
			// picks at random: report completion first in any case.
			if complete != nil {
				complete = nil
				s := t.Stats()
				rep.progress(s, true)
				rep.event("complete", s)
			}
			if !untilInterrupt {
				rep.event("finished", t.Stats())
				return nil
			}
		case <-tick.C:
			rep.progress(t.Stats(), false)
		}
	}
}

// transferTUI follows the download in the terminal UI: nil (exit 0) when it
// completed and verified; an error (exit 1) when it failed or the user quit
// first, with the resume state saved by cl.Close.
func transferTUI(ctx context.Context, cl *peer.Client, t *peer.Torrent, opts peer.AddOptions, log *tui.Log) error {
	res, err := tui.Run(ctx, &tui.ClientBackend{Client: cl, Ctx: ctx, AddOptions: opts}, tui.Options{Follow: t.InfoHashHex(), Log: log})
	s := t.Stats()
	cl.Close()
	if err != nil {
		return err
	}
	select {
	case <-t.Complete():
		res.Completed = true
	default:
	}
	switch {
	case res.Completed:
		fmt.Printf("complete: %s (%s) in %s\n", s.Name, tui.FormatBytes(s.TotalLength), s.DownloadingTook.Round(time.Millisecond))
		return nil
	case res.Err != "":
		return errors.New(res.Err)
	}
	fmt.Printf("quit at %.1f%%; resume state saved\n", 100*s.Progress)
	return errInterrupted
}

func newGetCmd() *cobra.Command {
	var f transferFlags
	var seed bool
	cmd := &cobra.Command{
		Use:   "get TORRENT|MAGNET|URL",
		Short: "Download a torrent; exits 0 when complete and verified",
		Example: `  shoal get ubuntu.torrent -d ~/Downloads
  shoal get 'magnet:?xt=urn:btih:...' --peer 127.0.0.1:6881
  shoal get https://example.org/x.torrent --down-rate 5MiB --seed-ratio 1.0
  shoal get x.torrent --json | jq .progress`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.clientConfig(f.dir)
			if err != nil {
				return err
			}
			opts, err := f.addOptions()
			if err != nil {
				return err
			}
			opts.Seed = seed
			return transfer(cmd, args[0], cfg, opts, &f, seed)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&f.dir, "dir", "d", ".", "directory to save into")
	cmd.Flags().Float64Var(&f.seedRatio, "seed-ratio", 0, "after completing, keep seeding until uploaded/size reaches this")
	cmd.Flags().DurationVar(&f.seedTime, "seed-time", 0, "after completing, keep seeding this long (e.g. 30m)")
	cmd.Flags().BoolVar(&seed, "seed", false, "keep seeding after completion until interrupted")
	cmd.Flags().BoolVar(&f.noTUI, "no-tui", false, "print a progress line instead of the terminal UI")
	return cmd
}

func newSeedCmd() *cobra.Command {
	var f transferFlags
	cmd := &cobra.Command{
		Use:   "seed TORRENT [DATA]",
		Short: "Seed a torrent in the foreground until interrupted",
		Long: `Seed a torrent. DATA is the file or directory the torrent describes, or the
directory that contains it (default: the current directory). Existing data is
verified first; missing pieces are downloaded before seeding.`,
		Example: `  shoal seed movie.torrent movie.mkv --listen 0.0.0.0:6881
  shoal seed dataset.torrent /srv/data`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := peer.ParseSource(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			dir := "."
			if len(args) == 2 {
				dir = dataDirFor(args[1], spec.Name)
			}
			cfg, err := f.clientConfig(dir)
			if err != nil {
				return err
			}
			opts, err := f.addOptions()
			if err != nil {
				return err
			}
			opts.Seed = true
			return transfer(cmd, args[0], cfg, opts, &f, true)
		},
	}
	f.register(cmd)
	return cmd
}

// dataDirFor: DATA may name the torrent's own file/directory or its parent.
func dataDirFor(data, name string) string {
	clean := filepath.Clean(data)
	if filepath.Base(clean) == name {
		return filepath.Dir(clean)
	}
	return clean
}
