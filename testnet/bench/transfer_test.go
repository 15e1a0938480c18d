package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/peer/storage"
)

// benchDir is where payloads go: SHOAL_BENCH_DIR, else tmpfs (/dev/shm) so
// that the figures measure the programs and not this VM's disk (its ext4
// takes about 2.7 s of kernel time per GiB written, even for dd).
func benchDir(b *testing.B) string {
	parent := os.Getenv("SHOAL_BENCH_DIR")
	if parent == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			parent = "/dev/shm"
		}
	}
	dir, err := os.MkdirTemp(parent, "shoal-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var aria2Common = []string{"--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
	"--enable-peer-exchange=false", "--disable-ipv6=true", "--file-allocation=none", "--summary-interval=0",
	"--auto-file-renaming=false", "--allow-overwrite=true", "--bt-save-metadata=false", "--no-netrc=true",
	"--console-log-level=warn", "--bt-tracker-interval=5"}

// BenchmarkTransfer moves one file (SHOAL_BENCH_SIZE, default 1 GiB) over
// loopback for shoal→shoal, aria2c→shoal, shoal→aria2c and aria2c→aria2c,
// through a real opentracker, and prints MiB/s, leecher CPU-seconds per GiB
// and peak RSS, with ratios to the aria2c→aria2c reference.
func BenchmarkTransfer(b *testing.B) {
	shoal := os.Getenv("SHOAL_BIN")
	if shoal == "" {
		b.Skip("set SHOAL_BIN to a built shoal binary (make bench does)")
	}
	for _, tool := range []string{"aria2c", "opentracker"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s not installed: run make deps", tool)
		}
	}
	size := int64(1 << 30)
	if s := os.Getenv("SHOAL_BENCH_SIZE"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("SHOAL_BENCH_SIZE=%q: %v", s, err)
		}
		size = n
	}
	work := benchDir(b)
	seedDir := filepath.Join(work, "seed")
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		b.Fatal(err)
	}
	payload := filepath.Join(seedDir, "payload.bin")
	writePayload(b, payload, size)

	const trackerIP = "127.0.0.1"
	// The info hash does not depend on the announce URL, so make it first.
	mi0, err := storage.Create(context.Background(), payload, storage.CreateOptions{PieceLength: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	ih := mi0.HashInfoBytes()
	announce := startOpentracker(b, trackerIP, ih.HexString())
	mi, err := storage.Create(context.Background(), payload, storage.CreateOptions{PieceLength: 1 << 20, Trackers: []string{announce}})
	if err != nil {
		b.Fatal(err)
	}
	torrent := filepath.Join(work, "payload.torrent")
	f, err := os.Create(torrent)
	if err != nil {
		b.Fatal(err)
	}
	if err := mi.Write(f); err != nil {
		b.Fatal(err)
	}
	f.Close()

	type pairing struct{ name, seeder, leecher string }
	pairs := []pairing{
		{"aria2c→aria2c", "aria2c", "aria2c"},
		{"shoal→shoal", "shoal", "shoal"},
		{"aria2c→shoal", "aria2c", "shoal"},
		{"shoal→aria2c", "shoal", "aria2c"},
	}
	results := map[string]usage{}
	for i, p := range pairs {
		seedIP := fmt.Sprintf("127.0.%d.2", 20+i)
		leechIP := fmt.Sprintf("127.0.%d.3", 20+i)
		seedPort := freePort(b, seedIP)
		var sp *proc
		switch p.seeder {
		case "shoal":
			sp = start(b, shoal, "seed", torrent, payload, "--listen", fmt.Sprintf("%s:%d", seedIP, seedPort), "--no-pex")
		case "aria2c":
			sp = start(b, "aria2c", append(aria2Common, "--dir="+seedDir, "--listen-port="+strconv.Itoa(seedPort),
				"--interface="+seedIP, "--check-integrity=true", "--seed-ratio=0.0", torrent)...)
		}
		waitSeeders(b, announce, ih, 1, 2*time.Minute, sp)
		out := filepath.Join(work, "out-"+strconv.Itoa(i))
		var u usage
		var log string
		switch p.leecher {
		case "shoal":
			u, log = runToEnd(b, 10*time.Minute, shoal, "get", torrent, "-d", out, "--listen", leechIP+":0", "--no-pex")
		case "aria2c":
			u, log = runToEnd(b, 10*time.Minute, "aria2c", append(aria2Common, "--dir="+out,
				"--listen-port="+strconv.Itoa(freePort(b, leechIP)), "--interface="+leechIP, "--seed-time=0", torrent)...)
		}
		sp.stop()
		if u.exitErr != nil {
			b.Fatalf("%s: leecher failed: %v\n%s\nseeder log:\n%s", p.name, u.exitErr, log, sp.log.String())
		}
		sameContent(b, payload, filepath.Join(out, "payload.bin"))
		results[p.name] = u
		b.Logf("%s", fmtRow(p.name, size, u))
		os.RemoveAll(out)
		// The tracker keeps the old seed until it expires; a new info hash per
		// pairing is not needed because every seeder announces "stopped".
	}
	ref := results["aria2c→aria2c"]
	fmt.Printf("\nloopback transfer of %d MiB, 1 MiB pieces, through opentracker, data in %s\n", size>>20, work)
	for _, p := range pairs {
		u := results[p.name]
		fmt.Printf("%s   speed %.2f× ref, CPU %.2f× ref\n", fmtRow(p.name, size, u),
			ref.wall.Seconds()/u.wall.Seconds(), u.cpu.Seconds()/ref.cpu.Seconds())
	}
	b.ReportMetric(mibps(size, results["shoal→shoal"].wall), "shoal→shoal-MiB/s")
	b.ReportMetric(mibps(size, ref.wall), "aria2c→aria2c-MiB/s")
}
