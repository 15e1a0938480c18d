package interop

// Helpers that start, watch and stop the programs the tests run. Every
// process is started by us, killed by its own PID in t.Cleanup, and has
// Pdeathsig set so it cannot outlive the test binary.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Payload shape: a few MiB with a short last piece.
const (
	payloadSize = 6<<20 + 12345
	pieceLength = 256 << 10
)

// setup skips the test when the suite cannot run here or a program is missing.
func setup(t *testing.T, tools ...string) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs it): %v", tool, err)
		}
	}
}

var lastPort atomic.Int32

// newPort hands out a port no other test in this namespace uses.
func newPort() int { return 20000 + int(lastPort.Add(1)) }

func hostPort(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }

// proc is one running program.
type proc struct {
	t       *testing.T
	name    string
	cmd     *exec.Cmd
	logs    []string // files holding its stdout and stderr
	stopSig os.Signal
	done    chan struct{}
	err     error // valid once done is closed
}

// startProc starts argv with stdout and stderr in files under dir. The
// process is stopped in t.Cleanup (stopSig, then SIGKILL after a grace
// period) and, if the test failed, its output is logged.
func startProc(t *testing.T, dir, name string, argv ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, stopSig: syscall.SIGTERM, done: make(chan struct{})}
	outPath, errPath := filepath.Join(dir, name+".stdout"), filepath.Join(dir, name+".stderr")
	stdout, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	p.logs = []string{outPath, errPath}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = stdout, stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Logf("started %s (pid %d): %s", name, p.cmd.Process.Pid, strings.Join(argv, " "))
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(5 * time.Second)
		if t.Failed() {
			p.dumpLogs()
		}
	})
	return p
}

// stop signals the process by its PID, kills it if it has not exited after
// grace, and waits for it. It returns the process's exit error.
func (p *proc) stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(p.stopSig)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.t.Logf("%s (pid %d) did not stop within %v of %v; killing it", p.name, p.cmd.Process.Pid, grace, p.stopSig)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

// wait waits for the process to exit on its own, until ctx is done.
func (p *proc) wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("%s (pid %d) still running: %w", p.name, p.cmd.Process.Pid, ctx.Err())
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// output returns what the process wrote to stdout (0) or stderr (1) so far.
func (p *proc) output(i int) string {
	b, _ := os.ReadFile(p.logs[i])
	return string(b)
}

func (p *proc) dumpLogs() {
	const max = 24 << 10
	for _, path := range p.logs {
		b, err := os.ReadFile(path)
		if err != nil || len(b) == 0 {
			continue
		}
		if len(b) > max {
			b = append([]byte("…\n"), b[len(b)-max:]...)
		}
		p.t.Logf("──── %s (%s) ────\n%s", p.name, filepath.Base(path), b)
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// run runs a short command to completion and returns its stdout.
func run(t *testing.T, timeout time.Duration, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := runCtx(ctx, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func runCtx(ctx context.Context, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...) // killed by PID when ctx ends
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %v\nstdout: %s\nstderr: %s", strings.Join(argv, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String(), nil
}

// poll calls f every interval until it returns true or ctx ends.
func poll(ctx context.Context, interval time.Duration, f func() bool) error {
	for {
		if f() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// waitListening waits until addr accepts TCP connections.
func waitListening(ctx context.Context, addr string) error {
	var lastErr error
	err := poll(ctx, 100*time.Millisecond, func() bool {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err != nil {
			lastErr = err
			return false
		}
		c.Close()
		return true
	})
	if err != nil {
		return fmt.Errorf("%s not accepting connections: %v (last: %v)", addr, err, lastErr)
	}
	return nil
}

// ── payloads and torrents ──────────────────────────────────────────────────

// writePayload writes size pseudo-random bytes (fixed by seed) to path.
func writePayload(t *testing.T, path string, size int, seed uint64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x5ea1))
	b := make([]byte, size)
	for i := 0; i+8 <= len(b); i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := len(b) &^ 7; i < len(b); i++ {
		b[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// requireSameFile fails unless got is byte-identical to want.
func requireSameFile(t *testing.T, want, got string) {
	t.Helper()
	wb, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := os.ReadFile(got)
	if err != nil {
		t.Fatalf("downloaded file: %v", err)
	}
	if !bytes.Equal(wb, gb) {
		t.Fatalf("%s differs from the original %s (%d vs %d bytes, first difference at %d)", got, want, len(gb), len(wb), firstDiff(wb, gb))
	}
}

// waitSameFile waits (until ctx ends) for got to become identical to want:
// some clients report completion before their cache reaches the disk.
func waitSameFile(ctx context.Context, t *testing.T, want, got string) {
	t.Helper()
	wantSum, err := fileSHA256(want)
	if err != nil {
		t.Fatal(err)
	}
	if poll(ctx, 250*time.Millisecond, func() bool {
		s, err := fileSHA256(got)
		return err == nil && s == wantSum
	}) != nil {
		requireSameFile(t, want, got)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// shoalCreate makes a .torrent with `shoal create` and returns its info hash.
func shoalCreate(t *testing.T, path, out string, args ...string) string {
	t.Helper()
	argv := append([]string{shoalBin, "create", path, "-o", out, "--no-progress", "--piece-length", "256KiB"}, args...)
	stdout := run(t, time.Minute, argv...)
	m := regexp.MustCompile(`info hash ([0-9a-f]{40})`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("shoal create printed no info hash:\n%s", stdout)
	}
	return checkInfoHash(t, out, m[1])
}

// mktorrent makes a .torrent with mktorrent (256 KiB pieces) and returns its
// info hash.
func mktorrent(t *testing.T, path, out string, args ...string) string {
	t.Helper()
	argv := append([]string{"mktorrent", "-l", "18", "-o", out}, args...)
	run(t, time.Minute, append(argv, path)...)
	return checkInfoHash(t, out, "")
}

// torrentInfo is the part of `shoal info --json` the tests use.
type torrentInfo struct {
	InfoHash    string     `json:"info_hash"`
	Name        string     `json:"name"`
	Magnet      string     `json:"magnet"`
	TotalLength int64      `json:"total_length"`
	PieceLength int64      `json:"piece_length"`
	Trackers    [][]string `json:"trackers"`
}

func shoalInfo(t *testing.T, torrent string) torrentInfo {
	t.Helper()
	var ti torrentInfo
	out := run(t, 30*time.Second, shoalBin, "info", torrent, "--json")
	if err := json.Unmarshal([]byte(out), &ti); err != nil {
		t.Fatalf("shoal info --json: %v\n%s", err, out)
	}
	return ti
}

// checkInfoHash cross-checks a .torrent's info hash between `shoal info` and
// transmission-show (and want, if set), and returns it.
func checkInfoHash(t *testing.T, torrent, want string) string {
	t.Helper()
	ti := shoalInfo(t, torrent)
	show := run(t, 30*time.Second, "transmission-show", torrent)
	m := regexp.MustCompile(`(?m)^\s*Hash:\s*([0-9a-f]{40})\s*$`).FindStringSubmatch(show)
	if m == nil {
		t.Fatalf("transmission-show printed no hash:\n%s", show)
	}
	if ti.InfoHash != m[1] {
		t.Fatalf("info hash of %s: shoal info says %s, transmission-show says %s", torrent, ti.InfoHash, m[1])
	}
	if want != "" && want != ti.InfoHash {
		t.Fatalf("info hash of %s: shoal create printed %s, shoal info says %s", torrent, want, ti.InfoHash)
	}
	if ti.PieceLength != pieceLength {
		t.Fatalf("%s: piece length %d, want %d", torrent, ti.PieceLength, pieceLength)
	}
	return ti.InfoHash
}

// magnetFor builds a magnet link for ih with the given trackers.
func magnetFor(ih, name string, trackers ...string) string {
	v := url.Values{}
	v.Set("dn", name)
	for _, tr := range trackers {
		v.Add("tr", tr)
	}
	return "magnet:?xt=urn:btih:" + ih + "&" + v.Encode()
}

// ── opentracker ────────────────────────────────────────────────────────────

// tracker is an opentracker serving HTTP and UDP on one port of ipTracker.
type tracker struct {
	port int
	dir  string // its chroot, holding the whitelist
}

func newTracker(t *testing.T) *tracker {
	dir := filepath.Join(t.TempDir(), "opentracker")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &tracker{port: newPort(), dir: dir}
}

func (tr *tracker) httpURL() string {
	return fmt.Sprintf("http://%s/announce", hostPort(ipTracker, tr.port))
}
func (tr *tracker) udpURL() string {
	return fmt.Sprintf("udp://%s/announce", hostPort(ipTracker, tr.port))
}

// start runs opentracker with a whitelist of the given info hashes and
// waits until it accepts connections.
func (tr *tracker) start(t *testing.T, logDir string, infoHashes ...string) {
	t.Helper()
	list := strings.Join(infoHashes, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(tr.dir, "whitelist.txt"), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	// opentracker chroots here and drops to nobody, who must read the list.
	if err := os.Chmod(tr.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(tr.port)
	startProc(t, logDir, "opentracker", "opentracker", "-i", ipTracker, "-p", port, "-P", port,
		"-d", tr.dir, "-u", "nobody", "-w", "whitelist.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := waitListening(ctx, hostPort(ipTracker, tr.port)); err != nil {
		t.Fatal("opentracker:", err)
	}
}

var trackerHTTP = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 5 * time.Second}

// scrape asks the tracker how many seeds and leechers it knows for ih.
func (tr *tracker) scrape(ih string) (complete, incomplete int, err error) {
	raw, err := hex.DecodeString(ih)
	if err != nil {
		return 0, 0, err
	}
	u := fmt.Sprintf("http://%s/scrape?info_hash=%s", hostPort(ipTracker, tr.port), url.QueryEscape(string(raw)))
	resp, err := trackerHTTP.Get(u)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return 0, 0, err
	}
	c := regexp.MustCompile(`8:completei(\d+)e`).FindSubmatch(body.Bytes())
	ic := regexp.MustCompile(`10:incompletei(\d+)e`).FindSubmatch(body.Bytes())
	if c == nil || ic == nil {
		return 0, 0, fmt.Errorf("scrape response %q", body.Bytes())
	}
	complete, _ = strconv.Atoi(string(c[1]))
	incomplete, _ = strconv.Atoi(string(ic[1]))
	return complete, incomplete, nil
}

// waitSeeds waits until the tracker knows at least n seeds of ih.
func (tr *tracker) waitSeeds(ctx context.Context, t *testing.T, ih string, n int) {
	t.Helper()
	var c, ic int
	var err error
	if poll(ctx, 200*time.Millisecond, func() bool {
		c, ic, err = tr.scrape(ih)
		return err == nil && c >= n
	}) != nil {
		t.Fatalf("tracker never saw %d seed(s) of %s: complete=%d incomplete=%d err=%v", n, ih, c, ic, err)
	}
	t.Logf("tracker: %s has %d seed(s), %d leecher(s)", ih, c, ic)
}

// ── shoal ──────────────────────────────────────────────────────────────────

// startShoalSeed runs `shoal seed` until the test ends.
func startShoalSeed(t *testing.T, logDir, name, torrent, data, listen string, extra ...string) *proc {
	t.Helper()
	argv := append([]string{shoalBin, "seed", torrent, data, "--listen", listen, "--log-level", "debug"}, extra...)
	p := startProc(t, logDir, name, argv...)
	p.stopSig = syscall.SIGINT
	return p
}

// startShoalGet runs `shoal get --json`.
func startShoalGet(t *testing.T, logDir, name, src, outDir, listen string, extra ...string) *proc {
	t.Helper()
	argv := append([]string{shoalBin, "get", src, "-d", outDir, "--listen", listen, "--json", "--log-level", "debug"}, extra...)
	p := startProc(t, logDir, name, argv...)
	p.stopSig = syscall.SIGINT
	return p
}

// jsonEvent is the part of a `shoal get --json` line the tests read.
type jsonEvent struct {
	Event     string  `json:"event"`
	InfoHash  string  `json:"info_hash"`
	Progress  float64 `json:"progress"`
	Completed int64   `json:"completed_bytes"`
	Total     int64   `json:"total_bytes"`
	FromPeers int64   `json:"bytes_from_peers"`
	Error     string  `json:"error"`
}

// waitShoalGet waits for a `shoal get --json` to exit 0, then checks that
// it reported completion of the whole torrent ih.
func waitShoalGet(ctx context.Context, t *testing.T, p *proc, ih string, size int64) {
	t.Helper()
	if err := p.wait(ctx); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	var events []jsonEvent
	sc := bufio.NewScanner(strings.NewReader(p.output(0)))
	for sc.Scan() {
		var ev jsonEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%s: stdout line is not JSON: %q: %v", p.name, sc.Text(), err)
		}
		events = append(events, ev)
	}
	var complete, finished *jsonEvent
	for i := range events {
		switch events[i].Event {
		case "complete":
			complete = &events[i]
		case "finished":
			finished = &events[i]
		}
	}
	switch {
	case complete == nil || finished == nil:
		t.Fatalf("%s exited 0 without both a complete and a finished event: %+v", p.name, events)
	case complete.InfoHash != ih || complete.Progress != 1 || complete.Completed != size || complete.Total != size:
		t.Fatalf("%s: complete event %+v, want info hash %s and %d of %d bytes", p.name, *complete, ih, size, size)
	case complete.FromPeers < size:
		t.Fatalf("%s: complete event says only %d bytes came from peers, want ≥ %d", p.name, complete.FromPeers, size)
	}
}

// stopShoal interrupts a long-running `shoal` command (seed, dht), which
// must exit 0 without a race or panic.
func stopShoal(t *testing.T, p *proc) {
	t.Helper()
	if p.exited() {
		t.Fatalf("%s exited early: %v", p.name, p.err)
	}
	if err := p.stop(15 * time.Second); err != nil {
		t.Fatalf("%s: SIGINT: %v (want exit 0)", p.name, err)
	}
	if s := p.output(1); strings.Contains(s, "DATA RACE") || strings.Contains(s, "panic:") {
		t.Fatalf("%s reported a data race or panic", p.name)
	}
}

// ── aria2c ─────────────────────────────────────────────────────────────────

// aria2Common keeps aria2c to what the test gives it: no DHT, LPD, PEX or
// IPv6; bound to ip; logging to logFile.
func aria2Common(ip string, port int, logFile string) []string {
	return []string{
		"aria2c", "--no-conf=true", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
		"--enable-peer-exchange=false", "--disable-ipv6=true", "--file-allocation=none",
		"--summary-interval=0", "--auto-file-renaming=false", "--allow-overwrite=true",
		"--bt-save-metadata=false", "--no-netrc=true", "--enable-rpc=false",
		"--interface=" + ip, "--listen-port=" + strconv.Itoa(port),
		"--stop-with-process=" + strconv.Itoa(os.Getpid()),
		"--log=" + logFile, "--log-level=info", "--console-log-level=notice",
	}
}

// startAria2Seed seeds torrent from dataDir until the test ends.
func startAria2Seed(t *testing.T, logDir, torrent, dataDir string, port int) *proc {
	t.Helper()
	argv := append(aria2Common(ipAria2, port, filepath.Join(logDir, "aria2c-seed.log")),
		"--dir="+dataDir, "--check-integrity=true", "--seed-ratio=0.0", torrent)
	p := startProc(t, logDir, "aria2c-seed", argv...)
	p.logs = append(p.logs, filepath.Join(logDir, "aria2c-seed.log"))
	return p
}

// startAria2Get downloads src (a .torrent or magnet) into outDir; aria2c
// exits 0 when done.
func startAria2Get(t *testing.T, logDir, src, outDir string, port int) *proc {
	t.Helper()
	argv := append(aria2Common(ipAria2, port, filepath.Join(logDir, "aria2c-get.log")),
		"--dir="+outDir, "--seed-time=0", src)
	p := startProc(t, logDir, "aria2c-get", argv...)
	p.logs = append(p.logs, filepath.Join(logDir, "aria2c-get.log"))
	return p
}

// aria2Verified waits until aria2c's log says it checked its data and
// listens for peers: only then does it hand out a full bitfield.
func aria2Verified(ctx context.Context, t *testing.T, p *proc) {
	t.Helper()
	if poll(ctx, 100*time.Millisecond, func() bool {
		b, _ := os.ReadFile(p.logs[2])
		return bytes.Contains(b, []byte("Verification finished successfully")) &&
			bytes.Contains(b, []byte("BitTorrent: listening on TCP port")) || p.exited()
	}) != nil || p.exited() {
		t.Fatalf("aria2c never finished checking its data (exited: %v)", p.exited())
	}
}

// ── Transmission ───────────────────────────────────────────────────────────

type transmission struct {
	rpcPort, peerPort int
	p                 *proc
}

// startTransmission runs transmission-daemon with its own config dir under
// dir, peers on ipTransmission, RPC on 127.0.0.1, and downloads in dlDir.
func startTransmission(t *testing.T, dir, dlDir string, startAdded bool) *transmission {
	t.Helper()
	tr := &transmission{rpcPort: newPort(), peerPort: newPort()}
	cfg := filepath.Join(dir, "transmission-config")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	settings := map[string]any{
		"bind-address-ipv4":              ipTransmission,
		"bind-address-ipv6":              "::1",
		"peer-port":                      tr.peerPort,
		"peer-port-random-on-start":      false,
		"dht-enabled":                    false,
		"lpd-enabled":                    false,
		"pex-enabled":                    false,
		"utp-enabled":                    false,
		"port-forwarding-enabled":        false,
		"blocklist-enabled":              false,
		"encryption":                     1, // prefer plaintext, accept both
		"rpc-enabled":                    true,
		"rpc-bind-address":               "127.0.0.1",
		"rpc-port":                       tr.rpcPort,
		"rpc-authentication-required":    false,
		"rpc-whitelist-enabled":          true,
		"rpc-whitelist":                  "127.0.0.1",
		"rpc-host-whitelist-enabled":     false,
		"download-dir":                   dlDir,
		"incomplete-dir-enabled":         false,
		"rename-partial-files":           false,
		"watch-dir-enabled":              false,
		"ratio-limit-enabled":            false,
		"idle-seeding-limit-enabled":     false,
		"start-added-torrents":           startAdded,
		"download-queue-enabled":         false,
		"seed-queue-enabled":             false,
		"queue-stalled-enabled":          false,
		"speed-limit-up-enabled":         false,
		"speed-limit-down-enabled":       false,
		"alt-speed-enabled":              false,
		"scrape-paused-torrents-enabled": false,
		"message-level":                  2,
	}
	b, _ := json.MarshalIndent(settings, "", "  ")
	if err := os.WriteFile(filepath.Join(cfg, "settings.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	tr.p = startProc(t, dir, "transmission-daemon", "transmission-daemon", "-f", "-g", cfg, "--log-info")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lastErr error
	if poll(ctx, 250*time.Millisecond, func() bool {
		_, lastErr = tr.remoteCtx(ctx, "-l")
		return lastErr == nil || tr.p.exited()
	}) != nil || tr.p.exited() {
		t.Fatalf("transmission-daemon RPC never came up (exited: %v): %v", tr.p.exited(), lastErr)
	}
	return tr
}

func (tr *transmission) remoteCtx(ctx context.Context, args ...string) (string, error) {
	return runCtx(ctx, append([]string{"transmission-remote", hostPort("127.0.0.1", tr.rpcPort)}, args...)...)
}

func (tr *transmission) remote(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := tr.remoteCtx(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// info returns `-t 1 -i` for the one torrent the daemon has.
func (tr *transmission) info(ctx context.Context) string {
	out, _ := tr.remoteCtx(ctx, "-t", "1", "-i")
	return out
}

var (
	reTrPercent = regexp.MustCompile(`(?m)^\s*Percent Done:\s*(\S+)`)
	reTrState   = regexp.MustCompile(`(?m)^\s*State:\s*(.+?)\s*$`)
)

// waitDone waits until torrent 1 is 100% done and not being verified.
func (tr *transmission) waitDone(ctx context.Context, t *testing.T, what string) {
	t.Helper()
	var last string
	err := poll(ctx, 500*time.Millisecond, func() bool {
		last = tr.info(ctx)
		p, s := reTrPercent.FindStringSubmatch(last), reTrState.FindStringSubmatch(last)
		return p != nil && s != nil && p[1] == "100%" && !strings.Contains(s[1], "Verify") || tr.p.exited()
	})
	if err != nil || tr.p.exited() {
		t.Fatalf("transmission: %s: not 100%% done (%v, exited %v); last status:\n%s", what, err, tr.p.exited(), last)
	}
}
