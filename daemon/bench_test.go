package daemon

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
)

// Seed-server benchmarks (make bench): they run the shoal binary named by
// SHOAL_BIN against nginx, curl and aria2c on loopback, with data on tmpfs.
//
//	BenchmarkLongTail     zero peers, one nginx seed server, 1 GiB
//	BenchmarkFlashCrowd   one shoal daemon seed server (capped) + 20 shoal peers
//	BenchmarkDaemonScale  1,000 small torrents seeded: RSS and idle CPU

func benchBin(b *testing.B, tools ...string) string {
	bin := os.Getenv("SHOAL_BIN")
	if bin == "" {
		b.Skip("set SHOAL_BIN to a built shoal binary (make bench does)")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s not installed: run make deps", tool)
		}
	}
	return bin
}

// benchDir is on tmpfs (/dev/shm) unless SHOAL_BENCH_DIR says otherwise, so
// the figures measure programs, not this machine's disk.
func benchDir(b *testing.B) string {
	parent := os.Getenv("SHOAL_BENCH_DIR")
	if parent == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			parent = "/dev/shm"
		}
	}
	dir, err := os.MkdirTemp(parent, "shoal-daemon-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func envSize(b *testing.B, name string, def int64) int64 {
	if s := os.Getenv(name); s != "" {
		n, err := ParseSize(s)
		if err != nil {
			b.Fatalf("%s=%q: %v", name, s, err)
		}
		return n
	}
	return def
}

// writeRandom writes size pseudo-random bytes quickly.
func writeRandom(b *testing.B, path string, size int64, seed byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := rand.NewChaCha8([32]byte{seed, 7})
	buf := make([]byte, 4<<20)
	for left := size; left > 0; {
		n := min(int64(len(buf)), left)
		_, _ = r.Read(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			b.Fatal(err)
		}
		left -= n
	}
}

func writeTorrent(b *testing.B, mi *metainfo.MetaInfo, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := mi.Write(f); err != nil {
		b.Fatal(err)
	}
}

// timed runs a command to completion and returns its wall time and CPU.
func timed(b *testing.B, limit time.Duration, name string, args ...string) (time.Duration, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	wall := time.Since(t0)
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func mib(n int64, d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }

// BenchmarkLongTail: zero peers, one nginx seed server on loopback, 1 GiB
// (SHOAL_BENCH_SIZE): shoal get vs `curl | sha1sum` vs aria2c, same server,
// same run.
func BenchmarkLongTail(b *testing.B) {
	bin := benchBin(b, "nginx", "curl", "aria2c", "sha1sum")
	size := envSize(b, "SHOAL_BENCH_SIZE", 1<<30)
	work := benchDir(b)
	root := filepath.Join(work, "www")
	payload := filepath.Join(root, "payload.bin")
	writeRandom(b, payload, size, 1)
	base := startNginx(b, root)
	_, mi := createTorrent(b, payload, 1<<20, base)
	tf := filepath.Join(work, "payload.torrent")
	writeTorrent(b, mi, tf)
	b.ResetTimer()

	curlWall, curlCPU := timed(b, 10*time.Minute, "sh", "-c", "curl -sf "+base+"payload.bin | sha1sum")
	out := filepath.Join(work, "shoal-out")
	shoalWall, shoalCPU := timed(b, 10*time.Minute, bin, "get", tf, "-d", out, "--no-trackers", "--listen", "127.0.0.1:0")
	sameFile(b, payload, filepath.Join(out, "payload.bin"))
	os.RemoveAll(out)
	out = filepath.Join(work, "aria2-out")
	ariaWall, ariaCPU := timed(b, 10*time.Minute, "aria2c", append(aria2Flags(), "--dir="+out, "--seed-time=0",
		"--listen-port="+strconv.Itoa(freePortNum(b)), tf)...)
	sameFile(b, payload, filepath.Join(out, "payload.bin"))
	os.RemoveAll(out)
	b.StopTimer()

	fmt.Printf("\nlong tail: %d MiB from one nginx on loopback, zero peers, data in %s\n", size>>20, work)
	for _, r := range []struct {
		name      string
		wall, cpu time.Duration
	}{{"curl | sha1sum", curlWall, curlCPU}, {"shoal get", shoalWall, shoalCPU}, {"aria2c", ariaWall, ariaCPU}} {
		fmt.Printf("%-16s %8.1f MiB/s  %6.2f CPU-s  (%s)\n", r.name, mib(size, r.wall), r.cpu.Seconds(), r.wall.Round(time.Millisecond))
	}
	fmt.Printf("shoal / (curl | sha1sum) = %.2f× (target ≥ 0.9×); shoal / aria2c = %.2f× (target ≥ 1.5×)\n",
		curlWall.Seconds()/shoalWall.Seconds(), ariaWall.Seconds()/shoalWall.Seconds())
	b.ReportMetric(mib(size, shoalWall), "shoal-MiB/s")
	b.ReportMetric(mib(size, curlWall), "curl-MiB/s")
	b.ReportMetric(mib(size, ariaWall), "aria2c-MiB/s")
}

// BenchmarkFlashCrowd: one shoal daemon (BitTorrent and web seed both
// capped at SHOAL_FLASH_CAP, default 8 MiB/s) serves a SHOAL_FLASH_SIZE file
// (default 64 MiB) to 20 shoal peers that find each other through
// opentracker: bytes the seed server sent as a multiple of the file size,
// and completion times. SHOAL_FLASH_PEER_ARGS adds flags to every peer's
// `shoal get` (e.g. "--seed-servers off" to isolate BitTorrent).
func BenchmarkFlashCrowd(b *testing.B) {
	bin := benchBin(b, "opentracker")
	size := envSize(b, "SHOAL_FLASH_SIZE", 64<<20)
	capRate := envSize(b, "SHOAL_FLASH_CAP", 8<<20)
	const peers = 20
	work := benchDir(b)
	data := filepath.Join(work, "seed")
	payload := filepath.Join(data, "flash.bin")
	writeRandom(b, payload, size, 2)
	_, mi0 := createTorrent(b, payload, 256<<10)
	announce := startTracker(b, mi0.HashInfoBytes().HexString())
	api := freeAddr(b)
	d, cl := startDaemonProc(b, bin, data, api, "--no-trackers=false", "--listen", "127.0.2.1:0", "--up-rate", strconv.FormatInt(capRate, 10),
		"--seed-up-rate", strconv.FormatInt(capRate, 10), "--super-seed", "--log-level", "warn")
	_ = d
	_, mi := createTorrent(b, payload, 256<<10, "http://"+api+"/seed/")
	mi.Announce = announce
	tf := filepath.Join(work, "flash.torrent")
	writeTorrent(b, mi, tf)
	tb, _ := os.ReadFile(tf)
	hash := infoHash(mi)
	if _, err := cl.Add(context.Background(), AddRequest{Torrent: tb}); err != nil {
		b.Fatal(err)
	}
	waitFor(b, time.Minute, "daemon seeding", func() bool {
		t, err := cl.Detail(context.Background(), hash)
		return err == nil && t.Complete
	})
	b.ResetTimer()
	t0 := time.Now()
	var mu sync.Mutex
	var times []time.Duration
	var wg sync.WaitGroup
	for i := 0; i < peers; i++ {
		args := []string{"get", tf, "-d", filepath.Join(work, fmt.Sprintf("peer%02d", i)), "--seed", "--json",
			"--listen", fmt.Sprintf("127.0.3.%d:0", i+1), "--no-pex"}
		c := startChild(b, bin, append(args, strings.Fields(os.Getenv("SHOAL_FLASH_PEER_ARGS"))...)...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(10 * time.Minute)
			for time.Now().Before(deadline) {
				if strings.Contains(c.out.String(), `"event":"complete"`) {
					mu.Lock()
					times = append(times, time.Since(t0))
					mu.Unlock()
					return
				}
				select {
				case <-c.done:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	det, err := cl.Detail(context.Background(), hash)
	if err != nil {
		b.Fatal(err)
	}
	g, _ := cl.Stats(context.Background())
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	if len(times) < peers {
		b.Fatalf("only %d of %d peers completed", len(times), peers)
	}
	served := det.Uploaded + g.WebSeedBytes
	minTime := float64(size) / float64(capRate)
	fmt.Printf("\nflash crowd: %d MiB, 1 shoal daemon capped at %d MiB/s (BitTorrent and web seed), %d shoal peers\n",
		size>>20, capRate>>20, peers)
	fmt.Printf("seed server sent %.2f× the file (BitTorrent %d MiB, web seed %d MiB; target ≤ 1.5×)\n",
		float64(served)/float64(size), det.Uploaded>>20, g.WebSeedBytes>>20)
	fmt.Printf("completion: first %s, median %s, last %s (F/Us = %.1fs)\n", times[0].Round(time.Millisecond),
		times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), minTime)
	b.ReportMetric(float64(served)/float64(size), "seed-bytes/file")
	b.ReportMetric(times[len(times)-1].Seconds(), "last-complete-s")
}

// startTracker runs Debian's opentracker (it whitelists info hashes).
func startTracker(b *testing.B, ihHex string) string {
	dir := b.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "whitelist.txt"), []byte(ihHex+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	addr := freeAddr(b)
	_, port, _ := cutPort(addr)
	startChild(b, "opentracker", "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-P", strconv.Itoa(port), "-A", "127.0.0.1",
		"-d", dir, "-u", "nobody", "-w", "whitelist.txt")
	waitFor(b, 10*time.Second, "opentracker", func() bool { c, _ := getStatus("http://" + addr + "/stats"); return c != 0 })
	return "http://" + addr + "/announce"
}

// BenchmarkDaemonScale: shoal daemon seeding 1,000 small torrents
// (SHOAL_SCALE_TORRENTS): resident memory and CPU while idle.
func BenchmarkDaemonScale(b *testing.B) {
	bin := benchBin(b)
	n := int(envSize(b, "SHOAL_SCALE_TORRENTS", 1000))
	work := benchDir(b)
	data := filepath.Join(work, "data")
	state := filepath.Join(data, ".shoal", "daemon")
	if err := os.MkdirAll(state, 0o700); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		p := filepath.Join(data, fmt.Sprintf("small-%04d.bin", i))
		writeRandom(b, p, 64<<10+int64(i), byte(i))
		_, mi := createTorrent(b, p, 16<<10)
		writeTorrent(b, mi, filepath.Join(state, infoHash(mi)+".torrent"))
	}
	b.ResetTimer()
	t0 := time.Now()
	d, cl := startDaemonProc(b, bin, data, freeAddr(b), "--log-level", "warn")
	waitFor(b, 5*time.Minute, "all torrents seeding", func() bool {
		g, err := cl.Stats(context.Background())
		return err == nil && g.States["seeding"] == n
	})
	ready := time.Since(t0)
	time.Sleep(5 * time.Second) // let start-up work settle
	pid := d.cmd.Process.Pid
	cpu0, w0 := procCPU(b, pid), time.Now()
	const idle = 30 * time.Second
	time.Sleep(idle)
	cpu1, w1 := procCPU(b, pid), time.Now()
	b.StopTimer()
	rss, hwm := procMem(b, pid)
	cpuFrac := (cpu1 - cpu0).Seconds() / w1.Sub(w0).Seconds()
	fmt.Printf("\ndaemon at scale: %d torrents seeding (all ready after %s)\n", n, ready.Round(time.Millisecond))
	fmt.Printf("RSS %.1f MiB (peak %.1f MiB; target ≤ 150 MB), idle CPU %.2f%% of a core over %s (target ≤ 2%%)\n",
		float64(rss)/(1<<20), float64(hwm)/(1<<20), 100*cpuFrac, idle)
	b.ReportMetric(float64(rss)/(1<<20), "RSS-MiB")
	b.ReportMetric(100*cpuFrac, "idle-CPU-%")
}

// procCPU is a process's user+system CPU time from /proc/PID/stat.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// procMem is VmRSS and VmHWM in bytes.
func procMem(b *testing.B, pid int) (rss, hwm int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 1<<16))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm
}
