package peer

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/choker"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/wire"
)

const dialTimeout = 10 * time.Second

func toChokerID(id picker.PeerID) choker.PeerID { return choker.PeerID(id) }

// connectMore dials candidates while there is room.
func (t *torrent) connectMore(now time.Time) {
	if t.paused || t.state == StateChecking || t.state == StateError || t.ctx.Err() != nil {
		return
	}
	free := min(t.cfg.MaxHalfOpen-t.halfOpen, t.cfg.MaxConnsPerTorrent-len(t.conns)-t.halfOpen)
	if free <= 0 && !t.turnoverDue(now) {
		return
	}
	self := t.cl.ListenAddr()
	ready := t.cands.ready(now, func(a netip.AddrPort) bool {
		return t.byAddr[a] != nil || t.banned[a.Addr()] || a == self
	})
	if len(ready) == 0 {
		return
	}
	if free <= 0 {
		t.turnoverDial(now, ready)
		return
	}
	for _, r := range t.orderCandidates(ready, free) {
		c := t.cands.m[r.Addr]
		if c == nil {
			continue
		}
		c.class = r.Class.String()
		// Not again until this attempt ends and its backoff passes.
		c.nextTry = now.Add(dialTimeout + 5*time.Second)
		t.halfOpen++
		go t.dial(c.addr, c.src, c.encrypt)
	}
}

func (t *torrent) dial(a netip.AddrPort, src Source, encrypt bool) {
	ctx, cancel := context.WithTimeout(t.ctx, dialTimeout)
	defer cancel()
	nc, err := t.cl.dialPeer(ctx, a)
	var wc *wire.Conn
	if err == nil {
		opts := t.cl.wireOptions()
		if encrypt && opts.Encryption == wire.PreferPlaintext {
			opts.Encryption = wire.RequireEncryption
		}
		_ = nc.SetDeadline(time.Now().Add(dialTimeout))
		wc, err = wire.Initiate(ctx, nc, t.ih, opts)
		if err != nil {
			nc.Close()
		} else {
			_ = nc.SetDeadline(time.Time{})
		}
	}
	ev := event{kind: evDialDone, addr: a, src: src, wc: wc, err: err}
	if !t.post(ev) && wc != nil {
		wc.Close()
	}
}

// dialPeer opens a TCP connection to a peer, through Config.Dial when set.
func (c *Client) dialPeer(ctx context.Context, a netip.AddrPort) (net.Conn, error) {
	laddr := c.localAddrFor(a.Addr())
	if c.cfg.Dial != nil {
		ls := ""
		if laddr != nil {
			ls = laddr.String()
		}
		return c.cfg.Dial(ctx, "tcp", ls, a.String())
	}
	d := net.Dialer{}
	if laddr != nil {
		d.LocalAddr = laddr
	}
	return d.DialContext(ctx, "tcp", a.String())
}

func (t *torrent) onDialDone(ev event) {
	t.halfOpen--
	now := time.Now()
	if ev.err != nil {
		if c := t.cands.m[ev.addr]; c != nil && !c.encrypt && t.cfg.Encryption == wire.PreferPlaintext && !errors.Is(ev.err, context.DeadlineExceeded) && isHandshakeRefusal(ev.err) {
			// The peer may require encryption: try once more with MSE.
			c.encrypt = true
			c.nextTry = now
		} else {
			t.cands.failed(ev.addr, now)
		}
		t.connectMore(now)
		return
	}
	t.cands.connected(ev.addr, now)
	t.onConnected(ev.wc, ev.addr, ev.src, true)
	// The half-open slot is free again: the next candidate need not wait
	// for the 1 s tick (MaxHalfOpen dials per tick took a flash crowd of
	// 50 several seconds to connect).
	t.connectMore(now)
}

// isHandshakeRefusal: the TCP connection opened but the peer hung up on our
// plaintext handshake — what an encryption-only peer does.
func isHandshakeRefusal(err error) bool {
	var ne *net.OpError
	return !errors.As(err, &ne) || ne.Op != "dial"
}

// onConnected adopts a connection whose handshake finished.
func (t *torrent) onConnected(wc *wire.Conn, addr netip.AddrPort, src Source, outgoing bool) {
	if wc == nil {
		return
	}
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	reject := func(why string) {
		t.log.Debug("connection refused", "addr", addr, "why", why)
		wc.Close()
	}
	now := time.Now()
	switch {
	case t.paused || t.state == StateChecking || t.state == StateError || t.ctx.Err() != nil:
		reject("not accepting now")
		return
	case t.banned[addr.Addr()]:
		reject("banned")
		return
	case t.byAddr[addr] != nil:
		reject("duplicate address")
		return
	}
	for _, c := range t.conns {
		if c.wc.PeerID == wc.PeerID {
			reject("duplicate peer id")
			return
		}
	}
	if len(t.conns) >= t.cfg.MaxConnsPerTorrent {
		victim := t.turnoverVictim(t.levelOf(addr.Addr()), now)
		if victim == nil {
			reject("connection limit")
			return
		}
		t.log.Debug("turnover: a nearer peer connected", "addr", addr, "closing", victim.addr)
		t.dropConn(victim, errReplaced)
	}
	t.nextID++
	ctx, cancel := context.WithCancel(t.ctx)
	c := &peerConn{
		id:          t.nextID,
		wc:          wc,
		addr:        addr,
		source:      src,
		outgoing:    outgoing,
		q:           newOutQueue(),
		ctx:         ctx,
		cancel:      cancel,
		connectedAt: now,
		amChoking:   true,
		peerChoking: true,
		outstanding: map[picker.Block]time.Time{},
		pipe:        picker.NewPipeline(now),
	}
	if outgoing {
		c.listenPort = addr.Port()
		if cand := t.cands.m[addr]; cand != nil {
			c.class = cand.class
		}
	}
	c.asn, c.dist = t.classify(addr.Addr())
	c.near = nearness(c.dist) > 0
	if c.class == "" {
		c.class = classOf(c.dist)
	}
	t.conns[c.id] = c
	t.byAddr[addr] = c
	t.locNearChanged(c)
	t.log.Debug("peer connected", "addr", addr, "source", src, "outgoing", outgoing, "encrypted", wc.Encrypted)

	// BEP 3: the bitfield (or BEP 6 have_all/have_none) comes first.
	if t.superSeeding() {
		t.superHello(c)
	} else if t.info != nil {
		t.sendHaves(c)
	} else if c.fast() {
		c.sendType(pp.HaveNone)
	}
	if wc.Extensions.SupportsExtended() {
		c.send(wire.Message{Type: pp.Extended, ExtendedID: 0, ExtendedPayload: t.extHandshake(c)})
	}
	t.sendDHTPort(c)
	if t.info != nil {
		t.connGotInfo(c)
	}
	downLimits := t.cl.downLimits(t)
	upLimits := t.cl.upLimits(t)
	go c.readLoop(t.inbox, t.maxMessageLength(), downLimits)
	go c.writeLoop(t.storage, upLimits, &t.upGate)
}

// sendHaves sends our piece set as the first message.
func (t *torrent) sendHaves(c *peerConn) {
	switch {
	case c.fast() && t.have.All():
		c.sendType(pp.HaveAll)
	case c.fast() && t.have.None():
		c.sendType(pp.HaveNone)
	case !t.have.None():
		c.send(wire.Message{Type: pp.Bitfield, Bitfield: append([]byte(nil), t.have.Bytes()...)})
	}
}

// connGotInfo runs once per connection when both it and the info are known:
// it applies what the peer said before we knew the piece count, and sends
// allowed-fast pieces.
func (t *torrent) connGotInfo(c *peerConn) {
	if t.state == StateChecking {
		return
	}
	if c.has.Len() == 0 && !c.hasAll {
		c.has = bitfield.New(t.numPieces)
	}
	if c.rawHaveAll {
		c.rawHaveAll = false
		t.setPeerPieces(c, bitfield.Full(t.numPieces))
	} else if c.rawBitfield != nil {
		raw := c.rawBitfield
		c.rawBitfield = nil
		bf, err := bitfield.FromBytes(raw, t.numPieces)
		if err != nil {
			t.protocolError(c, "%v", err)
			return
		}
		t.setPeerPieces(c, bf)
	}
	for _, h := range c.rawHaves {
		t.onHave(c, h)
	}
	c.rawHaves = nil
	// A seed sends no allowed-fast set (BEP 6 lets the set be empty): its
	// upload is the swarm's scarcest, and the canonical set, shared by every
	// address of a /24, would spend it on the same ten pieces for a whole
	// subnet of choked peers. Its short round-robin turns (choker.Rotate)
	// get new peers their first piece instead.
	if c.fast() && c.allowedForThem == nil && t.state != StateSeeding {
		c.allowedForThem = map[uint32]bool{}
		for _, p := range choker.AllowedFast(c.addr.Addr(), t.ih, t.numPieces, 10) {
			c.allowedForThem[uint32(p)] = true
			c.send(wire.Message{Type: pp.AllowedFast, Index: uint32(p)})
		}
	}
	t.recountWanted(c)
	t.updateInterest(c)
	t.fillRequests(c)
	if t.superSeeding() {
		t.superOffer(c)
	}
}

// dropConn closes a connection and returns everything it held.
func (t *torrent) dropConn(c *peerConn, err error) {
	if t.conns[c.id] != c {
		return
	}
	delete(t.conns, c.id)
	delete(t.byAddr, c.addr)
	c.cancel()
	c.q.close()
	c.wc.Close()
	t.closedDown += c.down.Total()
	t.closedUp += c.up.Total()
	if t.pk != nil {
		t.pk.PeerGone(c.id)
		clear(c.outstanding)
		if c.hasAll {
			t.pk.SeedLeft()
		} else if c.has.Len() == t.numPieces {
			t.pk.PeerBitfieldLost(&c.has)
		}
		t.locGone(c)
	}
	if t.ch != nil {
		t.ch.Forget(toChokerID(c.id))
		if !c.amChoking {
			// Its slot is free now, not at the next round: in a flash
			// crowd peers that complete close their connections to other
			// seeds, and a seed that waited for its round lost most of its
			// slots in the last seconds of the download.
			t.lendFreeSlots(time.Now())
		}
	}
	t.metaPeerGone(c)
	t.log.Debug("peer disconnected", "addr", c.addr, "err", err)
	t.fillAll()
}

// maxMessageLength bounds what a peer may send us before we allocate.
func (t *torrent) maxMessageLength() uint32 {
	n := uint32(1 << 20) // extended messages (metadata pieces, PEX) and more
	if t.numPieces > 0 {
		n = max(n, uint32(t.numPieces+7)/8+1)
	}
	return n
}
