package wire

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/anacrolix/torrent/bencode"
)

// BEP 9 ut_metadata message types.
const (
	MetadataRequest = 0
	MetadataData    = 1
	MetadataReject  = 2
)

// maxMetadataPieces is the number of 16 KiB pieces of the largest metadata
// we accept.
const maxMetadataPieces = MaxMetadataSize / BlockSize

// MetadataMsg is a BEP 9 ut_metadata message. TotalSize and Data are used
// by data messages only; Data follows the bencoded dictionary on the wire.
type MetadataMsg struct {
	Type      int // MetadataRequest, MetadataData or MetadataReject
	Piece     int
	TotalSize int
	Data      []byte
}

// metadataWire is the bencoded dictionary. Pointers tell missing keys from
// zero values.
type metadataWire struct {
	MsgType   *int `bencode:"msg_type"`
	Piece     *int `bencode:"piece"`
	TotalSize *int `bencode:"total_size,omitempty"`
}

// EncodeMetadataMsg encodes m: the dictionary (total_size only for data
// messages) followed by m.Data for data messages.
func EncodeMetadataMsg(m MetadataMsg) []byte {
	w := metadataWire{MsgType: &m.Type, Piece: &m.Piece}
	if m.Type == MetadataData {
		w.TotalSize = &m.TotalSize
	}
	b, err := bencode.Marshal(w)
	if err != nil {
		// Only ints: cannot fail.
		panic(fmt.Sprintf("wire: bencoding metadata message: %v", err))
	}
	if m.Type == MetadataData {
		b = append(b, m.Data...)
	}
	return b
}

// DecodeMetadataMsg parses a ut_metadata payload. msg_type must be 0, 1 or
// 2; piece is required and 0 ≤ piece < MaxMetadataSize/BlockSize. A data
// message needs total_size in 1…MaxMetadataSize, a piece inside it, and at
// most BlockSize bytes of data after the dictionary, no more than the rest
// of the metadata from that piece on. Requests and rejects carry nothing
// after the dictionary. Data aliases p.
func DecodeMetadataMsg(p []byte) (MetadataMsg, error) {
	var m MetadataMsg
	if len(p) == 0 || p[0] != 'd' {
		return m, errors.New("wire: metadata message is not a bencoded dictionary")
	}
	var w metadataWire
	d := bencode.NewDecoder(bytes.NewReader(p))
	if err := d.Decode(&w); err != nil {
		return m, fmt.Errorf("wire: metadata message: %w", err)
	}
	rest := p[d.Offset:]
	if w.MsgType == nil {
		return m, errors.New("wire: metadata message without msg_type")
	}
	if w.Piece == nil {
		return m, errors.New("wire: metadata message without piece")
	}
	m.Type, m.Piece = *w.MsgType, *w.Piece
	if m.Type < MetadataRequest || m.Type > MetadataReject {
		return m, fmt.Errorf("wire: metadata message of unknown msg_type %d", m.Type)
	}
	if m.Piece < 0 || m.Piece >= maxMetadataPieces {
		return m, fmt.Errorf("wire: metadata piece %d out of range 0-%d", m.Piece, maxMetadataPieces-1)
	}
	if m.Type != MetadataData {
		if len(rest) != 0 {
			return m, fmt.Errorf("wire: metadata msg_type %d with %d trailing bytes", m.Type, len(rest))
		}
		return m, nil
	}
	if w.TotalSize == nil {
		return m, errors.New("wire: metadata data message without total_size")
	}
	m.TotalSize = *w.TotalSize
	if m.TotalSize <= 0 || m.TotalSize > MaxMetadataSize {
		return m, fmt.Errorf("wire: metadata total_size %d out of range 1-%d", m.TotalSize, MaxMetadataSize)
	}
	left := m.TotalSize - m.Piece*BlockSize
	if left <= 0 {
		return m, fmt.Errorf("wire: metadata piece %d beyond total_size %d", m.Piece, m.TotalSize)
	}
	if len(rest) > BlockSize || len(rest) > left {
		return m, fmt.Errorf("wire: metadata piece %d carries %d bytes, want at most %d", m.Piece, len(rest), min(left, BlockSize))
	}
	m.Data = rest
	return m, nil
}
