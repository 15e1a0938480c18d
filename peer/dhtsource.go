package peer

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/dht"
	"github.com/shoal-p2p/shoal/peer/wire"
)

// The DHT as a peer source: one node per client on the same IP and port as
// the peer listener; each public torrent announces itself and looks up
// peers now and then, and the peers found join the same proximity-ordered
// candidate list as every other source.

const (
	dhtAnnounceEvery = 15 * time.Minute
	dhtLonelyEvery   = time.Minute // while we have few peers
	// dhtEmptyRetry is the wait after a lookup that found nobody while we
	// have no peer at all, doubling with every empty lookup up to
	// dhtLonelyEvery: a swarm that restarts together looks itself up
	// before anyone has announced again.
	dhtEmptyRetry    = 2 * time.Second
	dhtLookupTimeout = 2 * time.Minute
	dhtFewPeers      = 5
	dhtStateFileName = "dht.state"
	dhtStateSubdir   = ".shoal"
)

// startDHT opens the client's DHT node, unless disabled.
func (c *Client) startDHT() error {
	if c.cfg.NoDHT {
		return nil
	}
	host := "0.0.0.0"
	if c.bindIP.IsValid() && c.bindIP.Is4() {
		host = c.bindIP.String()
	}
	port := c.cfg.DHTPort
	if port == 0 && c.listen.IsValid() {
		port = int(c.listen.Port())
	}
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(host, fmt.Sprint(port)))
	if err != nil {
		// The TCP port's number may be taken for UDP: fall back to any port.
		if pc, err = net.ListenPacket("udp4", net.JoinHostPort(host, "0")); err != nil {
			return fmt.Errorf("DHT socket on %s: %w", host, err)
		}
	}
	state := c.cfg.DHTStateFile
	if state == "" {
		state = filepath.Join(c.cfg.DataDir, dhtStateSubdir, dhtStateFileName)
	}
	node, err := dht.New(dht.Config{
		Conn:      pc,
		Bootstrap: c.cfg.DHTBootstrap,
		StateFile: state,
		Locator:   c.cfg.Locator,
		SelfIP:    c.bindIP,
		Logger:    c.cfg.Logger.With("component", "dht"),
	})
	if err != nil {
		pc.Close()
		return err
	}
	c.dht = node
	return nil
}

// DHT is the client's DHT node (nil when disabled).
func (c *Client) DHT() *dht.Node { return c.dht }

// dhtActive: the node exists and this torrent may use it (BEP 27).
func (t *torrent) dhtActive() bool {
	return t.cl.dht != nil && !t.private() && !t.paused
}

// dhtTick starts an announce lookup when one is due.
func (t *torrent) dhtTick(now time.Time) {
	if !t.dhtActive() || t.dhtLookup || t.state == StateChecking || t.state == StateError {
		return
	}
	every := dhtAnnounceEvery
	if len(t.conns) < dhtFewPeers && t.state != StateSeeding {
		every = dhtLonelyEvery
		if len(t.conns) == 0 && t.dhtEmpty > 0 {
			every = dhtRetryAfter(t.dhtEmpty)
		}
	}
	if !t.lastDHT.IsZero() && now.Sub(t.lastDHT) < every {
		return
	}
	t.lastDHT = now
	t.dhtLookup = true
	node := t.cl.dht
	port := int(t.cl.ListenAddr().Port())
	ih := t.ih
	if self := t.selfAddr(); self.IsValid() && port != 0 {
		// Our node answers get_peers for our own torrents too.
		node.AddLocalPeer(ih, netip.AddrPortFrom(self, uint16(port)))
	}
	go func() {
		ctx, cancel := context.WithTimeout(t.ctx, dhtLookupTimeout)
		defer cancel()
		l := node.Announce(ctx, ih, port)
		found := 0
		for batch := range l.C {
			addrs := make([]netip.AddrPort, 0, len(batch))
			for _, r := range batch {
				addrs = append(addrs, r.Addr)
			}
			found += len(addrs)
			t.post(event{kind: evPeers, addrs: addrs, src: SourceDHT})
		}
		st := l.Stats()
		t.post(event{kind: evCmd, fn: func(tt *torrent) {
			tt.dhtLookup = false
			if found == 0 {
				tt.dhtEmpty++
			} else {
				tt.dhtEmpty = 0
			}
			tt.dhtLast = st
			tt.log.Debug("DHT lookup done", "peers", found, "queries", st.Queries, "took", st.Duration)
		}})
	}()
}

// sendDHTPort tells a peer that supports the DHT where our node listens.
func (t *torrent) sendDHTPort(c *peerConn) {
	if t.cl.dht == nil || !c.wc.Extensions.SupportsDHT() {
		return
	}
	c.send(wire.Message{Type: pp.Port, Port: t.cl.dht.Addr().Port()})
}

// onDHTPort: a peer's PORT message is a DHT contact.
func (t *torrent) onDHTPort(c *peerConn, port uint16) {
	if t.cl.dht == nil || port == 0 {
		return
	}
	t.cl.dht.AddContact(netip.AddrPortFrom(c.addr.Addr(), port))
}

// dhtRetryAfter is the wait before the next lookup after n empty ones in a
// row (n ≥ 1) while we have no peer.
func dhtRetryAfter(n int) time.Duration {
	return min(dhtEmptyRetry<<min(n-1, 10), dhtLonelyEvery)
}
