package loadtest

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// The simulated population: peer n is in swarm n%swarms, is the k-th
// (k = n/swarms) peer there, announces from source IP k%ips and port
// 10000+k, and seeds when n%3 == 0.
const (
	swarms  = 10_000
	perSw   = 100
	ips     = 8
	udpWork = 8 // one UDP worker per source IP
	httpPer = 4 // HTTP workers per source IP
)

func srcIP(i int) netip.Addr { return netip.AddrFrom4([4]byte{127, 10, byte(i), 1}) }

func infoHash(s int) [20]byte {
	var h [20]byte
	copy(h[:], fmt.Sprintf("loadtest-swarm-%05d", s))
	return h
}

func peerID(n int) [20]byte {
	var id [20]byte
	copy(id[:], fmt.Sprintf("-LT0001-%012d", n))
	return id
}

func peerN(s, k int) int { return s + swarms*k }

// randomPeer picks a peer that announces from source IP ip.
func randomPeer(r *rand.Rand, ip int) int {
	k := ip + ips*r.IntN((perSw-1-ip)/ips+1)
	return peerN(r.IntN(swarms), k)
}

// result is what one timed run measured.
type result struct {
	ok, errs, peers int64
	dur             time.Duration
}

func (r result) rate() float64 { return float64(r.ok) / r.dur.Seconds() }
func (r result) peersPer() float64 {
	if r.ok == 0 {
		return 0
	}
	return float64(r.peers) / float64(r.ok)
}

// ── UDP ─────────────────────────────────────────────────────────────────────

// udpClient is one simulated source address. It sends and receives its
// batches with one system call each (sendmmsg/recvmmsg), so that the load
// generator costs less CPU per announce than the trackers it measures.
type udpClient struct {
	conn   *net.UDPConn
	pc     *ipv4.PacketConn
	to     netip.AddrPort
	toAddr *net.UDPAddr
	connID uint64
	got    time.Time
	buf    []byte
	out    []ipv4.Message
	in     []ipv4.Message
}

func newUDPClient(ip netip.Addr, to netip.AddrPort) (*udpClient, error) {
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(4 << 20)
	in := make([]ipv4.Message, 32)
	for i := range in {
		in[i].Buffers = [][]byte{make([]byte, 2048)}
	}
	return &udpClient{conn: c, pc: ipv4.NewPacketConn(c), to: to, toAddr: net.UDPAddrFromAddrPort(to), buf: make([]byte, 4096), in: in}, nil
}

func (c *udpClient) connect() error {
	if c.connID != 0 && time.Since(c.got) < 50*time.Second {
		return nil
	}
	tx := rand.Uint32()
	p := binary.BigEndian.AppendUint64(nil, 0x41727101980)
	p = binary.BigEndian.AppendUint32(p, 0)
	p = binary.BigEndian.AppendUint32(p, tx)
	for try := 0; try < 5; try++ {
		if _, err := c.conn.WriteToUDPAddrPort(p, c.to); err != nil {
			return err
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(time.Second))
		for {
			n, _, err := c.conn.ReadFromUDPAddrPort(c.buf)
			if err != nil {
				break
			}
			if n == 16 && binary.BigEndian.Uint32(c.buf) == 0 && binary.BigEndian.Uint32(c.buf[4:]) == tx {
				c.connID, c.got = binary.BigEndian.Uint64(c.buf[8:]), time.Now()
				return nil
			}
		}
	}
	return fmt.Errorf("UDP connect to %v: no answer", c.to)
}

func (c *udpClient) announcePkt(n int, tx uint32, numWant int32) []byte {
	p := binary.BigEndian.AppendUint64(make([]byte, 0, 98), c.connID)
	p = binary.BigEndian.AppendUint32(p, 1)
	p = binary.BigEndian.AppendUint32(p, tx)
	h, id := infoHash(n%swarms), peerID(n)
	p = append(p, h[:]...)
	p = append(p, id[:]...)
	left := uint64(1 << 20)
	if n%3 == 0 {
		left = 0
	}
	p = binary.BigEndian.AppendUint64(p, 0)
	p = binary.BigEndian.AppendUint64(p, left)
	p = binary.BigEndian.AppendUint64(p, 0)
	p = binary.BigEndian.AppendUint32(p, 0)
	p = binary.BigEndian.AppendUint32(p, 0)
	p = binary.BigEndian.AppendUint32(p, uint32(n))
	p = binary.BigEndian.AppendUint32(p, uint32(numWant))
	return binary.BigEndian.AppendUint16(p, uint16(10000+n/swarms))
}

// batch sends the announces of peers ns and waits (at most 2 s) for their
// answers.
func (c *udpClient) batch(ns []int, numWant int32, res *result) error {
	if err := c.connect(); err != nil {
		return err
	}
	base := rand.Uint32()
	c.out = c.out[:0]
	for i, n := range ns {
		c.out = append(c.out, ipv4.Message{Buffers: [][]byte{c.announcePkt(n, base+uint32(i), numWant)}, Addr: c.toAddr})
	}
	for out := c.out; len(out) > 0; {
		k, err := c.pc.WriteBatch(out, 0)
		if err != nil {
			return err
		}
		out = out[k:]
	}
	pending := len(ns)
	_ = c.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	for pending > 0 {
		k, err := c.pc.ReadBatch(c.in, 0)
		if err != nil {
			break // timeout: the rest count as errors
		}
		for _, msg := range c.in[:k] {
			b, m := msg.Buffers[0], msg.N
			if m < 8 || binary.BigEndian.Uint32(b[4:])-base >= uint32(len(ns)) {
				continue
			}
			pending--
			if binary.BigEndian.Uint32(b) == 1 && m >= 20 {
				res.ok++
				res.peers += int64((m - 20) / 6)
			} else {
				res.errs++
			}
		}
	}
	res.errs += int64(pending)
	return nil
}

// fillUDP announces every peer of the population once.
func fillUDP(to netip.AddrPort) (result, error) {
	start := time.Now()
	var total result
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := range udpWork {
		wg.Go(func() {
			c, err := newUDPClient(srcIP(w), to)
			if err != nil {
				firstErr.Store(err)
				return
			}
			defer c.conn.Close()
			var res result
			var ns []int
			for k := w; k < perSw; k += ips {
				for s := range swarms {
					ns = append(ns, peerN(s, k))
					if len(ns) == 32 {
						if err := c.batch(ns, 0, &res); err != nil {
							firstErr.Store(err)
							return
						}
						ns = ns[:0]
					}
				}
			}
			if len(ns) > 0 {
				_ = c.batch(ns, 0, &res)
			}
			mu.Lock()
			total.ok += res.ok
			total.errs += res.errs
			mu.Unlock()
		})
	}
	wg.Wait()
	total.dur = time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		return total, err
	}
	return total, nil
}

// runUDP announces random peers (numwant 50) for d. Each worker keeps
// udpWindow announces in flight, sending a new one for every answer (or
// expiry after 2 s, counted as an error), so that the sends and reads are
// batched and the generator costs little per announce.
func runUDP(to netip.AddrPort, d time.Duration) (result, error) {
	deadline := time.Now().Add(d)
	var total result
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for w := range udpWork {
		wg.Go(func() {
			c, err := newUDPClient(srcIP(w), to)
			if err != nil {
				firstErr.Store(err)
				return
			}
			defer c.conn.Close()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			var res result
			if err := c.pipeline(deadline, func() int { return randomPeer(r, w) }, 50, &res); err != nil {
				firstErr.Store(err)
				return
			}
			mu.Lock()
			total.ok += res.ok
			total.errs += res.errs
			total.peers += res.peers
			mu.Unlock()
		})
	}
	wg.Wait()
	total.dur = time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		return total, err
	}
	return total, nil
}

// udpWindow is how many announces one worker keeps in flight.
const udpWindow = 32

// pipeline announces next() peers until deadline with udpWindow in flight,
// then waits (at most 2 s) for the stragglers.
func (c *udpClient) pipeline(deadline time.Time, next func() int, numWant int32, res *result) error {
	type slot struct {
		tx   uint32
		at   time.Time
		live bool
	}
	var slots [udpWindow]slot
	inFlight := 0
	base := rand.Uint32()
	seq := uint32(0)
	lastExpire := time.Now()
	for {
		now := time.Now()
		sending := now.Before(deadline)
		if !sending && (inFlight == 0 || now.Sub(deadline) > 2*time.Second) {
			res.errs += int64(inFlight)
			return nil
		}
		if sending && time.Since(c.got) > 50*time.Second && inFlight == 0 {
			c.connID = 0 // refresh the connection ID between windows
		}
		if err := c.connect(); err != nil {
			return err
		}
		c.out = c.out[:0]
		for sending && inFlight < udpWindow && c.connID != 0 {
			i := seq % udpWindow
			if slots[i].live {
				break // its answer is still due
			}
			tx := base + seq
			slots[i] = slot{tx: tx, at: now, live: true}
			c.out = append(c.out, ipv4.Message{Buffers: [][]byte{c.announcePkt(next(), tx, numWant)}, Addr: c.toAddr})
			inFlight++
			seq++
		}
		for out := c.out; len(out) > 0; {
			k, err := c.pc.WriteBatch(out, 0)
			if err != nil {
				return err
			}
			out = out[k:]
		}
		_ = c.conn.SetReadDeadline(now.Add(100 * time.Millisecond))
		k, err := c.pc.ReadBatch(c.in, 0)
		if err != nil {
			k = 0 // timeout: expire below
		}
		for _, msg := range c.in[:k] {
			b, m := msg.Buffers[0], msg.N
			if m < 8 {
				continue
			}
			tx := binary.BigEndian.Uint32(b[4:])
			sl := &slots[(tx-base)%udpWindow]
			if !sl.live || sl.tx != tx {
				continue
			}
			sl.live = false
			inFlight--
			if binary.BigEndian.Uint32(b) == 1 && m >= 20 {
				res.ok++
				res.peers += int64((m - 20) / 6)
			} else {
				res.errs++
			}
		}
		if now.Sub(lastExpire) > 100*time.Millisecond {
			lastExpire = now
			for i := range slots {
				if slots[i].live && now.Sub(slots[i].at) > 2*time.Second {
					slots[i].live = false
					inFlight--
					res.errs++
				}
			}
		}
	}
}

// ── HTTP ────────────────────────────────────────────────────────────────────

func httpURL(base string, n int) string {
	h, id := infoHash(n%swarms), peerID(n)
	left := "1048576"
	if n%3 == 0 {
		left = "0"
	}
	return fmt.Sprintf("%s?info_hash=%s&peer_id=%s&port=%d&uploaded=0&downloaded=0&left=%s&compact=1&numwant=50",
		base, url.QueryEscape(string(h[:])), url.QueryEscape(string(id[:])), 10000+n/swarms, left)
}

// runHTTP announces random peers over keep-alive connections for d.
func runHTTP(base string, d time.Duration) result {
	deadline := time.Now().Add(d)
	var total result
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := range ips * httpPer {
		wg.Go(func() {
			ip := w % ips
			dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: srcIP(ip).AsSlice()}, Timeout: 2 * time.Second}
			hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext,
				MaxIdleConnsPerHost: 1, DisableCompression: true}}
			defer hc.CloseIdleConnections()
			r := rand.New(rand.NewPCG(uint64(w), 2))
			var res result
			for time.Now().Before(deadline) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				req, _ := http.NewRequestWithContext(ctx, "GET", httpURL(base, randomPeer(r, ip)), nil)
				resp, err := hc.Do(req)
				if err != nil {
					cancel()
					res.errs++
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				cancel()
				if err != nil || resp.StatusCode != 200 || len(body) == 0 || body[0] != 'd' || strings.Contains(string(body), "failure reason") {
					res.errs++
					continue
				}
				res.ok++
				res.peers += int64(compactPeers(body))
			}
			mu.Lock()
			total.ok += res.ok
			total.errs += res.errs
			total.peers += res.peers
			mu.Unlock()
		})
	}
	wg.Wait()
	total.dur = time.Since(start)
	return total
}

// compactPeers counts the IPv4 peers in a compact answer.
func compactPeers(body []byte) int {
	s := string(body)
	i := strings.Index(s, "5:peers")
	if i < 0 {
		return 0
	}
	s = s[i+7:]
	j := strings.IndexByte(s, ':')
	if j < 0 {
		return 0
	}
	var n int
	fmt.Sscanf(s[:j], "%d", &n)
	return n / 6
}
