package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

// We read with our own Reader rather than peer_protocol.Decoder: the
// Decoder allocates for every message (bitfields as []bool, extended
// payloads, piece buffers without a pool by default), and the piece path
// must run without allocating to stream at hundreds of MiB/s.

// DefaultMaxLength is the message length limit NewReader uses when given 0:
// room for a 1 MiB extended payload, far above a piece message.
const DefaultMaxLength = 1 << 20

// readBufSize holds several piece messages, so one read system call
// usually fetches more than one message while streaming.
const readBufSize = 64 << 10

// Reader decodes peer wire messages from a stream. It is not safe for
// concurrent use.
type Reader struct {
	br  *bufio.Reader
	max uint32
}

// NewReader returns a Reader that refuses, before allocating anything for
// it, any message whose length prefix exceeds maxLength (0 means
// DefaultMaxLength). The engine passes max(bitfield bytes + 1,
// BlockSize + 9, 1 MiB).
func NewReader(r io.Reader, maxLength uint32) *Reader {
	if maxLength == 0 {
		maxLength = DefaultMaxLength
	}
	return &Reader{br: bufio.NewReaderSize(r, readBufSize), max: maxLength}
}

// ReadMessage reads the next message into m, overwriting every field. A
// stream that ends cleanly between messages gives io.EOF. Any error leaves
// the stream unusable. See Message for who owns the returned slices: Piece
// is a pooled buffer handed to the caller (return it with PutBlock); the
// other slices are valid only until the next call.
func (r *Reader) ReadMessage(m *Message) error {
	*m = Message{}
	b, err := r.br.Peek(4)
	if err != nil {
		if len(b) == 0 && errors.Is(err, io.EOF) {
			return io.EOF
		}
		return readErr("length prefix", err)
	}
	length := binary.BigEndian.Uint32(b)
	if length == 0 {
		_, _ = r.br.Discard(4)
		m.Keepalive = true
		return nil
	}
	if length > r.max {
		return fmt.Errorf("wire: message length %d exceeds limit %d", length, r.max)
	}
	if b, err = r.br.Peek(5); err != nil {
		return readErr("message type", err)
	}
	t := pp.MessageType(b[4])
	if err := checkLength(t, length); err != nil {
		return err
	}
	m.Type = t
	if t == pp.Piece {
		return r.readPiece(m, length)
	}
	var payload []byte
	if total := 4 + int(length); total <= r.br.Size() {
		if b, err = r.br.Peek(total); err != nil {
			return readErr(t.String()+" message", err)
		}
		// The peeked bytes stay valid until the next read from br.
		_, _ = r.br.Discard(total)
		payload = b[5:]
	} else {
		// Longer than the buffer: only bitfields and extended messages
		// get here, within the limit checked above.
		_, _ = r.br.Discard(5)
		payload = make([]byte, length-1)
		if _, err := io.ReadFull(r.br, payload); err != nil {
			return readErr(t.String()+" message", err)
		}
	}
	decodePayload(m, payload)
	return nil
}

// readPiece reads a piece message's payload into a pooled block (or, for
// the rare payload over BlockSize, a fresh buffer). br copies from its
// buffer, or reads straight into the block when its buffer is empty and
// the block is at least as large.
func (r *Reader) readPiece(m *Message, length uint32) error {
	b, err := r.br.Peek(13)
	if err != nil {
		return readErr("piece message", err)
	}
	m.Index = binary.BigEndian.Uint32(b[5:])
	m.Begin = binary.BigEndian.Uint32(b[9:])
	_, _ = r.br.Discard(13)
	n := int(length) - 9
	var data []byte
	if n <= BlockSize {
		data = GetBlock()[:n]
	} else {
		data = make([]byte, n)
	}
	if _, err := io.ReadFull(r.br, data); err != nil {
		PutBlock(data)
		return readErr("piece message", err)
	}
	m.Piece = data
	return nil
}

// decodePayload fills m from a payload whose length checkLength accepted.
func decodePayload(m *Message, p []byte) {
	switch m.Type {
	case pp.Choke, pp.Unchoke, pp.Interested, pp.NotInterested, pp.HaveAll, pp.HaveNone:
	case pp.Have, pp.Suggest, pp.AllowedFast:
		m.Index = binary.BigEndian.Uint32(p)
	case pp.Request, pp.Cancel, pp.Reject:
		m.Index = binary.BigEndian.Uint32(p)
		m.Begin = binary.BigEndian.Uint32(p[4:])
		m.Length = binary.BigEndian.Uint32(p[8:])
	case pp.Bitfield:
		m.Bitfield = p
	case pp.Extended:
		m.ExtendedID = p[0]
		m.ExtendedPayload = p[1:]
	case pp.Port:
		m.Port = binary.BigEndian.Uint16(p)
	default:
		m.Payload = p
	}
}

// readErr reports a failed read inside a message; a stream ending there is
// io.ErrUnexpectedEOF.
func readErr(what string, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("wire: reading %s: %w", what, err)
}
