package wire

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/anacrolix/torrent/mse"
)

// Encryption says whether connections use message stream encryption (MSE,
// also called protocol encryption or PE).
type Encryption int

const (
	// PreferPlaintext is the default: outgoing connections start with a plain
	// BitTorrent handshake; incoming connections may be plain or MSE, and when
	// the peer offers plaintext after the MSE key exchange, plaintext is
	// selected.
	PreferPlaintext Encryption = iota
	// RequireEncryption uses MSE with RC4 in both directions and refuses
	// plain handshakes and peers that offer only plaintext.
	RequireEncryption
	// PlaintextOnly refuses MSE altogether.
	PlaintextOnly
)

// ParseEncryption parses the command-line spelling of an Encryption:
// "prefer", "require" or "off".
func ParseEncryption(s string) (Encryption, error) {
	switch s {
	case "prefer":
		return PreferPlaintext, nil
	case "require":
		return RequireEncryption, nil
	case "off":
		return PlaintextOnly, nil
	}
	return 0, fmt.Errorf("wire: unknown encryption mode %q (want prefer, require or off)", s)
}

// String returns the spelling ParseEncryption accepts.
func (e Encryption) String() string {
	switch e {
	case PreferPlaintext:
		return "prefer"
	case RequireEncryption:
		return "require"
	case PlaintextOnly:
		return "off"
	}
	return fmt.Sprintf("Encryption(%d)", int(e))
}

// streamConn is a net.Conn whose Read and Write go through the stream the
// MSE handshake returned (RC4, or plaintext with the initial payload
// prepended); deadlines, addresses and Close go to the socket.
type streamConn struct {
	net.Conn
	rw io.ReadWriter
}

func (c *streamConn) Read(p []byte) (int, error)  { return c.rw.Read(p) }
func (c *streamConn) Write(p []byte) (int, error) { return c.rw.Write(p) }

// prefixConn gives back bytes that were read to sniff the protocol before
// reading on from the socket.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// The MSE calls get context.Background: cancellation and deadlines reach
// them through the socket deadline that Initiate and Accept set from ctx,
// which, unlike the library's context wrapper, leaves no read pending after
// the handshake returns.

// initiateMSE runs the initiator side of MSE with the info hash as the
// shared secret, offering RC4 only.
func initiateMSE(c net.Conn, infoHash [20]byte) (net.Conn, error) {
	rw, method, err := mse.InitiateHandshakeContext(context.Background(), c, infoHash[:], nil, mse.CryptoMethodRC4)
	if err != nil {
		return nil, fmt.Errorf("wire: MSE handshake: %w", err)
	}
	if method != mse.CryptoMethodRC4 {
		return nil, fmt.Errorf("wire: MSE handshake: peer selected crypto method %#x, want RC4", uint32(method))
	}
	return &streamConn{Conn: c, rw: rw}, nil
}

// receiveMSE runs the receiver side of MSE. sniffed holds the bytes already
// read from c. It returns the stream, whether RC4 was selected, and the
// secret (info hash) the initiator proved it knows.
func receiveMSE(c net.Conn, sniffed []byte, enc Encryption, skeys func() [][20]byte) (net.Conn, bool, [20]byte, error) {
	var secret [20]byte
	// The library stops iterating at the key that matched, so the key whose
	// callback returned false is the one the initiator used.
	keys := func(yield func([]byte) bool) {
		if skeys == nil {
			return
		}
		for _, k := range skeys() {
			if !yield(k[:]) {
				secret = k
				return
			}
		}
	}
	selectMethod := func(provided mse.CryptoMethod) mse.CryptoMethod {
		if enc != RequireEncryption && provided&mse.CryptoMethodPlaintext != 0 {
			return mse.CryptoMethodPlaintext
		}
		if provided&mse.CryptoMethodRC4 != 0 {
			return mse.CryptoMethodRC4
		}
		return 0 // nothing acceptable: the library refuses the handshake
	}
	pc := &prefixConn{Conn: c, prefix: sniffed}
	rw, method, err := mse.ReceiveHandshake(context.Background(), pc, keys, selectMethod)
	if err != nil {
		return nil, false, secret, fmt.Errorf("wire: MSE handshake: %w", err)
	}
	return &streamConn{Conn: c, rw: rw}, method == mse.CryptoMethodRC4, secret, nil
}
