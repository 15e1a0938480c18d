package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
)

// proc is a program started by a benchmark and stopped by its PID.
type proc struct {
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan error
}

func start(b *testing.B, name string, args ...string) *proc {
	b.Helper()
	cmd := exec.Command(name, args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		b.Fatalf("start %s: %v", name, err)
	}
	p := &proc{cmd: cmd, log: &log, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	b.Cleanup(p.stop)
	return p
}

func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// usage is what a finished leecher cost.
type usage struct {
	wall    time.Duration
	cpu     time.Duration
	maxRSS  int64 // bytes
	exitErr error
}

// runToEnd runs a command to completion within limit and reports its cost.
func runToEnd(b *testing.B, limit time.Duration, name string, args ...string) (usage, string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return usage{exitErr: err}, ""
	}
	// ru_maxrss of a vfork+exec'd child starts at the parent's high-water
	// mark on Linux, so read the child's own VmHWM while it runs instead.
	hwm := make(chan int64, 1)
	stopPoll := make(chan struct{})
	go func() {
		var peak int64
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := vmHWM(cmd.Process.Pid); v > peak {
				peak = v
			}
			select {
			case <-stopPoll:
				hwm <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(stopPoll)
	u := usage{wall: time.Since(t0), exitErr: err, maxRSS: <-hwm}
	if ps := cmd.ProcessState; ps != nil {
		u.cpu = ps.UserTime() + ps.SystemTime()
	}
	return u, log.String()
}

// vmHWM reads a live process's peak resident set size in bytes (0 if gone).
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func freePort(b *testing.B, ip string) int {
	b.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitTCP(b *testing.B, addr string, limit time.Duration) {
	b.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("%s did not start listening within %s", addr, limit)
}

// writePayload writes size pseudo-random bytes quickly (ChaCha8).
func writePayload(b *testing.B, path string, size int64) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := rand.NewChaCha8([32]byte{1, 2, 3})
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

// startOpentracker runs Debian's opentracker with a whitelist of one hash.
func startOpentracker(b *testing.B, ip string, infoHashHex string) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "whitelist.txt"), []byte(infoHashHex+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	port := freePort(b, ip)
	p := start(b, "opentracker", "-i", ip, "-p", strconv.Itoa(port), "-P", strconv.Itoa(port), "-A", ip,
		"-d", dir, "-u", "nobody", "-w", "whitelist.txt")
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	waitTCP(b, addr, 10*time.Second)
	_ = p
	return "http://" + addr + "/announce"
}

// seeders asks the tracker how many seeds it knows for the hash (scrape).
func seeders(announce string, ih [20]byte) int {
	u, err := url.Parse(announce)
	if err != nil {
		return 0
	}
	u.Path = "/scrape"
	u.RawQuery = "info_hash=" + url.QueryEscape(string(ih[:]))
	resp, err := http.Get(u.String())
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var sr struct {
		Files map[string]struct {
			Complete int `bencode:"complete"`
		} `bencode:"files"`
	}
	if err := bencode.NewDecoder(resp.Body).Decode(&sr); err != nil {
		return 0
	}
	return sr.Files[string(ih[:])].Complete
}

func waitSeeders(b *testing.B, announce string, ih [20]byte, want int, limit time.Duration, p *proc) {
	b.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if seeders(announce, ih) >= want {
			return
		}
		select {
		case err := <-p.done:
			b.Fatalf("seeder exited early: %v\n%s", err, p.log.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	b.Fatalf("tracker never saw the seeder within %s\n%s", limit, p.log.String())
}

func sameContent(b *testing.B, a, c string) {
	b.Helper()
	if fileHash(b, a) != fileHash(b, c) {
		b.Fatalf("%s differs from %s", c, a)
	}
}

func fileHash(b *testing.B, path string) [32]byte {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func mibps(size int64, d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }

func fmtRow(name string, size int64, u usage) string {
	return fmt.Sprintf("%-16s %8.1f MiB/s %8.2f CPU-s/GiB %8.0f MiB RSS  (%s wall)",
		name, mibps(size, u.wall), u.cpu.Seconds()/(float64(size)/(1<<30)), float64(u.maxRSS)/(1<<20), u.wall.Round(time.Millisecond))
}
