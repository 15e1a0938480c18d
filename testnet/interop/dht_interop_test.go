package interop

// Real clients through the mainline DHT (issue 4): aria2c, with its DHT on
// and its entry point set to a shoal DHT node, seeds a tracker-less torrent
// that `shoal get` finds by DHT alone from a magnet link; and aria2c finds a
// `shoal seed` by DHT alone. No tracker, PEX, LPD or --peer anywhere: the
// DHT is the only way the two programs can learn of each other.

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Addresses only the DHT tests use, so that their DHT nodes and peers are
// the only ones on them.
const (
	ipShoalDHT    = "10.77.0.7" // the standalone `shoal dht` nodes
	ipAria2DHT    = "10.77.0.8" // aria2c seeding with its DHT on
	ipAria2DHTGet = "10.77.0.9" // aria2c downloading with its DHT on
)

// startShoalDHT runs `shoal dht` on addr, printing its stats every second,
// and waits until it says it is listening.
func startShoalDHT(t *testing.T, logDir, name, addr string, bootstrap ...string) *proc {
	t.Helper()
	argv := []string{shoalBin, "dht", "--listen", addr, "--interval", "1s"}
	if len(bootstrap) > 0 {
		argv = append(argv, "--bootstrap", strings.Join(bootstrap, ","))
	}
	p := startProc(t, logDir, name, argv...)
	p.stopSig = syscall.SIGINT
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if poll(ctx, 50*time.Millisecond, func() bool {
		return strings.Contains(p.output(0), "listening on "+addr) || p.exited()
	}) != nil || p.exited() {
		t.Fatalf("%s never said it listens on %s (exited: %v)", name, addr, p.exited())
	}
	return p
}

var reDHTStored = regexp.MustCompile(`stored (\d+) info hashes, (\d+) peers`)

// dhtStored returns the peer count of the last stats line a `shoal dht`
// printed (-1 before the first).
func dhtStored(p *proc) int {
	m := reDHTStored.FindAllStringSubmatch(p.output(0), -1)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[len(m)-1][2])
	return n
}

// waitDHTStored waits until the `shoal dht` node p stores at least n
// announced peers.
func waitDHTStored(ctx context.Context, t *testing.T, p *proc, n int, why string) {
	t.Helper()
	if poll(ctx, 250*time.Millisecond, func() bool { return dhtStored(p) >= n || p.exited() }) != nil || p.exited() {
		t.Fatalf("%s: %s stores %d peer(s), want ≥ %d (exited: %v)", why, p.name, dhtStored(p), n, p.exited())
	}
	t.Logf("%s: %s stores %d peer(s)", why, p.name, dhtStored(p))
}

// aria2DHT is aria2Common with aria2c's IPv4 DHT on: it listens on dhtPort
// of ip (aria2c binds its DHT socket to --interface), its only entry point
// is entry, and its routing table file is a fresh one in dir, so it never
// loads saved contacts. IPv6 DHT, LPD and PEX stay off; the log is at debug
// level so that failures show every KRPC message.
func aria2DHT(t *testing.T, dir, name, ip string, port, dhtPort int, entry string) (argv []string, logFile string) {
	t.Helper()
	logFile = filepath.Join(dir, name+".log")
	datFile := filepath.Join(dir, name+"-dht.dat")
	if _, err := os.Stat(datFile); err == nil {
		t.Fatalf("%s already exists: aria2c must start with an empty routing table", datFile)
	}
	for _, a := range aria2Common(ip, port, logFile) {
		switch a {
		case "--enable-dht=false":
			a = "--enable-dht=true"
		case "--log-level=info":
			a = "--log-level=debug"
		}
		argv = append(argv, a)
	}
	argv = append(argv,
		"--dht-listen-port="+strconv.Itoa(dhtPort),
		"--dht-entry-point="+entry,
		"--dht-file-path="+datFile)
	for _, a := range argv {
		if strings.Contains(a, "tracker") {
			t.Fatalf("aria2c DHT argv has a tracker option %q", a)
		}
	}
	return argv, logFile
}

// waitLog waits until the file path has a line matching re.
func waitLog(ctx context.Context, t *testing.T, p *proc, path string, re *regexp.Regexp, what string) string {
	t.Helper()
	var line string
	if poll(ctx, 200*time.Millisecond, func() bool {
		b, _ := os.ReadFile(path)
		line = re.FindString(string(b))
		return line != "" || p.exited()
	}) != nil || line == "" {
		t.Fatalf("%s: no line matching %q in %s (exited: %v)", what, re, filepath.Base(path), p.exited())
	}
	return line
}

// trackerless builds a magnet link that names only the info hash (and a
// display name): no tr= parameter, so the DHT is the only way to peers.
func trackerless(t *testing.T, ih, name string) string {
	t.Helper()
	m := magnetFor(ih, name)
	if strings.Contains(m, "tr=") || !strings.HasPrefix(m, "magnet:?xt=urn:btih:"+ih) {
		t.Fatalf("magnet %q is not a tracker-less magnet for %s", m, ih)
	}
	return m
}

// TestInteropDHTShoalGetFromAria2: aria2c seeds a tracker-less torrent
// (made by mktorrent, no announce URL) with its DHT entry point set to a
// standalone `shoal dht` node, and announces itself there. `shoal get`,
// given only a tracker-less magnet and aria2c's own DHT node as its
// bootstrap, finds the shoal node through aria2c's routing table, gets
// aria2c's address from it, fetches the metadata and the data from aria2c.
func TestInteropDHTShoalGetFromAria2(t *testing.T) {
	setup(t, "aria2c", "mktorrent", "transmission-show")
	t.Parallel()
	ctx := testCtx(t, 100*time.Second)
	dir := t.TempDir()
	seedDir, orig := payload(t, dir, "dht-from-aria2.bin", 41)
	torrent := filepath.Join(dir, "x.torrent")
	ih := mktorrent(t, orig, torrent) // no -a: no tracker at all
	if ti := shoalInfo(t, torrent); len(ti.Trackers) != 0 {
		t.Fatalf("torrent made without -a has trackers %v", ti.Trackers)
	}

	dhtAddr := hostPort(ipShoalDHT, newPort())
	node := startShoalDHT(t, dir, "shoal-dht", dhtAddr)

	ariaPort, ariaDHTPort := newPort(), newPort()
	argv, ariaLog := aria2DHT(t, dir, "aria2c-seed", ipAria2DHT, ariaPort, ariaDHTPort, dhtAddr)
	argv = append(argv, "--dir="+seedDir, "--check-integrity=true", "--seed-ratio=0.0", torrent)
	seed := startProc(t, dir, "aria2c-seed", argv...)
	seed.logs = append(seed.logs, ariaLog)
	aria2Verified(ctx, t, seed)

	// aria2c's lookup for its torrent ends in an announce_peer to the shoal
	// node, which must accept it (a valid token) and store aria2c.
	reAnnounced := regexp.MustCompile(`Message received: dht response announce_peer [^\n]*Remote:` +
		regexp.QuoteMeta(ipShoalDHT) + `\(` + strings.Split(dhtAddr, ":")[1] + `\)`)
	waitLog(ctx, t, seed, ariaLog, reAnnounced, "aria2c announcing to the shoal DHT node")
	waitDHTStored(ctx, t, node, 1, "after aria2c's announce")

	out := filepath.Join(dir, "out")
	get := startShoalGet(t, dir, "shoal-get", trackerless(t, ih, filepath.Base(orig)), out,
		hostPort(ipShoalGet, newPort()), "--no-trackers", "--no-pex",
		"--dht-bootstrap", hostPort(ipAria2DHT, ariaDHTPort))
	waitShoalGet(ctx, t, get, ih, payloadSize)
	requireSameFile(t, orig, filepath.Join(out, filepath.Base(orig)))

	// The seed was found by the DHT: the engine logs the peer's source.
	ariaPeer := hostPort(ipAria2DHT, ariaPort)
	var viaDHT bool
	for _, l := range strings.Split(get.output(1), "\n") {
		if strings.Contains(l, `msg="peer connected"`) && strings.Contains(l, "addr="+ariaPeer) {
			if !strings.Contains(l, "source=dht") {
				t.Fatalf("shoal get reached aria2c other than by the DHT: %s", l)
			}
			viaDHT = true
		}
	}
	if !viaDHT {
		t.Fatalf("shoal get never logged a DHT-sourced connection to aria2c at %s:\n%s", ariaPeer, grepLines(get.output(1), "peer connected"))
	}
	// aria2c answered shoal get's DHT node too (shoal's KRPC as aria2c sees it).
	reFromGet := regexp.MustCompile(`Message received: dht query \w+ [^\n]*Remote:` + regexp.QuoteMeta(ipShoalGet) + `\(`)
	if b, _ := os.ReadFile(ariaLog); !reFromGet.Match(b) {
		t.Fatalf("aria2c's log shows no DHT query from shoal get's node at %s", ipShoalGet)
	}
	stopShoal(t, node)
	if seed.exited() {
		t.Fatalf("aria2c seed exited early: %v", seed.err)
	}
}

// TestInteropDHTAria2GetFromShoal: `shoal seed` (tracker-less torrent, its
// DHT bootstrapped from a standalone `shoal dht` node) announces itself by
// DHT. aria2c, given a tracker-less magnet and the shoal seed's own DHT node
// as its --dht-entry-point, finds the standalone node through it, gets the
// seed's address, fetches the metadata (BEP 9) and the data from shoal.
func TestInteropDHTAria2GetFromShoal(t *testing.T) {
	setup(t, "aria2c", "transmission-show")
	t.Parallel()
	ctx := testCtx(t, 110*time.Second)
	dir := t.TempDir()
	_, orig := payload(t, dir, "dht-aria2-from-shoal.bin", 42)
	torrent := filepath.Join(dir, "x.torrent")
	ih := shoalCreate(t, orig, torrent) // no tracker
	if ti := shoalInfo(t, torrent); len(ti.Trackers) != 0 {
		t.Fatalf("torrent made without -t has trackers %v", ti.Trackers)
	}

	dhtAddr := hostPort(ipShoalDHT, newPort())
	node := startShoalDHT(t, dir, "shoal-dht", dhtAddr)

	// The engine's DHT node shares the seed's IP and port (UDP).
	seedPort := newPort()
	seedAddr := hostPort(ipShoalSeed, seedPort)
	seed := startShoalSeed(t, dir, "shoal-seed", torrent, orig, seedAddr,
		"--no-trackers", "--no-pex", "--dht-bootstrap", dhtAddr)
	waitDHTStored(ctx, t, node, 1, "after shoal seed's announce")

	out := filepath.Join(dir, "out")
	argv, ariaLog := aria2DHT(t, dir, "aria2c-get", ipAria2DHTGet, newPort(), newPort(), seedAddr)
	argv = append(argv, "--dir="+out, "--seed-time=0", trackerless(t, ih, filepath.Base(orig)))
	get := startProc(t, dir, "aria2c-get", argv...)
	get.logs = append(get.logs, ariaLog)
	if err := get.wait(ctx); err != nil {
		t.Fatalf("aria2c: %v\nshoal seed's disconnects:\n%s", err, grepLines(seed.output(1), "peer disconnected"))
	}
	requireSameFile(t, orig, filepath.Join(out, filepath.Base(orig)))

	// aria2c learnt of the seed from a get_peers answer (it has no other
	// peer source here), and the seed's own DHT node answered it.
	b, err := os.ReadFile(ariaLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Adding peer "+seedAddr) {
		t.Fatalf("aria2c's log never added the shoal seed %s as a peer", seedAddr)
	}
	reFromSeed := regexp.MustCompile(`Message received: dht response \w+ [^\n]*Remote:` +
		regexp.QuoteMeta(ipShoalSeed) + `\(` + strconv.Itoa(seedPort) + `\)`)
	if !reFromSeed.Match(b) {
		t.Fatalf("aria2c's log shows no DHT answer from the shoal seed's node %s", seedAddr)
	}
	stopShoal(t, seed)
	stopShoal(t, node)
	t.Logf("%s: aria2c found shoal seed %s by DHT through %s", ih, seedAddr, dhtAddr)
}
