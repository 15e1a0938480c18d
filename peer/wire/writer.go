package wire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

// We encode with our own Writer rather than peer_protocol.Message.WriteTo:
// that one computes the length by encoding twice and goes through
// binary.Write; ours puts the header in a scratch array and copies piece
// data once, straight into the send buffer.

// writeBufSize holds four full piece messages, so a streaming writer makes
// one write system call per ~64 KiB.
const writeBufSize = 4 * (BlockSize + 13)

// maxPayload keeps the 4-byte length prefix (type byte and header
// included) from overflowing.
const maxPayload = math.MaxUint32 - 16

// Writer encodes peer wire messages into a buffer and writes it to the
// stream when full or on Flush. It is not safe for concurrent use. After a
// write error every later call returns that error.
type Writer struct {
	bw  *bufio.Writer
	hdr [17]byte
}

// NewWriter returns a Writer that buffers up to about 64 KiB.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, writeBufSize)}
}

// WriteMessage encodes m (see Message for the fields each type uses); a
// Keepalive message is four zero bytes.
func (w *Writer) WriteMessage(m *Message) error {
	if m.Keepalive {
		return w.header(0, 0, 0)
	}
	h := w.hdr[:]
	switch m.Type {
	case pp.Choke, pp.Unchoke, pp.Interested, pp.NotInterested, pp.HaveAll, pp.HaveNone:
		return w.header(1, m.Type, 0)
	case pp.Have, pp.Suggest, pp.AllowedFast:
		binary.BigEndian.PutUint32(h[5:], m.Index)
		return w.header(5, m.Type, 4)
	case pp.Request, pp.Cancel, pp.Reject:
		binary.BigEndian.PutUint32(h[5:], m.Index)
		binary.BigEndian.PutUint32(h[9:], m.Begin)
		binary.BigEndian.PutUint32(h[13:], m.Length)
		return w.header(13, m.Type, 12)
	case pp.Piece:
		return w.WritePiece(m.Index, m.Begin, m.Piece)
	case pp.Bitfield:
		return w.variable(m.Type, nil, m.Bitfield)
	case pp.Extended:
		return w.variable(m.Type, []byte{m.ExtendedID}, m.ExtendedPayload)
	case pp.Port:
		binary.BigEndian.PutUint16(h[5:], m.Port)
		return w.header(3, m.Type, 2)
	}
	return w.variable(m.Type, nil, m.Payload)
}

// WritePiece writes a piece message. data is copied once, into the send
// buffer (or, when it does not fit and the buffer is empty, written to the
// stream directly), so the caller may reuse it as soon as this returns.
func (w *Writer) WritePiece(index, begin uint32, data []byte) error {
	if uint64(len(data)) > maxPayload {
		return fmt.Errorf("wire: piece payload of %d bytes too long", len(data))
	}
	binary.BigEndian.PutUint32(w.hdr[5:], index)
	binary.BigEndian.PutUint32(w.hdr[9:], begin)
	if err := w.header(uint32(9+len(data)), pp.Piece, 8); err != nil {
		return err
	}
	_, err := w.bw.Write(data)
	return err
}

// variable writes a message with an optional short sub-header (the
// extended id) and a payload.
func (w *Writer) variable(t pp.MessageType, sub, payload []byte) error {
	if uint64(len(payload)) > maxPayload {
		return fmt.Errorf("wire: %v payload of %d bytes too long", t, len(payload))
	}
	n := copy(w.hdr[5:], sub)
	if err := w.header(uint32(1+n+len(payload)), t, n); err != nil {
		return err
	}
	_, err := w.bw.Write(payload)
	return err
}

// header writes the length prefix, the type (unless length is 0) and the
// extra header bytes already placed in w.hdr[5:].
func (w *Writer) header(length uint32, t pp.MessageType, extra int) error {
	binary.BigEndian.PutUint32(w.hdr[:], length)
	n := 4
	if length > 0 {
		w.hdr[4] = byte(t)
		n = 5 + extra
	}
	_, err := w.bw.Write(w.hdr[:n])
	return err
}

// Flush writes buffered messages to the stream.
func (w *Writer) Flush() error { return w.bw.Flush() }

// Buffered is the number of bytes waiting for Flush.
func (w *Writer) Buffered() int { return w.bw.Buffered() }
