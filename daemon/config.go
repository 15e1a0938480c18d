package daemon

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/peer/wire"
)

// Config is the daemon's resolved configuration. Build it with LoadConfig;
// the zero value is not usable.
type Config struct {
	DataDir       string        // torrent data; resume state and daemon state under DataDir/.shoal/
	Listen        string        // BitTorrent peer port
	APIListen     string        // control API, /metrics and /seed/
	SeedListen    string        // optional second listener serving /seed/ only ("" = none)
	TokenFile     string        // bearer token file (0600); default DataDir/.shoal/api-token
	WatchDir      string        // "" = no watch directory
	WatchInterval time.Duration // how often the watch directory is scanned
	LogLevel      slog.Level
	LogFormat     string // text or json
	UpRate        int64  // BitTorrent upload limit, bytes/s (0 = unlimited)
	DownRate      int64  // download limit (peers and seed servers), bytes/s
	SeedUpRate    int64  // web-seed (HTTP) upload limit, bytes/s
	MaxConns      int
	Encryption    wire.Encryption
	NoTrackers    bool
	NoPEX         bool
	SeedServers   peer.SeedServerMode
	SeedMinRate   int64 // bytes/s
	APIMaxBody    int64 // largest API request body
	SuperSeed     bool  // BEP 16 super-seeding for seeding torrents
	NoDHT         bool
	DHTBootstrap  []string // host:port; no public default
	ASNDB         string   // IP-to-ASN file for choosing nearby peers ("" = prefix only)
}

// Option describes one setting: its name is the config-file key and the
// command-line flag; Env is its environment variable.
type Option struct {
	Name    string
	Default string
	Help    string
	Bool    bool // a flag without a value
	Reload  bool // takes effect on SIGHUP; others need a restart
	set     func(c *Config, v string) error
}

// Env is the option's environment variable, SHOAL_ plus the upper-cased name.
func (o Option) Env() string {
	return "SHOAL_" + strings.ToUpper(strings.ReplaceAll(o.Name, "-", "_"))
}

// ConfigEnv names the config file when --config is not given.
const ConfigEnv = "SHOAL_CONFIG"

// DefaultDataDir is $XDG_DATA_HOME/shoal, else ~/.local/share/shoal.
func DefaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "shoal")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "shoal")
	}
	return "shoal-data"
}

// DefaultTokenFile is where the token lives for a data dir.
func DefaultTokenFile(dataDir string) string {
	return filepath.Join(dataDir, ".shoal", "api-token")
}

// DefaultAPI is the control API's default address.
const DefaultAPI = "127.0.0.1:6880"

// Options lists every setting, in the order the help shows them.
func Options() []Option {
	return []Option{
		{Name: "data-dir", Default: DefaultDataDir(), Help: "directory for torrent data, resume state and daemon state",
			set: func(c *Config, v string) error { c.DataDir = v; return nonEmpty(v) }},
		{Name: "listen", Default: ":6881", Help: "BitTorrent peer port, IP:PORT",
			set: func(c *Config, v string) error { c.Listen = v; return nonEmpty(v) }},
		{Name: "api-listen", Default: DefaultAPI, Help: "control API, /metrics and /seed/ address (loopback by default)",
			set: func(c *Config, v string) error { c.APIListen = v; return nonEmpty(v) }},
		{Name: "seed-listen", Help: "extra address serving only /seed/ (web seed), e.g. 0.0.0.0:8080; empty = none",
			set: func(c *Config, v string) error { c.SeedListen = v; return nil }},
		{Name: "token-file", Help: "API bearer token file, created 0600 on first start (default DATA-DIR/.shoal/api-token)",
			set: func(c *Config, v string) error { c.TokenFile = v; return nil }},
		{Name: "watch-dir", Reload: true, Help: "add .torrent and .magnet files dropped here; empty = off",
			set: func(c *Config, v string) error { c.WatchDir = v; return nil }},
		{Name: "watch-interval", Default: "2s", Reload: true, Help: "how often the watch directory is scanned",
			set: func(c *Config, v string) (err error) { c.WatchInterval, err = positiveDuration(v); return }},
		{Name: "log-level", Default: "info", Reload: true, Help: "debug, info, warn or error (logs go to stderr)",
			set: func(c *Config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
		{Name: "log-format", Default: "text", Help: "text or json",
			set: func(c *Config, v string) error { c.LogFormat = v; return oneOf(v, "text", "json") }},
		{Name: "up-rate", Default: "0", Help: "BitTorrent upload limit, e.g. 10MiB (0 = unlimited)",
			set: func(c *Config, v string) (err error) { c.UpRate, err = ParseSize(v); return }},
		{Name: "down-rate", Default: "0", Help: "download limit, peers and seed servers (0 = unlimited)",
			set: func(c *Config, v string) (err error) { c.DownRate, err = ParseSize(v); return }},
		{Name: "seed-up-rate", Default: "0", Reload: true, Help: "web-seed (HTTP /seed/) upload limit (0 = unlimited)",
			set: func(c *Config, v string) (err error) { c.SeedUpRate, err = ParseSize(v); return }},
		{Name: "max-conns", Default: "50", Help: "peer connections per torrent",
			set: func(c *Config, v string) (err error) { c.MaxConns, err = positiveInt(v); return }},
		{Name: "encryption", Default: "prefer", Help: "message stream encryption: prefer, require or off",
			set: func(c *Config, v string) (err error) { c.Encryption, err = wire.ParseEncryption(v); return }},
		{Name: "no-trackers", Default: "false", Bool: true, Help: "do not announce to trackers",
			set: func(c *Config, v string) (err error) { c.NoTrackers, err = strconv.ParseBool(v); return }},
		{Name: "no-pex", Default: "false", Bool: true, Help: "disable peer exchange (BEP 11)",
			set: func(c *Config, v string) (err error) { c.NoPEX, err = strconv.ParseBool(v); return }},
		{Name: "seed-servers", Default: "fallback", Help: "use other seed servers (web seeds) when downloading: off, fallback or always",
			set: func(c *Config, v string) (err error) { c.SeedServers, err = peer.ParseSeedServerMode(v); return }},
		{Name: "seed-server-min-rate", Default: "0", Help: "also use seed servers while peers deliver less than this, e.g. 1MiB",
			set: func(c *Config, v string) (err error) { c.SeedMinRate, err = ParseSize(v); return }},
		{Name: "api-max-body", Default: "24MiB", Help: "largest API request body; larger ones get 400",
			set: func(c *Config, v string) (err error) { c.APIMaxBody, err = ParseSize(v); return }},
		{Name: "super-seed", Default: "false", Bool: true, Help: "super-seed (BEP 16): offer peers a few pieces at a time so a lone seed uploads each piece about once in a flash crowd",
			set: func(c *Config, v string) (err error) { c.SuperSeed, err = strconv.ParseBool(v); return }},
		{Name: "no-dht", Default: "false", Bool: true, Help: "turn the mainline DHT off",
			set: func(c *Config, v string) (err error) { c.NoDHT, err = strconv.ParseBool(v); return }},
		{Name: "dht-bootstrap", Default: "", Help: "DHT bootstrap nodes, comma-separated host:port (no public default)",
			set: func(c *Config, v string) error { c.DHTBootstrap = splitList(v); return nil }},
		{Name: "asn-db", Default: "", Help: "IP-to-ASN database (MMDB or iptoasn TSV) for choosing nearby peers",
			set: func(c *Config, v string) error { c.ASNDB = strings.TrimSpace(v); return nil }},
	}
}

// Sources are where settings come from, lowest precedence first: defaults,
// the config file, the environment, then overrides (command-line flags).
type Sources struct {
	File      string            // config file; "" = none
	Env       []string          // KEY=VALUE pairs, usually os.Environ()
	Overrides map[string]string // option name → value
}

// LoadConfig resolves a Config. Errors name the source and the option.
func LoadConfig(src Sources) (Config, error) {
	opts := Options()
	byName := map[string]Option{}
	var c Config
	for _, o := range opts {
		byName[o.Name] = o
		if err := o.set(&c, o.Default); err != nil && o.Default != "" {
			return Config{}, fmt.Errorf("default %s=%q: %w", o.Name, o.Default, err)
		}
	}
	apply := func(where, name, v string) error {
		o, ok := byName[name]
		if !ok {
			return fmt.Errorf("%s: unknown option %q", where, name)
		}
		if err := o.set(&c, v); err != nil {
			return fmt.Errorf("%s: %s=%q: %w", where, name, v, err)
		}
		return nil
	}
	if src.File != "" {
		kv, err := readConfigFile(src.File)
		if err != nil {
			return Config{}, err
		}
		for _, p := range kv {
			if err := apply(fmt.Sprintf("%s:%d", src.File, p.line), p.key, p.val); err != nil {
				return Config{}, err
			}
		}
	}
	env := map[string]string{}
	for _, e := range src.Env {
		if k, v, ok := strings.Cut(e, "="); ok {
			env[k] = v
		}
	}
	for _, o := range opts {
		if v, ok := env[o.Env()]; ok {
			if err := apply("environment "+o.Env(), o.Name, v); err != nil {
				return Config{}, err
			}
		}
	}
	for _, o := range opts { // in a fixed order, for stable errors
		if v, ok := src.Overrides[o.Name]; ok {
			if err := apply("--"+o.Name, o.Name, v); err != nil {
				return Config{}, err
			}
		}
	}
	for k := range src.Overrides {
		if _, ok := byName[k]; !ok {
			return Config{}, fmt.Errorf("unknown option %q", k)
		}
	}
	if c.TokenFile == "" {
		c.TokenFile = DefaultTokenFile(c.DataDir)
	}
	return c, nil
}

type kvLine struct {
	line     int
	key, val string
}

// readConfigFile reads "key = value" lines; '#' starts a comment line;
// values may be wrapped in double quotes.
func readConfigFile(path string) ([]kvLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	var out []kvLine
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want key = value, got %q", path, n, line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			uq, err := strconv.Unquote(v)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad quoted value %s", path, n, v)
			}
			v = uq
		}
		out = append(out, kvLine{n, k, v})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return out, nil
}

// ParseSize reads "16384", "256K", "256KiB", "4M", "4MB", "1G", "1GiB"
// (binary units; an optional "/s"). The empty string is 0.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') && s[i-1] != '.' {
		i--
	}
	unit := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s[i:])), "/s")
	mult, ok := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}[unit]
	v, err := strconv.ParseFloat(s[:i], 64)
	if !ok || err != nil || v < 0 {
		return 0, fmt.Errorf("not a size (want e.g. 512KiB, 10MiB)")
	}
	return int64(v * mult), nil
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(allowed, ", "))
}

func positiveDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 2s")
	}
	return d, nil
}

func positiveInt(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive integer")
	}
	return n, nil
}

// splitList reads a comma-separated list, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
