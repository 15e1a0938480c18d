// Package wire speaks the BitTorrent peer wire protocol on one connection:
// the handshake (plain, or wrapped in message stream encryption), the message
// codec, the BEP 10 extension handshake, BEP 9 ut_metadata messages, BEP 11
// PEX payloads and byte-rate meters.
//
// The package starts no goroutines of its own (the MSE library runs a writer
// goroutine for the duration of an encrypted handshake). A connection is
// meant to be driven by one reader goroutine that owns a Reader and one
// writer goroutine that owns a Writer; neither Reader nor Writer is safe for
// concurrent use, while Meter is.
//
// Everything that parses network input returns an error on bad input and
// never panics; lengths announced by the peer are checked against limits
// before any buffer is allocated for them.
package wire

// BlockSize is the size of a request/piece block: 16 KiB, the size every
// client asks for. Piece payloads up to this size are read into pooled
// buffers (see GetBlock and PutBlock).
const BlockSize = 16 * 1024
