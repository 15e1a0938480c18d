package udpfront

import (
	"net"
	"net/netip"
)

// batchIO reads datagrams and answers them in batches: one recvmmsg and
// one sendmmsg per batch on Linux (see mmsg_linux.go), golang.org/x/net's
// batches elsewhere (see batch_xnet.go). A worker owns one.
type batchIO interface {
	// read waits for datagrams and reads as many as fit, at most the
	// batch size; it returns how many.
	read() (int, error)
	// packet returns datagram i of the last read, its sender (ok false:
	// not an address to answer) and whether the kernel truncated it.
	packet(i int) (data []byte, from netip.AddrPort, ok, trunc bool)
	// outBuf returns empty storage for the answer to datagram i.
	outBuf(i int) []byte
	// answer queues resp (from outBuf(i)) as the answer to datagram i;
	// answers go in the order queued.
	answer(i int, resp []byte)
	// flush sends the queued answers, skipping any the kernel refuses
	// (an unreachable sender, say); it fails only when the socket does.
	flush() error
}

// msgTrunc is MSG_TRUNC: the datagram was longer than the buffer.
const msgTrunc = 0x20

// answerCap is the room for one answer: an announce with 200 IPv6 peers.
const answerCap = 8 + 20 + MaxPeersBytes

// newBatchIO returns conn's batchIO for batches of up to size datagrams.
func newBatchIO(conn *net.UDPConn, size int) (batchIO, error) {
	if b, err := newMmsgIO(conn, size); b != nil || err != nil {
		return b, err
	}
	return newXnetIO(conn, size), nil
}
