package testnet

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"

	"github.com/shoal-p2p/shoal/peer"
)

// seedPeer is one seeding peer across mass restarts: same address and port
// each time, the whole file on disk from the start.
type seedPeer struct {
	ip       string
	dhtState string
	cfg      func(listen string) peer.Config
	mi       any
	ctx      context.Context

	mu       sync.Mutex
	port     int
	c        *peer.Client
	t        *peer.Torrent
	uploaded int64 // by earlier incarnations
}

// start runs the seed and waits until it has checked its data.
func (s *seedPeer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != nil {
		return nil
	}
	c, err := peer.NewClient(s.cfg(net.JoinHostPort(s.ip, strconv.Itoa(s.port))))
	if err != nil && s.port != 0 {
		c, err = peer.NewClient(s.cfg(net.JoinHostPort(s.ip, "0")))
	}
	if err != nil {
		return err
	}
	t, err := c.Add(s.ctx, s.mi, peer.AddOptions{Seed: true})
	if err == nil {
		err = t.Wait(s.ctx)
	}
	if err != nil {
		c.Close()
		return err
	}
	s.c, s.t = c, t
	if ap, err := netip.ParseAddrPort(c.ListenAddr().String()); err == nil {
		s.port = int(ap.Port())
	}
	return nil
}

// stop closes the client, keeping its upload count.
func (s *seedPeer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return
	}
	s.uploaded += s.t.Stats().Uploaded
	s.c.Close()
	s.c, s.t = nil, nil
}

// forget removes the seed's DHT state file (a file that cannot be removed
// only makes that seed's restart warm).
func (s *seedPeer) forget() { _ = os.Remove(s.dhtState) }

// totalUploaded is what every incarnation uploaded.
func (s *seedPeer) totalUploaded() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.uploaded
	if s.t != nil {
		n += s.t.Stats().Uploaded
	}
	return n
}

// addr is the seed's listen address.
func (s *seedPeer) addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.JoinHostPort(s.ip, strconv.Itoa(s.port))
}
