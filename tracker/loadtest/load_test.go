package loadtest

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/tracker/redistest"
)

// target is one tracker under load.
type target struct {
	name    string
	udp     netip.AddrPort
	httpURL string
	pids    []int // processes whose RSS counts
}

// BenchmarkTrackerLoad is the tracker load benchmark (one run: -benchtime=1x). `make bench` runs it with
// SHOAL_TRACKER_LOAD=1 (and SHOAL_BIN); SHOAL_TRACKER_LOAD_SECONDS sets
// each timed run (default 10).
func BenchmarkTrackerLoad(bb *testing.B) {
	t := testing.TB(bb)
	if os.Getenv("SHOAL_TRACKER_LOAD") != "1" {
		t.Skip("load benchmark: set SHOAL_TRACKER_LOAD=1 (make bench does)")
	}
	secs, _ := strconv.Atoi(os.Getenv("SHOAL_TRACKER_LOAD_SECONDS"))
	if secs <= 0 {
		secs = 10
	}
	d := time.Duration(secs) * time.Second
	bin := shoalBin(t)

	type row struct {
		name               string
		fill, udp, htt     result
		rss                string
		udpCPU, httpCPU    time.Duration // the tracker's processes
		udpGenCPU, httpGen time.Duration // this process (the load generator)
		fillCPU, fillGen   time.Duration
	}
	var rows []row
	run := func(tg target) {
		f0, fg0 := cpuOf(tg.pids), selfCPU()
		fill, err := fillUDP(tg.udp)
		f1, fg1 := cpuOf(tg.pids), selfCPU()
		if err != nil {
			t.Fatalf("%s: fill: %v", tg.name, err)
		}
		rss := rssOf(tg.pids)
		c0, g0 := cpuOf(tg.pids), selfCPU()
		u, err := runUDP(tg.udp, d)
		if err != nil {
			t.Fatalf("%s: UDP: %v", tg.name, err)
		}
		c1, g1 := cpuOf(tg.pids), selfCPU()
		var h result
		if os.Getenv("SHOAL_TRACKER_LOAD_HTTP") != "0" {
			h = runHTTP(tg.httpURL, d)
		}
		c2, g2 := cpuOf(tg.pids), selfCPU()
		rows = append(rows, row{tg.name, fill, u, h, rss, c1 - c0, c2 - c1, g1 - g0, g2 - g1, f1 - f0, fg1 - fg0})
		t.Logf("%s done: fill %d ok/%d errors in %s", tg.name, fill.ok, fill.errs, fill.dur.Round(time.Millisecond))
	}

	want := os.Getenv("SHOAL_TRACKER_LOAD_TARGETS") // e.g. "memory,opentracker"; default all
	on := func(name string) bool { return want == "" || strings.Contains(want, name) }
	if on("memory") {
		var extra []string
		if p := os.Getenv("SHOAL_TRACKER_LOAD_CPUPROFILE"); p != "" {
			extra = append(extra, "--cpuprofile", p)
		}
		run(startShoal(t, bin, "shoal (memory)", extra...))
	}
	if on("redis") {
		srv := redistest.Start(t)
		sr := startShoal(t, bin, "shoal (redis)", "--redis", srv.URL(0))
		sr.pids = append(sr.pids, srv.Pid())
		run(sr)
	}
	if _, err := exec.LookPath("opentracker"); err != nil {
		t.Logf("opentracker not installed; no comparison")
	} else if on("opentracker") {
		run(startOpentracker(t))
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\ntracker load: %d swarms × %d peers filled over UDP, then %s per protocol, numwant 50, %d source IPs on loopback\n",
		swarms, perSw, d, ips)
	fmt.Fprintf(&b, "%-16s %12s %8s %7s %12s %8s %7s %10s  %s\n", "tracker", "UDP ann/s", "errors", "peers", "HTTP ann/s", "errors", "peers", "fill ann/s", "RSS with 1,000,000 peers")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-16s %12.0f %8d %7.1f %12.0f %8d %7.1f %10.0f  %s\n", r.name, r.udp.rate(), r.udp.errs, r.udp.peersPer(),
			r.htt.rate(), r.htt.errs, r.htt.peersPer(), r.fill.rate(), r.rss)
	}
	fmt.Fprintf(&b, "CPU per announce (µs; tracker processes / load generator):\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-16s UDP %6.1f / %6.1f   HTTP %6.1f / %6.1f   fill (UDP, numwant 0) %6.1f / %6.1f\n", r.name,
			perOp(r.udpCPU, r.udp.ok), perOp(r.udpGenCPU, r.udp.ok), perOp(r.httpCPU, r.htt.ok), perOp(r.httpGen, r.htt.ok),
			perOp(r.fillCPU, r.fill.ok), perOp(r.fillGen, r.fill.ok))
	}
	if n := len(rows); n > 1 && strings.HasPrefix(rows[n-1].name, "opentracker") {
		ot := rows[n-1]
		for _, r := range rows[:n-1] {
			fmt.Fprintf(&b, "%s / opentracker: UDP %.2f×, HTTP %.2f×\n", r.name, r.udp.rate()/ot.udp.rate(), r.htt.rate()/ot.htt.rate())
		}
	}
	t.Log(b.String())
	for _, r := range rows {
		if r.fill.errs+r.udp.errs+r.htt.errs > 0 && !strings.HasPrefix(r.name, "opentracker") {
			t.Errorf("%s had errors: fill %d, UDP %d, HTTP %d", r.name, r.fill.errs, r.udp.errs, r.htt.errs)
		}
	}
}

func shoalBin(t testing.TB) string {
	if b := os.Getenv("SHOAL_BIN"); b != "" {
		return b
	}
	b := filepath.Join(t.TempDir(), "shoal")
	out, err := exec.Command("go", "build", "-o", b, "github.com/shoal-p2p/shoal/cmd/shoal").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return b
}

func freePort(t testing.TB) int {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err == nil {
			u.Close()
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// startProc starts argv and stops it by PID (SIGTERM, then SIGKILL) when
// the test ends.
func startProc(t testing.TB, argv ...string) *exec.Cmd {
	cmd := exec.Command(argv[0], argv[1:]...)
	log, _ := os.Create(filepath.Join(t.TempDir(), "log"))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		log.Close()
	})
	return cmd
}

func waitTCP(t testing.TB, addr string) {
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("%s never listened", addr)
}

func startShoal(t testing.TB, bin, name string, extra ...string) target {
	p := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", p)
	argv := append([]string{bin, "tracker", "--http", addr, "--udp", addr, "--rate", "0", "--log-level", "warn"}, extra...)
	cmd := startProc(t, argv...)
	waitTCP(t, addr)
	return target{name: name, udp: netip.MustParseAddrPort(addr), httpURL: "http://" + addr + "/announce", pids: []int{cmd.Process.Pid}}
}

func startOpentracker(t testing.TB) target {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	for s := range swarms {
		h := infoHash(s)
		fmt.Fprintf(&list, "%x\n", h[:])
	}
	if err := os.WriteFile(filepath.Join(dir, "whitelist.txt"), []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p := freePort(t)
	ps := strconv.Itoa(p)
	cmd := startProc(t, "opentracker", "-i", "127.0.0.1", "-p", ps, "-P", ps, "-d", dir, "-u", "nobody", "-w", "whitelist.txt")
	addr := "127.0.0.1:" + ps
	waitTCP(t, addr)
	return target{name: "opentracker", udp: netip.MustParseAddrPort(addr), httpURL: "http://" + addr + "/announce", pids: []int{cmd.Process.Pid}}
}

// perOp is d in microseconds per operation.
func perOp(d time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(n)
}

// cpuOf sums the user+system CPU time the processes have used so far
// (/proc/PID/stat, in clock ticks of 1/100 s).
func cpuOf(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')') // the command name may hold spaces
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64) // field 14: utime
		k, _ := strconv.ParseInt(f[12], 10, 64) // field 15: stime
		total += time.Duration(u+k) * 10 * time.Millisecond
	}
	return total
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssOf reports the resident set of each process (VmRSS).
func rssOf(pids []int) string {
	var parts []string
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
				parts = append(parts, fmt.Sprintf("%.0f MiB", float64(kb)/1024))
			}
		}
	}
	return strings.Join(parts, " + ")
}
