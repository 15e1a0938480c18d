package peer

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"sync/atomic"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"
	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/storage"
	"github.com/shoal-p2p/shoal/peer/wire"
	"github.com/shoal-p2p/shoal/proximity"
)

const (
	keepaliveInterval = 2 * time.Minute
	readIdleTimeout   = keepaliveInterval + time.Minute
	maxUploadQueue    = 512 // requests a peer may have queued with us
)

// peerConn is one connection. Fields above the line are immutable after
// creation; the rest are owned by the torrent's event loop, except the
// meters (atomic) and q (locked), which the reader and writer touch.
type peerConn struct {
	id       picker.PeerID
	wc       *wire.Conn
	addr     netip.AddrPort
	source   Source
	outgoing bool
	q        *outQueue
	down, up wire.Meter // payload bytes received / sent
	// hasSome: the peer holds at least one piece. The loop sets it; the
	// writer's upload gate serves peers with nothing first.
	hasSome atomic.Bool
	ctx     context.Context
	cancel  context.CancelFunc
	// ---- loop-owned ----
	connectedAt    time.Time
	amChoking      bool
	amInterested   bool
	peerChoking    bool
	peerInterested bool
	has            bitfield.Bitfield
	hasAll         bool   // counted in the picker as a seed
	rawBitfield    []byte // bitfield received before we knew the piece count (magnet)
	rawHaveAll     bool
	rawHaves       []uint32
	ext            wire.ExtHandshake
	extOK          bool
	listenPort     uint16 // from the extension handshake; for PEX
	outstanding    map[picker.Block]time.Time
	pipe           *picker.Pipeline
	allowedForUs   map[uint32]bool // pieces the peer lets us request while choked
	allowedForThem map[uint32]bool // pieces we let the peer request while choked
	wanted         int             // pieces it has that we want
	strikes        int             // hash failures it contributed to
	paroled        bool            // on parole after a hash failure
	pexSent        map[netip.AddrPort]bool
	nextPEX        time.Time
	metaPending    int // metadata pieces requested from it
	asn            proximity.ASN
	dist           proximity.Distance
	class          string            // why it was chosen: same-net, same-as, prefix, remote-quota
	offered        map[int]time.Time // super-seeding: pieces offered to it, when
	near           bool              // same AS or /24 (locality.go)
	locCounted     bool              // near: its pieces are in the locality view
	outside        int               // remote: pieces it has that we may fetch from outside
	claims         map[int]time.Time // near: pieces it claimed, when
}

func (c *peerConn) fast() bool { return c.wc.Extensions.SupportsFast() }

func (c *peerConn) send(m wire.Message) { c.q.push(outItem{m: m}) }

func (c *peerConn) sendType(t pp.MessageType) { c.send(wire.Message{Type: t}) }

// readLoop decodes messages and hands them to the event loop. It throttles
// by the download limiters after each piece so a capped peer slows its
// sender through TCP flow control.
func (c *peerConn) readLoop(inbox chan<- event, maxLen uint32, limits []*rate.Limiter) {
	r := wire.NewReader(c.wc, maxLen)
	var err error
	for {
		_ = c.wc.SetReadDeadline(time.Now().Add(readIdleTimeout))
		var m wire.Message
		if err = r.ReadMessage(&m); err != nil {
			break
		}
		if m.Type == pp.Piece && !m.Keepalive {
			c.down.Add(len(m.Piece))
			if err = waitLimits(c.ctx, limits, len(m.Piece)); err != nil {
				wire.PutBlock(m.Piece)
				break
			}
		} else {
			// Everything but piece payloads may alias the reader's buffer.
			m.Bitfield = cloneBytes(m.Bitfield)
			m.ExtendedPayload = cloneBytes(m.ExtendedPayload)
		}
		select {
		case inbox <- event{kind: evMsg, c: c, m: m}:
		case <-c.ctx.Done():
			if m.Piece != nil {
				wire.PutBlock(m.Piece)
			}
			err = c.ctx.Err()
		}
		if err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("peer closed the connection")
	}
	select {
	case inbox <- event{kind: evClosed, c: c, err: err}:
	case <-c.ctx.Done():
	}
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// writeLoop sends queued messages, reading requested blocks from storage
// itself, and keeps the connection alive when idle.
func (c *peerConn) writeLoop(st func() *storage.Storage, limits []*rate.Limiter, gate *uploadGate) {
	defer c.cancel()
	w := wire.NewWriter(c.wc)
	block := make([]byte, wire.BlockSize)
	var items []outItem
	gw := newGateWriter(gate)
	idle := time.NewTimer(keepaliveInterval)
	defer idle.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.q.ready:
		case <-idle.C:
			c.q.push(outItem{m: wire.Message{Keepalive: true}})
			continue
		}
		if c.q.isClosed() {
			return
		}
		perTake, g := maxUploadsPerTake, (*gateWriter)(nil)
		if limited(limits) {
			perTake, g = 1, gw
		}
		items = c.q.take(items, perTake)
		for i := range items {
			it := &items[i]
			_ = c.wc.SetWriteDeadline(time.Now().Add(time.Minute))
			var err error
			if it.upload {
				err = c.upload(w, st(), it.m, block, limits, g)
			} else {
				err = w.WriteMessage(&it.m)
			}
			if err != nil {
				c.cancel()
				return
			}
		}
		clear(items)
		if err := w.Flush(); err != nil {
			c.cancel()
			return
		}
		idle.Reset(keepaliveInterval)
	}
}

// upload sends one requested block. A rate-limited upload (gw not nil)
// first waits for its turn at the torrent's upload gate, then for tokens;
// messages queued meanwhile go out while it waits (sendControl).
func (c *peerConn) upload(w *wire.Writer, st *storage.Storage, m wire.Message, block []byte, limits []*rate.Limiter, gw *gateWriter) error {
	if st == nil || int(m.Length) > len(block) {
		return errors.New("upload without storage")
	}
	if gw != nil {
		blocks := (st.PieceSize(int(m.Index)) + wire.BlockSize - 1) / wire.BlockSize
		for {
			err := gw.wait(c.ctx, c.q.control, m.Index, blocks, !c.hasSome.Load())
			if err == nil {
				break
			}
			if !errors.Is(err, errGateWoken) {
				return err
			}
			choked, err := c.sendControl(w)
			if err != nil {
				return err
			}
			if choked && !c.fast() {
				// Without BEP 6 the peer dropped its requests at our choke.
				gw.forget(m.Index)
				return nil
			}
		}
	}
	err := waitLimits(c.ctx, limits, int(m.Length))
	if gw != nil {
		next, ok := c.q.nextUpload()
		gw.done(next, ok && err == nil, !c.hasSome.Load())
	}
	if err != nil {
		return err
	}
	b := block[:m.Length]
	if err := st.ReadBlock(int(m.Index), int(m.Begin), b); err != nil {
		return err
	}
	if err := w.WritePiece(m.Index, m.Begin, b); err != nil {
		return err
	}
	c.up.Add(len(b))
	return nil
}

// sendControl writes the queued messages other than uploads, for a writer
// waiting to upload, and reports whether one was a choke.
func (c *peerConn) sendControl(w *wire.Writer) (choked bool, err error) {
	items := c.q.takeControl(nil)
	for i := range items {
		if items[i].m.Type == pp.Choke && !items[i].m.Keepalive {
			choked = true
		}
		if err := w.WriteMessage(&items[i].m); err != nil {
			return choked, err
		}
	}
	return choked, w.Flush()
}

// limited reports whether any of limits caps the rate.
func limited(limits []*rate.Limiter) bool {
	for _, l := range limits {
		if l != nil && l.Limit() != rate.Inf {
			return true
		}
	}
	return false
}

// waitLimits takes n bytes from each limiter, in bursts the limiter allows.
func waitLimits(ctx context.Context, limits []*rate.Limiter, n int) error {
	for _, l := range limits {
		if l == nil || l.Limit() == rate.Inf {
			continue
		}
		for left := n; left > 0; {
			k := min(left, l.Burst())
			if err := l.WaitN(ctx, k); err != nil {
				return err
			}
			left -= k
		}
	}
	return nil
}

// newLimiter returns a token bucket for bytesPerSec (nil = unlimited).
func newLimiter(bytesPerSec int64) *rate.Limiter {
	if bytesPerSec <= 0 {
		return nil
	}
	burst := max(int(bytesPerSec/10), 2*wire.BlockSize)
	return rate.NewLimiter(rate.Limit(bytesPerSec), burst)
}
