package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/shoal-p2p/shoal/peer"
)

// Interop with real programs from Debian packages (make deps installs
// them): nginx as a seed server for shoal, and aria2c using shoal daemon
// as its web seed. Both on 127.0.0.1 only, with no peers at all.

func needTool(t testing.TB, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real programs; skipped with -short")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs it): %v", tool, err)
		}
	}
}

// startNginx serves root on a loopback port with everything nginx writes
// kept in its own directory; it is stopped by PID at cleanup.
func startNginx(t testing.TB, root string) string {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	user := ""
	if os.Getuid() == 0 {
		user = "user root;" // workers must read the test's private temp dirs
	}
	conf := fmt.Sprintf(`%s
worker_processes 2;
error_log %[2]s/error.log warn;
events { worker_connections 256; }
http {
	access_log %[2]s/access.log;
	client_body_temp_path %[2]s/body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	default_type application/octet-stream;
	server {
		listen %[3]s;
		root %[4]s;
	}
}
`, user, dir, addr, root)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startChild(t, "nginx", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"),
		"-g", "daemon off; pid "+filepath.Join(dir, "nginx.pid")+";")
	waitFor(t, 10*time.Second, "nginx listening", func() bool {
		select {
		case <-c.done:
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s\n%s", c.out.String(), b)
		default:
		}
		code, _ := getStatus("http://" + addr + "/")
		return code != 0
	})
	return "http://" + addr + "/"
}

// With no peers at all, a torrent downloads entirely from nginx.
func TestDownloadFromNginx(t *testing.T) {
	needTool(t, "nginx")
	src := t.TempDir()
	makePayload(t, src, "tree/one.bin", 2<<20+17, 64<<10)
	makePayload(t, src, "tree/two words.bin", 3<<20+5, 64<<10)
	_, mi := createTorrent(t, filepath.Join(src, "tree"), 64<<10)
	mi.UrlList = []string{startNginx(t, src)}
	cl := leecher(t)
	lt, err := cl.Add(context.Background(), mi, peer.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := lt.Wait(ctx); err != nil {
		t.Fatalf("download from nginx: %v %+v", err, lt.Stats().SeedServers)
	}
	s := lt.Stats()
	if s.FromSeeds < s.TotalLength || s.FromPeers != 0 {
		t.Fatalf("bytes by source: seed servers %d, peers %d, size %d", s.FromSeeds, s.FromPeers, s.TotalLength)
	}
	for _, f := range s.Files {
		sameFile(t, filepath.Join(src, f.Path), filepath.Join(lt.DataDir(), f.Path))
	}
}

// aria2c downloads a torrent whose only source is shoal daemon's web seed.
func TestAria2cFromDaemonWebSeed(t *testing.T) {
	needTool(t, "aria2c")
	td, dir, smi, mmi := seedDaemon(t, nil)
	for _, mi := range []*metainfo.MetaInfo{smi, mmi} {
		c := *mi
		c.UrlList = []string{td.base + "/seed/"}
		tf := filepath.Join(t.TempDir(), "x.torrent")
		f, err := os.Create(tf)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Write(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "aria2c", append(aria2Flags(), "--dir="+out,
			"--listen-port="+strconv.Itoa(freePortNum(t)), "--seed-time=0", tf)...)
		b, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("aria2c: %v\n%s", err, b)
		}
		info, _ := c.UnmarshalInfo()
		for _, fi := range info.UpvertedFiles() {
			rel := filepath.Join(append([]string{info.BestName()}, fi.BestPath()...)...)
			if len(info.Files) == 0 {
				rel = info.BestName()
			}
			sameFile(t, filepath.Join(dir, rel), filepath.Join(out, rel))
		}
	}
	if g := td.Stats(); g.WebSeedBytes < 3<<20 {
		t.Fatalf("the daemon's web seed sent only %d bytes", g.WebSeedBytes)
	}
}

// aria2Flags turn off everything that could reach beyond loopback
// (../shared/interop/NOTES.md).
func aria2Flags() []string {
	return []string{"--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
		"--enable-peer-exchange=false", "--disable-ipv6=true", "--file-allocation=none", "--summary-interval=0",
		"--auto-file-renaming=false", "--allow-overwrite=true", "--bt-save-metadata=false", "--no-netrc=true",
		"--console-log-level=warn", "--interface=127.0.0.1"}
}

func freePortNum(t testing.TB) int {
	_, p, _ := cutPort(freeAddr(t))
	return p
}

func cutPort(addr string) (string, int, error) {
	i := len(addr) - 1
	for i >= 0 && addr[i] != ':' {
		i--
	}
	p, err := strconv.Atoi(addr[i+1:])
	return addr[:i], p, err
}
