package wire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/anacrolix/torrent/bencode"
)

// ClaimExtension is the BEP 10 name of shoal's claim message: a peer tells
// the peers of its own network which pieces it has started to fetch from
// outside it (Claim) and which it gave up without finishing (Drop), so
// that they fetch other pieces from outside (peer/locality). A finished
// piece needs no Drop: its HAVE ends the claim.
const ClaimExtension = "shoal_claim"

// MaxClaimPieces caps the claimed and the dropped pieces of one message
// (each).
const MaxClaimPieces = 1024

// ClaimMsg is a shoal_claim message.
type ClaimMsg struct {
	Claim, Drop []uint32
}

type claimWire struct {
	Claim []byte `bencode:"claim,omitempty"`
	Drop  []byte `bencode:"drop,omitempty"`
}

// EncodeClaim bencodes m: each list as a string of 4-byte big-endian piece
// indexes.
func EncodeClaim(m ClaimMsg) []byte {
	w := claimWire{Claim: packIndexes(m.Claim), Drop: packIndexes(m.Drop)}
	b, err := bencode.Marshal(w)
	if err != nil {
		panic(err) // two byte strings always encode
	}
	return b
}

func packIndexes(xs []uint32) []byte {
	if len(xs) == 0 {
		return nil
	}
	b := make([]byte, 0, 4*len(xs))
	for _, x := range xs {
		b = binary.BigEndian.AppendUint32(b, x)
	}
	return b
}

// DecodeClaim parses a shoal_claim payload. Piece indexes are not checked
// against the torrent; the caller does that.
func DecodeClaim(p []byte) (ClaimMsg, error) {
	var m ClaimMsg
	if len(p) == 0 || p[0] != 'd' {
		return m, errors.New("wire: claim message is not a bencoded dictionary")
	}
	var w claimWire
	if err := bencode.Unmarshal(p, &w); err != nil {
		return m, fmt.Errorf("wire: claim message: %w", err)
	}
	var err error
	if m.Claim, err = unpackIndexes("claim", w.Claim); err != nil {
		return ClaimMsg{}, err
	}
	if m.Drop, err = unpackIndexes("drop", w.Drop); err != nil {
		return ClaimMsg{}, err
	}
	return m, nil
}

func unpackIndexes(key string, b []byte) ([]uint32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("wire: claim %s of %d bytes, not a multiple of 4", key, len(b))
	}
	if len(b)/4 > MaxClaimPieces {
		return nil, fmt.Errorf("wire: claim %s lists %d pieces, limit %d", key, len(b)/4, MaxClaimPieces)
	}
	if len(b) == 0 {
		return nil, nil
	}
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return out, nil
}
