package testnet

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/shoal-p2p/shoal/peer"
)

// Scenario describes one swarm experiment. Scenarios are YAML files (see
// testnet/scenarios/README.md for the format and LoadScenario); sizes and
// rates are written "4MiB", "512KiB", "1.5GiB" or as plain byte counts,
// times as Go durations ("2s", "1m30s").
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`

	// FileSize is the payload (one file of random bytes); PieceLength its
	// piece size (default 256 KiB).
	FileSize    Size `yaml:"file_size"`
	PieceLength Size `yaml:"piece_length"`
	// ASes is the number of synthetic autonomous systems, 1..200: AS A owns
	// 127.A.0.0/16 and ASN 64496+A-1 (proximity.LoopbackTable).
	ASes int `yaml:"ases"`
	// Timeout bounds the whole run (default 5m).
	Timeout Duration `yaml:"timeout"`

	// Tracker starts one in-process shoal tracker (HTTP, on 127.0.0.2) and
	// puts it in the torrent; without it, every peer is given the seeds'
	// addresses and those of the peers already running.
	Tracker bool `yaml:"tracker"`
	// Proximity on (default) ranks connections by AS in the peers and in
	// the tracker; off chooses uniformly at random (for comparisons).
	Proximity *bool `yaml:"proximity"`
	// MaxConns caps each leecher's connections (engine default 50 when 0;
	// seeds always have the default).
	// Locality only shows when peers cannot connect to everyone.
	MaxConns int `yaml:"max_conns"`
	// SeedServerMode is the engine's seed-server policy for leechers:
	// fallback (default), always or off. SeedServerMinRate is its floor.
	SeedServerMode    string `yaml:"seed_server_mode"`
	SeedServerMinRate Size   `yaml:"seed_server_min_rate"`

	// Latency is added one way per AS pair, in milliseconds.
	Latency Latency `yaml:"latency"`

	// DHT turns the mainline DHT on in every seed and leecher, with a
	// standalone bootstrap node on 127.0.0.3 and DHTNodes more standalone
	// nodes spread over the ASes; peers are then given no addresses (they
	// find each other through the DHT, and the tracker if there is one).
	DHT      bool `yaml:"dht"`
	DHTNodes int  `yaml:"dht_nodes"`
	// DHTRestarts are mass restarts: every DHT node, seed and running
	// leecher stops at once and starts again Down later, on the same
	// address, warm (from the state files written on stop) or cold (state
	// files removed).
	DHTRestarts []DHTRestart `yaml:"dht_restarts"`
	// DHTWindow is how long after the start and after each restart the
	// bootstrap node's load is measured (default 10s); the run lasts at
	// least until the last window has closed.
	DHTWindow Duration `yaml:"dht_window"`

	// Processes runs every leecher as a separate `shoal get` process
	// (RunOptions.Binary) instead of in the runner's process; seeds, seed
	// servers, tracker and DHT nodes stay in it. Latency and the AS matrix
	// then cover only connections that have an in-process end.
	Processes bool `yaml:"processes"`

	Seeds       []SeedSpec       `yaml:"seeds"`
	SeedServers []SeedServerSpec `yaml:"seed_servers"`
	Peers       []PeerGroup      `yaml:"peers"`
}

// Latency is the one-way delay added to every write between two ASes.
type Latency struct {
	IntraMS int `yaml:"intra_ms"` // inside one AS
	InterMS int `yaml:"inter_ms"` // between ASes, unless listed in Pairs
	// Pairs overrides InterMS per pair, keyed "A-B" (symmetric).
	Pairs map[string]int `yaml:"pairs"`
}

// SeedSpec is one seeding peer that has the whole file from the start.
type SeedSpec struct {
	AS     int  `yaml:"as"`
	Upload Size `yaml:"upload"` // bytes/s, 0 = unlimited
}

// SeedServerSpec is one HTTP seed server (BEP 19 web seed) holding the
// payload, listed in the torrent's url-list.
type SeedServerSpec struct {
	AS     int  `yaml:"as"`
	Upload Size `yaml:"upload"` // bytes/s, 0 = unlimited
}

// PeerGroup is Count leechers in one AS with the same caps and schedule.
type PeerGroup struct {
	AS       int  `yaml:"as"`
	Count    int  `yaml:"count"`
	Upload   Size `yaml:"upload"`   // bytes/s, 0 = unlimited
	Download Size `yaml:"download"` // bytes/s, 0 = unlimited
	// Join is when the group's first peer starts; the others follow every
	// JoinEvery.
	Join      Duration `yaml:"join"`
	JoinEvery Duration `yaml:"join_every"`
	// LeaveOnComplete stops a peer as soon as it has the whole file;
	// otherwise it seeds until the run ends.
	LeaveOnComplete bool `yaml:"leave_on_complete"`
	// Churn kills every peer of the group at Kill (after the scenario
	// start) and starts it again, with what it had on disk, at Rejoin
	// (0 = never).
	Churn []ChurnEvent `yaml:"churn"`
}

// DHTRestart is one mass restart at At (since the scenario start); the
// network is down for Down (0 = start again at once).
type DHTRestart struct {
	At   Duration `yaml:"at"`
	Down Duration `yaml:"down"`
	Warm bool     `yaml:"warm"`
}

// ChurnEvent is one kill and optional restart.
type ChurnEvent struct {
	Kill   Duration `yaml:"kill"`
	Rejoin Duration `yaml:"rejoin"`
}

// Size is a byte count or rate, written as a number or with a unit
// (B, KiB, MiB, GiB; K/M/G and KB/MB/GB are read as binary too).
type Size int64

// UnmarshalYAML reads "4MiB" or 4194304.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = Size(v)
	return nil
}

// MarshalYAML writes the plain byte count.
func (s Size) MarshalYAML() (any, error) { return int64(s), nil }

// ParseSize reads a byte count with an optional binary unit.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("size %q: unknown unit %q", s, unit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || f*mult > 1<<50 {
		return 0, fmt.Errorf("size %q: not a non-negative number", s)
	}
	return int64(f * mult), nil
}

// Duration is a time.Duration written as "2s".
type Duration time.Duration

// UnmarshalYAML reads a Go duration string ("0" is allowed).
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if strings.TrimSpace(n.Value) == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: duration %q: want e.g. 1.5s or 2m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// LoadScenario reads and checks a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc, err := ParseScenario(b)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario reads a scenario from YAML; unknown keys are errors.
func ParseScenario(b []byte) (*Scenario, error) {
	var sc Scenario
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		return nil, err
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// ProximityOn reports whether proximity ranking is on (the default).
func (sc *Scenario) ProximityOn() bool { return sc.Proximity == nil || *sc.Proximity }

// SetProximity turns proximity ranking on or off.
func (sc *Scenario) SetProximity(on bool) { sc.Proximity = &on }

const (
	maxASes  = 200
	maxPeers = 500
	maxSize  = 4 << 30
)

// Validate checks ranges and fills in defaults.
func (sc *Scenario) Validate() error {
	if sc.Name == "" {
		sc.Name = "scenario"
	}
	if sc.FileSize <= 0 || sc.FileSize > maxSize {
		return fmt.Errorf("file_size %d: want 1 byte .. 4 GiB", sc.FileSize)
	}
	if sc.PieceLength == 0 {
		sc.PieceLength = 256 << 10
	}
	if pl := int64(sc.PieceLength); pl < 16<<10 || pl > 16<<20 || pl&(pl-1) != 0 {
		return fmt.Errorf("piece_length %d: want a power of two in 16 KiB .. 16 MiB", pl)
	}
	if sc.ASes == 0 {
		sc.ASes = 1
	}
	if sc.ASes < 1 || sc.ASes > maxASes {
		return fmt.Errorf("ases %d: want 1..%d", sc.ASes, maxASes)
	}
	if sc.Timeout == 0 {
		sc.Timeout = Duration(5 * time.Minute)
	}
	if sc.MaxConns < 0 {
		return fmt.Errorf("max_conns %d is negative", sc.MaxConns)
	}
	if sc.SeedServerMode != "" {
		if _, err := peer.ParseSeedServerMode(sc.SeedServerMode); err != nil {
			return err
		}
	}
	checkAS := func(what string, a int) error {
		if a < 1 || a > sc.ASes {
			return fmt.Errorf("%s: as %d is outside 1..%d", what, a, sc.ASes)
		}
		return nil
	}
	for i, s := range sc.Seeds {
		if err := checkAS(fmt.Sprintf("seeds[%d]", i), s.AS); err != nil {
			return err
		}
	}
	for i, s := range sc.SeedServers {
		if err := checkAS(fmt.Sprintf("seed_servers[%d]", i), s.AS); err != nil {
			return err
		}
	}
	if len(sc.Seeds)+len(sc.SeedServers) == 0 {
		return fmt.Errorf("no seeds and no seed servers: nobody has the content")
	}
	n := len(sc.Seeds)
	for i, g := range sc.Peers {
		what := fmt.Sprintf("peers[%d]", i)
		if err := checkAS(what, g.AS); err != nil {
			return err
		}
		if g.Count < 1 {
			return fmt.Errorf("%s: count %d: want at least 1", what, g.Count)
		}
		n += g.Count
		for j, c := range g.Churn {
			if c.Kill <= 0 || (c.Rejoin != 0 && c.Rejoin <= c.Kill) {
				return fmt.Errorf("%s.churn[%d]: want 0 < kill < rejoin (or no rejoin)", what, j)
			}
			if j > 0 && c.Kill <= g.Churn[j-1].Rejoin {
				return fmt.Errorf("%s.churn[%d]: kill before the previous rejoin", what, j)
			}
			if j > 0 && g.Churn[j-1].Rejoin == 0 {
				return fmt.Errorf("%s.churn[%d]: the previous event never rejoins", what, j)
			}
		}
	}
	if n > maxPeers {
		return fmt.Errorf("%d peers: at most %d", n, maxPeers)
	}
	if sc.leecherCount() == 0 {
		return fmt.Errorf("no peers to download")
	}
	for k, ms := range sc.Latency.Pairs {
		a, b, ok := parsePair(k)
		if !ok || checkAS("latency", a) != nil || checkAS("latency", b) != nil {
			return fmt.Errorf("latency pair %q: want \"A-B\" with A and B in 1..%d", k, sc.ASes)
		}
		if ms < 0 || ms > 10000 {
			return fmt.Errorf("latency pair %q: %d ms out of 0..10000", k, ms)
		}
	}
	if sc.Latency.IntraMS < 0 || sc.Latency.InterMS < 0 || sc.Latency.IntraMS > 10000 || sc.Latency.InterMS > 10000 {
		return fmt.Errorf("latency: want 0..10000 ms")
	}
	return sc.validateDHT()
}

const maxDHTNodes = 200

// validateDHT checks the DHT options and fills in the window's default.
func (sc *Scenario) validateDHT() error {
	if !sc.DHT {
		if sc.DHTNodes != 0 || len(sc.DHTRestarts) > 0 || sc.DHTWindow != 0 {
			return fmt.Errorf("dht_nodes, dht_restarts and dht_window need dht: true")
		}
		return nil
	}
	if sc.DHTNodes < 0 || sc.DHTNodes > maxDHTNodes {
		return fmt.Errorf("dht_nodes %d: want 0..%d", sc.DHTNodes, maxDHTNodes)
	}
	if sc.DHTWindow == 0 {
		sc.DHTWindow = Duration(10 * time.Second)
	}
	if sc.DHTWindow.D() < time.Second {
		return fmt.Errorf("dht_window %v: want at least 1s", sc.DHTWindow.D())
	}
	var prevEnd time.Duration
	for i, r := range sc.DHTRestarts {
		if r.At <= 0 || r.At.D() <= prevEnd {
			return fmt.Errorf("dht_restarts[%d]: at %v must be after the start and after the previous restart is up again", i, r.At.D())
		}
		prevEnd = r.At.D() + r.Down.D()
	}
	return nil
}

// dhtMinRun is how long a DHT run lasts at least: until the window after
// the start, and after the last restart, has closed.
func (sc *Scenario) dhtMinRun() time.Duration {
	if !sc.DHT {
		return 0
	}
	end := sc.DHTWindow.D()
	if n := len(sc.DHTRestarts); n > 0 {
		last := sc.DHTRestarts[n-1]
		end = max(end, last.At.D()+last.Down.D()+sc.DHTWindow.D())
	}
	return end
}

func (sc *Scenario) leecherCount() int {
	n := 0
	for _, g := range sc.Peers {
		n += g.Count
	}
	return n
}

func parsePair(k string) (int, int, bool) {
	x, y, ok := strings.Cut(strings.TrimSpace(k), "-")
	if !ok {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(x))
	b, err2 := strconv.Atoi(strings.TrimSpace(y))
	return a, b, err1 == nil && err2 == nil
}

// OneWay is the latency added to data sent from AS a to AS b (0 for
// addresses outside every AS).
func (l Latency) OneWay(a, b int) time.Duration {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a == b {
		return time.Duration(l.IntraMS) * time.Millisecond
	}
	for k, ms := range l.Pairs {
		x, y, _ := parsePair(k)
		if (x == a && y == b) || (x == b && y == a) {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return time.Duration(l.InterMS) * time.Millisecond
}
