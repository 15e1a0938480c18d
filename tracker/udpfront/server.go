package udpfront

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store"
)

// Options tune the server.
type Options struct {
	// Workers is the number of goroutines reading the socket (default
	// 4×GOMAXPROCS; each handles its packets to the end, store included).
	Workers int
	// ConnIDWindow is how often connection-ID keys rotate (default 1m);
	// an ID stays valid for one to two windows.
	ConnIDWindow time.Duration
	// Secret, when set, derives the window keys so that trackers sharing it
	// accept each other's connection IDs.
	Secret []byte
	// TrustIPParam honours the announce's IP field (off by default).
	TrustIPParam bool
	// Now is the clock for connection IDs (default time.Now).
	Now func() time.Time
}

// maxPacket is the read buffer: a packet that fills it is oversized.
const maxPacket = 2048

// Server answers BEP 15 requests.
type Server struct {
	t    *tracker.Tracker
	opts Options
	ids  *connIDs
}

// New returns a UDP frontend for t.
func New(t *tracker.Tracker, opts Options) *Server {
	if opts.Workers <= 0 {
		opts.Workers = 4 * runtime.GOMAXPROCS(0)
	}
	if opts.ConnIDWindow <= 0 {
		opts.ConnIDWindow = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{t: t, opts: opts, ids: newConnIDs(opts.Secret, opts.ConnIDWindow, opts.Now)}
}

// Serve answers packets on conn until ctx ends (then it closes conn) or
// conn fails.
func (s *Server) Serve(ctx context.Context, conn *net.UDPConn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, s.opts.Workers)
	for range s.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- s.worker(ctx, conn)
		}()
	}
	wg.Wait()
	close(errc)
	if ctx.Err() != nil {
		return nil
	}
	return <-errc
}

func (s *Server) worker(ctx context.Context, conn *net.UDPConn) error {
	buf := make([]byte, maxPacket)
	out := make([]byte, 0, 8+20+MaxPeersBytes)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				conn.Close()
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			conn.Close() // stop the other workers too
			return err
		}
		if n == len(buf) {
			s.t.Metrics().Dropped("oversized")
			continue
		}
		resp := s.Handle(ctx, buf[:n], from, out[:0])
		if resp != nil {
			_, _ = conn.WriteToUDPAddrPort(resp, from)
		}
	}
}

// MaxPeersBytes is the most peer bytes an answer carries (200 IPv6 peers).
const MaxPeersBytes = tracker.MaxNumWant * 18

// Handle answers one packet from `from`, appending the answer to out. It
// returns nil when the packet is to be dropped.
func (s *Server) Handle(ctx context.Context, pkt []byte, from netip.AddrPort, out []byte) []byte {
	start := time.Now()
	h, ok := parseHeader(pkt)
	if !ok {
		s.t.Metrics().Dropped("short")
		return nil
	}
	ip := from.Addr().Unmap()
	if !s.t.Allow(tracker.ProtoUDP, ip) {
		return nil
	}
	switch h.action {
	case actionConnect:
		if h.connID != protocolMagic {
			s.t.Metrics().Dropped("bad_magic")
			return nil
		}
		out = appendU32(out, actionConnect)
		out = appendU32(out, h.transaction)
		out = binary.BigEndian.AppendUint64(out, s.ids.issue(ip))
		s.t.Connect(time.Since(start))
		return out
	case actionAnnounce:
		if !s.ids.valid(ip, h.connID) {
			return s.unauthenticated(pkt, out, "announce", h.transaction, tracker.ErrConnectionID, start)
		}
		return s.announce(ctx, pkt, ip, out, start)
	case actionScrape:
		if !s.ids.valid(ip, h.connID) {
			return s.unauthenticated(pkt, out, "scrape", h.transaction, tracker.ErrConnectionID, start)
		}
		hs, err := ParseScrape(pkt, s.t.MaxScrape())
		if err != nil {
			return s.reject(out, "scrape", h.transaction, err, start)
		}
		cs, err := s.t.Scrape(ctx, tracker.ProtoUDP, hs)
		if err != nil {
			return errorPacket(out, h.transaction, tracker.AsClientError(err).Msg)
		}
		out = appendU32(out, actionScrape)
		out = appendU32(out, h.transaction)
		for _, c := range cs {
			out = appendU32(out, clampU32(c.Seeders))
			out = appendU32(out, clampU32(c.Completed))
			out = appendU32(out, clampU32(c.Leechers))
		}
		return out
	default:
		if !s.ids.valid(ip, h.connID) {
			return s.unauthenticated(pkt, out, "unknown", h.transaction, tracker.ErrConnectionID, start)
		}
		return s.reject(out, "unknown", h.transaction, tracker.ErrUnknownAction, start)
	}
}

func (s *Server) announce(ctx context.Context, pkt []byte, ip netip.Addr, out []byte, start time.Time) []byte {
	a, err := ParseAnnounce(pkt)
	if err != nil {
		return s.reject(out, "announce", a.Transaction, err, start)
	}
	if s.opts.TrustIPParam && a.IP != [4]byte{} {
		ip = netip.AddrFrom4(a.IP)
	}
	left := a.Left
	if left < 0 {
		left = -1
	}
	resp, err := s.t.Announce(ctx, tracker.AnnounceRequest{
		Proto: tracker.ProtoUDP, InfoHash: a.InfoHash, PeerID: a.PeerID, Addr: netip.AddrPortFrom(ip, a.Port),
		Left: left, Uploaded: max(a.Uploaded, 0), Downloaded: max(a.Downloaded, 0), Event: a.Event, NumWant: int(a.NumWant),
	})
	if err != nil {
		return errorPacket(out, a.Transaction, tracker.AsClientError(err).Msg)
	}
	out = appendU32(out, actionAnnounce)
	out = appendU32(out, a.Transaction)
	out = appendU32(out, uint32(resp.Interval/time.Second))
	out = appendU32(out, clampU32(resp.Leechers))
	out = appendU32(out, clampU32(resp.Seeders))
	for _, p := range resp.Peers {
		out = store.AppendCompact(out, p.Addr)
	}
	return out
}

func (s *Server) reject(out []byte, action string, transaction uint32, err error, start time.Time) []byte {
	e := tracker.AsClientError(err)
	s.t.Rejected(tracker.ProtoUDP, action, e, time.Since(start))
	return errorPacket(out, transaction, e.Msg)
}

// unauthenticated answers a request without a valid connection ID with an
// error, unless the error would be larger than the request (no
// amplification for spoofed sources).
func (s *Server) unauthenticated(pkt, out []byte, action string, transaction uint32, err error, start time.Time) []byte {
	resp := s.reject(out, action, transaction, err, start)
	if len(resp)-len(out) > len(pkt) {
		s.t.Metrics().Dropped("unauthenticated")
		return nil
	}
	return resp
}

func clampU32(n int) uint32 { return uint32(min(max(n, 0), 1<<32-1)) }
