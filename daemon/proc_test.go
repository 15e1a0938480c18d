package daemon

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Tests that run the real shoal binary: built once into a temporary
// directory, started as child processes, stopped by their PID.

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func shoalBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the shoal binary; skipped with -short")
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "shoal-daemon-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "shoal")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/shoal-p2p/shoal/cmd/shoal")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// child is a running shoal process.
type child struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startChild(t testing.TB, bin string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second // a grandchild holding the output pipe must not block Wait
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		c.signal(syscall.SIGTERM) // nginx's master stops its workers on SIGTERM
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.signal(syscall.SIGKILL)
			c.wait(t, 10*time.Second)
		}
	})
	return c
}

func (c *child) signal(sig syscall.Signal) {
	select {
	case <-c.done:
	default:
		_ = syscall.Kill(c.cmd.Process.Pid, sig)
	}
}

func (c *child) wait(t testing.TB, limit time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		t.Fatalf("process %d did not exit within %s\n%s", c.cmd.Process.Pid, limit, c.out.String())
		return -1
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDaemonProc runs `shoal daemon` and waits until its API answers.
func startDaemonProc(t testing.TB, bin, dataDir, api string, extra ...string) (*child, *APIClient) {
	t.Helper()
	args := append([]string{"daemon", "--data-dir", dataDir, "--api-listen", api, "--listen", "127.0.0.1:0",
		"--no-trackers", "--log-level", "info"}, extra...)
	c := startChild(t, bin, args...)
	var cl *APIClient
	waitFor(t, 30*time.Second, "daemon API", func() bool {
		select {
		case <-c.done:
			t.Fatalf("daemon exited: %s", c.out.String())
		default:
		}
		tok, err := ReadToken(DefaultTokenFile(dataDir))
		if err != nil {
			return false
		}
		cl = NewAPIClient(api, tok)
		_, err = cl.Stats(context.Background())
		return err == nil
	})
	return c, cl
}

func runShoal(t testing.TB, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("shoal %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// kill -9 in the middle of a download, then start again: the file ends
// correct. shoal ctl drives the daemon; SIGTERM stops it with exit code 0.
func TestKillNineThenRestart(t *testing.T) {
	bin := shoalBinary(t)
	const size = 16 << 20
	src, dir := t.TempDir(), t.TempDir()
	ws := slowFileServer(t, src, 4<<20)
	_, mi := makePayload(t, src, "crash.bin", size, 64<<10, ws)
	tf := filepath.Join(t.TempDir(), "crash.torrent")
	f, _ := os.Create(tf)
	_ = mi.Write(f)
	f.Close()
	hash := infoHash(mi)
	api := freeAddr(t)
	tokenFile := DefaultTokenFile(dir)

	d1, cl := startDaemonProc(t, bin, dir, api)
	if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file %v %v", fi, err)
	}
	ctl := []string{"ctl", "--api", api, "--token-file", tokenFile}
	if out := runShoal(t, bin, append(ctl, "add", tf)...); !strings.Contains(out, hash) {
		t.Fatalf("ctl add: %s", out)
	}
	var at int64
	waitFor(t, time.Minute, "a quarter downloaded", func() bool {
		d, err := cl.Detail(context.Background(), hash)
		at = d.Completed
		return err == nil && d.Completed >= size/4
	})
	d1.signal(syscall.SIGKILL)
	if at >= size {
		t.Fatalf("complete before the kill; the test proves nothing")
	}
	d1.wait(t, 10*time.Second)
	if _, err := os.Stat(filepath.Join(dir, ".shoal", "daemon", hash+".torrent")); err != nil {
		t.Fatalf("the torrent was not saved before the crash: %v", err)
	}

	d2, cl := startDaemonProc(t, bin, dir, api)
	waitFor(t, 2*time.Minute, "complete after the restart", func() bool {
		d, err := cl.Detail(context.Background(), hash)
		return err == nil && d.Complete
	})
	sameFile(t, filepath.Join(src, "crash.bin"), filepath.Join(dir, "crash.bin"))
	if out := runShoal(t, bin, append(ctl, "list")...); !strings.Contains(out, "crash.bin") || !strings.Contains(out, "seeding") {
		t.Fatalf("ctl list: %s", out)
	}
	if out := runShoal(t, bin, append(ctl, "stats", hash[:8])...); !strings.Contains(out, "from seed servers") {
		t.Fatalf("ctl stats: %s", out)
	}
	if out := runShoal(t, bin, append(ctl, "pause", "crash.bin")...); !strings.Contains(out, "paused") {
		t.Fatalf("ctl pause: %s", out)
	}
	d2.signal(syscall.SIGTERM)
	if code := d2.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit code %d\n%s", code, d2.out.String())
	}
	if !strings.Contains(d2.out.String(), "stopped") {
		t.Fatalf("no graceful stop in the log:\n%s", d2.out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".shoal", hash+".resume")); err != nil {
		t.Fatalf("no resume state after SIGTERM: %v", err)
	}
}

// SIGHUP re-reads the config file: a watch directory named there only after
// the start begins to work without a restart.
func TestSighupReload(t *testing.T) {
	bin := shoalBinary(t)
	dir, watch := t.TempDir(), t.TempDir()
	conf := filepath.Join(t.TempDir(), "daemon.conf")
	if err := os.WriteFile(conf, []byte("watch-interval = 100ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, cl := startDaemonProc(t, bin, dir, freeAddr(t), "--config", conf)
	if err := os.WriteFile(conf, []byte("watch-interval = 100ms\nwatch-dir = "+watch+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "reload logged", func() bool { return strings.Contains(d.out.String(), "configuration reloaded") })
	if err := os.WriteFile(filepath.Join(watch, "x.magnet"), []byte("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "magnet from the reloaded watch dir", func() bool {
		list, err := cl.List(context.Background())
		return err == nil && len(list) == 1
	})
	d.signal(syscall.SIGINT)
	if code := d.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("SIGINT: exit %d\n%s", code, d.out.String())
	}
}
