package wire

import (
	"fmt"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

// Message is one peer wire message, decoded by Reader.ReadMessage and
// encoded by Writer.WriteMessage. Which fields are meaningful depends on
// Type; Keepalive messages have no type, so check Keepalive first (Type is
// 0, which is also Choke).
//
//	choke, unchoke, interested, not interested, have all, have none: —
//	have, suggest, allowed fast: Index
//	request, cancel, reject:      Index, Begin, Length
//	piece:                        Index, Begin, Piece
//	bitfield:                     Bitfield (raw wire bytes, high bit first)
//	extended:                     ExtendedID, ExtendedPayload
//	port:                         Port
//	any other type:               Payload (e.g. BEP 52 hash messages)
//
// Buffer ownership after ReadMessage: Piece is a pooled buffer that now
// belongs to the caller, who may pass it to another goroutine and should
// return it with PutBlock when done (or drop it and let the garbage
// collector have it). Bitfield, ExtendedPayload and Payload alias the
// Reader's buffer and are valid only until the next ReadMessage; copy them
// to keep them.
type Message struct {
	Type                 pp.MessageType
	Keepalive            bool
	Index, Begin, Length uint32
	Piece                []byte
	Bitfield             []byte
	ExtendedID           uint8
	ExtendedPayload      []byte
	Port                 uint16
	// Payload is the raw payload of a message type this package does not
	// decode; added to the agreed API so such messages can be skipped or
	// relayed instead of failing the connection.
	Payload []byte
}

// fixedPayload is the exact payload length (after the type byte) of message
// types with a fixed layout, or -1 for variable-length types.
func fixedPayload(t pp.MessageType) int {
	switch t {
	case pp.Choke, pp.Unchoke, pp.Interested, pp.NotInterested, pp.HaveAll, pp.HaveNone:
		return 0
	case pp.Have, pp.Suggest, pp.AllowedFast:
		return 4
	case pp.Request, pp.Cancel, pp.Reject:
		return 12
	case pp.Port:
		return 2
	}
	return -1
}

// minPayload is the smallest payload length (after the type byte) of a
// variable-length message type.
func minPayload(t pp.MessageType) int {
	switch t {
	case pp.Piece:
		return 8
	case pp.Extended:
		return 1
	}
	return 0
}

// checkLength validates a message's length prefix (type byte included)
// against its type.
func checkLength(t pp.MessageType, length uint32) error {
	payload := int64(length) - 1
	if want := fixedPayload(t); want >= 0 && payload != int64(want) {
		return fmt.Errorf("wire: %v message of length %d, want %d", t, length, want+1)
	}
	if want := minPayload(t); payload < int64(want) {
		return fmt.Errorf("wire: %v message of length %d, want at least %d", t, length, want+1)
	}
	return nil
}
