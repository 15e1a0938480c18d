package udpfront

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store"
)

// Options tune the server.
type Options struct {
	// Workers is the number of goroutines reading each socket (default
	// 4; each handles its packets to the end, store included, so a store
	// that waits on the network wants several).
	Workers int
	// Sockets is how many SO_REUSEPORT sockets a server binds per UDP
	// address (see ListenUDP); 0 means GOMAXPROCS.
	Sockets int
	// BatchSize is the most packets a worker reads with one system call
	// (default 32).
	BatchSize int
	// ConnIDWindow is how often connection-ID keys rotate (default 1m);
	// an ID stays valid for one to two windows.
	ConnIDWindow time.Duration
	// Secret, when set, derives the window keys so that trackers sharing it
	// accept each other's connection IDs.
	Secret []byte
	// TrustIPParam honours the announce's IP field (off by default).
	TrustIPParam bool
	// Now is the clock for connection IDs (default: the time a packet was
	// received, read once per batch).
	Now func() time.Time
}

// maxPacket is the read buffer: a packet that fills it is oversized.
const maxPacket = 2048

// Server answers BEP 15 requests.
type Server struct {
	t     *tracker.Tracker
	opts  Options
	ids   *connIDs
	clock bool // Options.Now was given: connection IDs follow it
}

// New returns a UDP frontend for t.
func New(t *tracker.Tracker, opts Options) *Server {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 32
	}
	if opts.ConnIDWindow <= 0 {
		opts.ConnIDWindow = time.Minute
	}
	clock := opts.Now != nil
	if !clock {
		opts.Now = time.Now
	}
	return &Server{t: t, opts: opts, ids: newConnIDs(opts.Secret, opts.ConnIDWindow, opts.Now), clock: clock}
}

// Serve answers packets on conn until ctx ends (then it closes conn) or
// conn fails. Several Serve calls may share one socket, or each may get its
// own socket bound with SO_REUSEPORT (see ListenUDP).
func (s *Server) Serve(ctx context.Context, conn *net.UDPConn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, s.opts.Workers)
	for range s.opts.Workers {
		bio, err := newBatchIO(conn, s.opts.BatchSize)
		if err != nil {
			conn.Close()
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- s.worker(ctx, conn, bio)
		}()
	}
	wg.Wait()
	close(errc)
	if ctx.Err() != nil {
		return nil
	}
	return <-errc
}

// worker reads up to BatchSize packets per system call (recvmmsg), answers
// them in order and sends the answers with one sendmmsg.
func (s *Server) worker(ctx context.Context, conn *net.UDPConn, bio batchIO) error {
	for {
		n, err := bio.read()
		if err != nil {
			if ctx.Err() != nil || isClosed(err) {
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
		now := time.Now() // one clock read for the batch
		for i := range n {
			pkt, from, ok, trunc := bio.packet(i)
			if !ok {
				continue
			}
			if len(pkt) == maxPacket || trunc {
				s.t.Metrics().Dropped("oversized")
				continue
			}
			if resp := s.HandleAt(ctx, pkt, from, bio.outBuf(i), now); resp != nil {
				bio.answer(i, resp)
			}
		}
		if err := bio.flush(); err != nil {
			if ctx.Err() != nil || isClosed(err) {
				conn.Close()
				return nil
			}
			conn.Close()
			return err
		}
	}
}

// isClosed reports whether err says the socket is closed.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }

// peerBufs holds the peer lists of announces being answered.
var peerBufs = sync.Pool{New: func() any { return new([]store.Peer) }}

// MaxPeersBytes is the most peer bytes an answer carries (200 IPv6 peers).
const MaxPeersBytes = tracker.MaxNumWant * 18

// Handle answers one packet from `from`, appending the answer to out. It
// returns nil when the packet is to be dropped.
func (s *Server) Handle(ctx context.Context, pkt []byte, from netip.AddrPort, out []byte) []byte {
	return s.HandleAt(ctx, pkt, from, out, time.Now())
}

// HandleAt is Handle for a packet received at time now (from time.Now),
// the time its latency is counted from and, unless Options.Now is set,
// its connection ID is checked against: a server that reads packets in
// batches reads the clock once per batch.
func (s *Server) HandleAt(ctx context.Context, pkt []byte, from netip.AddrPort, out []byte, now time.Time) []byte {
	start, idTime := now, now
	if s.clock {
		idTime = s.opts.Now()
	}
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
		out = binary.BigEndian.AppendUint64(out, s.ids.issue(ip, idTime))
		s.t.Connect(time.Since(start))
		return out
	case actionAnnounce:
		if !s.ids.valid(ip, h.connID, idTime) {
			return s.unauthenticated(pkt, out, "announce", h.transaction, tracker.ErrConnectionID, start)
		}
		return s.announce(ctx, pkt, ip, out, start)
	case actionScrape:
		if !s.ids.valid(ip, h.connID, idTime) {
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
		if !s.ids.valid(ip, h.connID, idTime) {
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
	pb := peerBufs.Get().(*[]store.Peer)
	defer peerBufs.Put(pb)
	// The header's counts are known after the announce: the peers go
	// after room for it, straight from the store when it writes them.
	hdr := len(out)
	out = append(out, make([]byte, announceHeaderLen)...)
	resp, err := s.t.Announce(ctx, tracker.AnnounceRequest{
		Proto: tracker.ProtoUDP, InfoHash: a.InfoHash, PeerID: a.PeerID, Addr: netip.AddrPortFrom(ip, a.Port),
		Left: left, Uploaded: max(a.Uploaded, 0), Downloaded: max(a.Downloaded, 0), Event: a.Event, NumWant: int(a.NumWant),
		NoPeerIDs: true, PeerBuf: *pb, CompactBuf: out, Received: start,
	})
	if cap(resp.Peers) > cap(*pb) {
		*pb = resp.Peers[:0]
	}
	if err != nil {
		return errorPacket(out[:hdr], a.Transaction, tracker.AsClientError(err).Msg)
	}
	if resp.Compact != nil {
		out = resp.Compact
	}
	for _, p := range resp.Peers {
		out = store.AppendCompact(out, p.Addr)
	}
	h := out[hdr : hdr+announceHeaderLen]
	binary.BigEndian.PutUint32(h[0:], actionAnnounce)
	binary.BigEndian.PutUint32(h[4:], a.Transaction)
	binary.BigEndian.PutUint32(h[8:], uint32(resp.Interval/time.Second))
	binary.BigEndian.PutUint32(h[12:], clampU32(resp.Leechers))
	binary.BigEndian.PutUint32(h[16:], clampU32(resp.Seeders))
	return out
}

// announceHeaderLen is the size of an announce answer before its peers.
const announceHeaderLen = 20

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
