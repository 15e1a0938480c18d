package testnet

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// netem adds per-AS-pair latency to peer connections and counts the bytes
// each AS sends to each other AS (sender side, wire bytes: payload plus
// protocol overhead). It plugs into peer.Config.Dial and WrapConn.
type netem struct {
	lat   Latency
	nAS   int
	bytes [][]atomic.Int64 // [from AS][to AS], index 0 = outside every AS
	wg    sync.WaitGroup   // delay pumps
}

func newNetem(lat Latency, nAS int) *netem {
	n := &netem{lat: lat, nAS: nAS, bytes: make([][]atomic.Int64, nAS+1)}
	for i := range n.bytes {
		n.bytes[i] = make([]atomic.Int64, nAS+1)
	}
	return n
}

// asOf is A for 127.A.x.y when A is one of the scenario's ASes, else 0.
func asOfAddr(a netip.Addr, nAS int) int {
	a = a.Unmap()
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	if b[0] != 127 || int(b[1]) < 1 || int(b[1]) > nAS {
		return 0
	}
	return int(b[1])
}

func (n *netem) asOf(na net.Addr) int {
	ap, err := netip.ParseAddrPort(na.String())
	if err != nil {
		return 0
	}
	return asOfAddr(ap.Addr(), n.nAS)
}

// dial is a peer.Config.Dial.
func (n *netem) dial(ctx context.Context, network, laddr, raddr string) (net.Conn, error) {
	d := net.Dialer{}
	if laddr != "" {
		la, err := net.ResolveTCPAddr(network, laddr)
		if err != nil {
			return nil, err
		}
		d.LocalAddr = la
	}
	nc, err := d.DialContext(ctx, network, raddr)
	if err != nil {
		return nil, err
	}
	return n.wrap(nc), nil
}

// wrap is a peer.Config.WrapConn.
func (n *netem) wrap(nc net.Conn) net.Conn {
	from, to := n.asOf(nc.LocalAddr()), n.asOf(nc.RemoteAddr())
	counter := &n.bytes[from][to]
	delay := n.lat.OneWay(from, to)
	if delay <= 0 {
		return &countConn{Conn: nc, n: counter}
	}
	c := &delayConn{Conn: nc, n: counter, delay: delay, q: make(chan chunk, delayQueue), done: make(chan struct{})}
	n.wg.Add(1)
	go c.pump(&n.wg)
	return c
}

// matrix is a copy of the byte counters.
func (n *netem) matrix() [][]int64 {
	m := make([][]int64, len(n.bytes))
	for i := range n.bytes {
		m[i] = make([]int64, len(n.bytes[i]))
		for j := range n.bytes[i] {
			m[i][j] = n.bytes[i][j].Load()
		}
	}
	return m
}

// wait returns when every delay pump has stopped (each stops when its conn
// is closed).
func (n *netem) wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

type countConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countConn) Write(p []byte) (int, error) {
	k, err := c.Conn.Write(p)
	c.n.Add(int64(k))
	return k, err
}

// delayQueue bounds the writes held back per connection; a full queue
// blocks the writer (back-pressure), so memory stays bounded.
const delayQueue = 256

type chunk struct {
	due time.Time
	b   []byte
}

// delayConn delivers every write to the underlying conn delay later, in
// order, from one pump goroutine that stops on Close or a write error.
type delayConn struct {
	net.Conn
	n     *atomic.Int64
	delay time.Duration
	q     chan chunk
	done  chan struct{}
	once  sync.Once
	mu    sync.Mutex
	err   error
}

func (c *delayConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	select {
	case <-c.done:
		return 0, net.ErrClosed
	default:
	}
	ch := chunk{due: time.Now().Add(c.delay), b: append([]byte(nil), p...)}
	select {
	case c.q <- ch:
		return len(p), nil
	case <-c.done:
		return 0, net.ErrClosed
	}
}

func (c *delayConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		close(c.done)
		err = c.Conn.Close()
	})
	return err
}

func (c *delayConn) pump(wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		var ch chunk
		select {
		case ch = <-c.q:
		case <-c.done:
			return
		}
		if wait := time.Until(ch.due); wait > 0 {
			t.Reset(wait)
			select {
			case <-t.C:
			case <-c.done:
				return
			}
		}
		k, err := c.Conn.Write(ch.b)
		c.n.Add(int64(k))
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			c.Close()
			return
		}
	}
}
