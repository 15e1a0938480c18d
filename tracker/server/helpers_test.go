package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"testing"
	"time"

	anatracker "github.com/anacrolix/torrent/tracker"
	trHttp "github.com/anacrolix/torrent/tracker/http"
	"github.com/anacrolix/torrent/types/infohash"

	"github.com/shoal-p2p/shoal/tracker/server"
)

// running is a server under test.
type running struct {
	s    *server.Server
	done chan error
	stop context.CancelFunc
}

func (r *running) httpURL() string { return fmt.Sprintf("http://%s/announce", r.s.HTTPAddrs()[0]) }
func (r *running) udpURL() string  { return fmt.Sprintf("udp://%s/announce", r.s.UDPAddrs()[0]) }

// start runs a tracker on 127.0.0.1 ports until the test ends; it must stop
// cleanly.
func start(t *testing.T, mod func(*server.Config)) *running {
	t.Helper()
	cfg := server.Config{HTTPAddrs: []string{"127.0.0.1:0"}, UDPAddrs: []string{"127.0.0.1:0"}, MetricsAddr: "127.0.0.1:0",
		StatsEvery: 50 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &running{s: s, done: make(chan error, 1), stop: cancel}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { r.shutdown(t) })
	return r
}

func (r *running) shutdown(t *testing.T) {
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		r.done <- nil
	case <-time.After(15 * time.Second):
		t.Error("tracker did not stop within 15s")
	}
}

// client is anacrolix's tracker client, sending from local (a 127.x address).
func client(t *testing.T, u, local string) anatracker.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := anatracker.NewClient(u, anatracker.NewClientOpts{
		Http: trHttp.NewClientOpts{DialContext: d.DialContext, Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }},
		ListenPacket: func(network, _ string) (net.PacketConn, error) {
			return net.ListenPacket("udp4", net.JoinHostPort(local, "0"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ih(n byte) infohash.T {
	var h infohash.T
	for i := range h {
		h[i] = n
	}
	return h
}

func peerID(n byte) [20]byte {
	var id [20]byte
	copy(id[:], fmt.Sprintf("-AN0001-%012d", n))
	return id
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func addrs(ps []anatracker.Peer) []netip.AddrPort {
	var out []netip.AddrPort
	for _, p := range ps {
		a, _ := p.ToNetipAddrPort()
		out = append(out, netip.AddrPortFrom(a.Addr().Unmap(), a.Port()))
	}
	return out
}

func get(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
