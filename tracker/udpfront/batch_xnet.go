package udpfront

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// xnetIO is batchIO on golang.org/x/net's ReadBatch and WriteBatch
// (recvmmsg and sendmmsg where the platform has them, one datagram at a
// time elsewhere). ipv4.Message and ipv6.Message are the same type, so
// both packet conns serve.
type xnetIO struct {
	conn interface {
		ReadBatch(ms []ipv4.Message, flags int) (int, error)
		WriteBatch(ms []ipv4.Message, flags int) (int, error)
	}
	in, out []ipv4.Message
	outBufs []byte
	outs    [][]byte
}

func newXnetIO(c *net.UDPConn, size int) *xnetIO {
	b := &xnetIO{in: make([]ipv4.Message, size), out: make([]ipv4.Message, 0, size),
		outBufs: make([]byte, size*answerCap), outs: make([][]byte, size)}
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() != nil {
		b.conn = ipv4.NewPacketConn(c)
	} else {
		b.conn = ipv6.NewPacketConn(c) // IPv6 and dual-stack sockets
	}
	bufs := make([]byte, size*maxPacket)
	for i := range b.in {
		b.in[i].Buffers = [][]byte{bufs[i*maxPacket : (i+1)*maxPacket]}
	}
	return b
}

func (b *xnetIO) read() (int, error) {
	b.out = b.out[:0]
	return b.conn.ReadBatch(b.in, 0)
}

func (b *xnetIO) packet(i int) ([]byte, netip.AddrPort, bool, bool) {
	m := &b.in[i]
	ua, ok := m.Addr.(*net.UDPAddr)
	if !ok || ua == nil {
		return nil, netip.AddrPort{}, false, false
	}
	ap := ua.AddrPort()
	return m.Buffers[0][:m.N], ap, ap.Addr().IsValid(), m.Flags&msgTrunc != 0
}

func (b *xnetIO) outBuf(i int) []byte { return b.outBufs[i*answerCap : i*answerCap : (i+1)*answerCap] }

func (b *xnetIO) answer(i int, resp []byte) {
	b.outs[i] = resp
	b.out = append(b.out, ipv4.Message{Buffers: b.outs[i : i+1], Addr: b.in[i].Addr})
}

func (b *xnetIO) flush() error {
	for len(b.out) > 0 {
		k, err := b.conn.WriteBatch(b.out, 0)
		if err != nil {
			if isClosed(err) {
				return err
			}
			k = 1 // the first answer failed: skip it
		}
		b.out = b.out[k:]
	}
	return nil
}
