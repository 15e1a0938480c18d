package testnet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"time"
)

// procStopGrace is how long a child gets to stop after SIGINT (it saves its
// resume state) before it is killed.
const procStopGrace = 10 * time.Second

// proc is a leecher incarnation running as a separate `shoal get --json`
// process. Its numbers come from the JSON event lines it prints (one a
// second, plus complete/finished/interrupted).
type proc struct {
	cmd    *exec.Cmd
	addr   string
	done   chan struct{} // closed once the process has exited and its output is read
	stderr *tailBuffer

	mu      sync.Mutex
	last    snap
	waitErr error
}

// jsonEvent is the part of `shoal get --json` output the runner reads.
type jsonEvent struct {
	Event      string  `json:"event"`
	Time       string  `json:"time"`
	Progress   float64 `json:"progress"`
	Completed  int64   `json:"completed_bytes"`
	Downloaded int64   `json:"downloaded"`
	Uploaded   int64   `json:"uploaded"`
	FromSeeds  int64   `json:"bytes_from_seed_servers"`
	Wasted     int64   `json:"wasted_bytes"`
	Peers      int     `json:"peers"`
	Error      string  `json:"error"`
}

// startProc runs bin with args (which must include --json and --listen
// listen) and starts reading its events.
func startProc(bin string, args []string, listen string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = nil
	p := &proc{cmd: cmd, addr: listen, done: make(chan struct{}), stderr: &tailBuffer{max: 4 << 10}}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var ev jsonEvent
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event != "" {
				p.apply(ev)
			}
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		if err != nil && p.last.Err == "" {
			p.last.Err = fmt.Sprintf("%v: %s", err, bytes.TrimSpace(p.stderr.Bytes()))
		}
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// apply takes one event into the snapshot.
func (p *proc) apply(ev jsonEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &p.last
	s.Downloaded, s.Uploaded, s.FromSeeds, s.Wasted, s.Peers = ev.Downloaded, ev.Uploaded, ev.FromSeeds, ev.Wasted, ev.Peers
	if ev.Error != "" {
		s.Err = ev.Error
	}
	if ev.Completed > 0 && s.FirstPiece.IsZero() { // progress events: 1 s resolution
		if t, err := time.Parse(time.RFC3339Nano, ev.Time); err == nil {
			s.FirstPiece = t
		}
	}
	if (ev.Event == "complete" || ev.Progress >= 1) && !s.Complete {
		s.Complete = true
		if t, err := time.Parse(time.RFC3339Nano, ev.Time); err == nil {
			s.CompletedAt = t
		}
	}
}

func (p *proc) snapshot() snap {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

func (p *proc) listenAddr() string { return p.addr }

func (p *proc) exited() <-chan struct{} { return p.done }

// close interrupts the process (by its PID) and waits for it, killing it
// if it does not stop within procStopGrace.
func (p *proc) close() snap {
	select {
	case <-p.done:
		return p.snapshot()
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	t := time.NewTimer(procStopGrace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.snapshot()
}

// freePort finds a TCP port free on ip now, for a child's --listen (its
// DHT node takes the same number for UDP when it can).
func freePort(ip string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written (a child's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.b...)
}
