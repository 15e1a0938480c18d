package daemon

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Precedence: default < file < environment < flags; every option has all three.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "daemon.conf")
	conf := "# comment\n\ndata-dir = " + dir + "\nup-rate = 1MiB\nwatch-dir = \"/tmp/w w\"\nlog-level=debug\nno-pex = true\n"
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(Sources{File: file,
		Env:       []string{"SHOAL_UP_RATE=2MiB", "SHOAL_WATCH_INTERVAL=5s", "UNRELATED=x"},
		Overrides: map[string]string{"watch-interval": "7s"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.UpRate != 2<<20 || c.WatchInterval != 7*time.Second || c.WatchDir != "/tmp/w w" || c.LogLevel != slog.LevelDebug ||
		!c.NoPEX || c.DataDir != dir || c.APIListen != DefaultAPI || c.TokenFile != DefaultTokenFile(dir) {
		t.Fatalf("config %+v", c)
	}
	for _, o := range Options() {
		if !strings.HasPrefix(o.Env(), "SHOAL_") || o.Help == "" {
			t.Errorf("option %s: env %s help %q", o.Name, o.Env(), o.Help)
		}
		if _, err := LoadConfig(Sources{Env: []string{o.Env() + "=" + o.Default}}); err != nil && o.Default != "" {
			t.Errorf("option %s: its default via %s: %v", o.Name, o.Env(), err)
		}
	}
}

func TestConfigErrorsNameTheSource(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.conf")
	for _, tc := range []struct {
		src  Sources
		want string
	}{
		{Sources{Overrides: map[string]string{"up-rate": "fast"}}, "--up-rate"},
		{Sources{Env: []string{"SHOAL_MAX_CONNS=-1"}}, "SHOAL_MAX_CONNS"},
		{Sources{Overrides: map[string]string{"log-format": "xml"}}, "log-format"},
		{Sources{File: file, Overrides: nil}, "bad.conf:2"},
		{Sources{File: filepath.Join(dir, "missing.conf")}, "config file"},
	} {
		if err := os.WriteFile(file, []byte("listen = :1\nno such line\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want it to mention %q", tc.src, err, tc.want)
		}
	}
	if err := os.WriteFile(file, []byte("colour = blue\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(Sources{File: file}); err == nil || !strings.Contains(err.Error(), `unknown option "colour"`) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "0": 0, "16384": 16384, "256K": 256 << 10, "4MiB": 4 << 20,
		"1.5M": 3 << 19, "1GiB/s": 1 << 30} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "-1", "3 parsecs"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}
