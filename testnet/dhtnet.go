package testnet

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"

	"github.com/shoal-p2p/shoal/dht"
	"github.com/shoal-p2p/shoal/proximity"
)

// bootstrapIP is the standalone DHT bootstrap node's address: outside every
// AS, like the tracker's 127.0.0.2.
const bootstrapIP = "127.0.0.3"

// dhtNode is one standalone DHT node across its restarts: the same address
// and port each time, with a state file for warm restarts.
type dhtNode struct {
	ip, state string
	bootstrap []string // empty for the bootstrap node itself
	loc       proximity.Locator
	log       *slog.Logger

	mu     sync.Mutex
	port   int       // fixed after the first start
	node   *dht.Node // nil while stopped
	pastIn uint64    // datagrams received by earlier incarnations
}

func newDHTNode(ip, dir string, bootstrap []string, loc proximity.Locator, log *slog.Logger) *dhtNode {
	return &dhtNode{ip: ip, state: filepath.Join(dir, "dht-"+ip+".state"), bootstrap: bootstrap, loc: loc,
		log: log.With("dht", ip)}
}

// start opens the node on its address (any free port the first time, the
// same port afterwards).
func (d *dhtNode) start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.node != nil {
		return nil
	}
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(d.ip, fmt.Sprint(d.port)))
	if err != nil {
		return fmt.Errorf("DHT node %s: %w", d.ip, err)
	}
	n, err := dht.New(dht.Config{
		Conn: loopbackOnly{pc}, Bootstrap: d.bootstrap, StateFile: d.state, Locator: d.loc, Logger: d.log,
	})
	if err != nil {
		pc.Close()
		return fmt.Errorf("DHT node %s: %w", d.ip, err)
	}
	d.node, d.port = n, int(n.Addr().Port())
	return nil
}

// stop closes the node (which saves its state file), keeping its counters.
func (d *dhtNode) stop() {
	d.mu.Lock()
	n := d.node
	d.node = nil
	if n != nil {
		d.pastIn += n.Stats().PacketsIn
	}
	d.mu.Unlock()
	if n != nil {
		if err := n.Close(); err != nil {
			d.log.Warn("testnet: DHT node close", "err", err)
		}
	}
}

// forget removes the state file, so that the next start is cold.
func (d *dhtNode) forget() {
	if err := os.Remove(d.state); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.log.Warn("testnet: removing DHT state", "err", err)
	}
}

// addr is host:port, valid once started.
func (d *dhtNode) addr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return net.JoinHostPort(d.ip, fmt.Sprint(d.port))
}

// packetsIn counts the datagrams received by every incarnation so far.
func (d *dhtNode) packetsIn() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.pastIn
	if d.node != nil {
		n += d.node.Stats().PacketsIn
	}
	return n
}

// loopbackOnly is a UDP socket that refuses to send anywhere outside
// 127.0.0.0/8, whatever a DHT message may have suggested.
type loopbackOnly struct{ net.PacketConn }

var errNotLoopback = errors.New("testnet: refusing to send outside 127.0.0.0/8")

func (c loopbackOnly) WriteTo(p []byte, addr net.Addr) (int, error) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil || !ap.Addr().Unmap().IsLoopback() || !ap.Addr().Unmap().Is4() {
		return 0, errNotLoopback
	}
	return c.PacketConn.WriteTo(p, addr)
}
