package wire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

// We write our own BT handshake rather than use peer_protocol.Handshake:
// that one starts a writer goroutine and wraps the socket in a context
// reader that leaves a read pending on cancel; with the full 68 bytes
// available to read first we need neither, and Accept must check the info
// hash and peer id before answering.

// handshakeLen is the length of a BitTorrent handshake: pstrlen, pstr,
// reserved, info hash, peer id.
const handshakeLen = len(pp.Protocol) + 8 + 20 + 20

// Options configures a handshake.
type Options struct {
	// PeerID is ours, sent in the handshake.
	PeerID [20]byte
	// Extensions are the reserved bits we send (the engine sets Fast, LTEP
	// and DHT).
	Extensions pp.PeerExtensionBits
	// Encryption chooses between plain handshakes and MSE.
	Encryption Encryption
}

// Conn is a connection after a successful handshake. Read and Write go
// through the MSE cipher stream when the handshake used MSE.
type Conn struct {
	net.Conn
	// InfoHash is the torrent the connection is for.
	InfoHash [20]byte
	// PeerID is the id the peer sent.
	PeerID [20]byte
	// Extensions are the reserved bits the peer sent.
	Extensions pp.PeerExtensionBits
	// Encrypted is true when the stream is RC4-encrypted.
	Encrypted bool
	// Outgoing is true when we dialed.
	Outgoing bool
}

// ErrSelfConnection is returned (wrapped) when the peer presents our own
// peer id: we connected to ourselves.
var ErrSelfConnection = errors.New("wire: connected to self (peer sent our own peer id)")

// Initiate runs the handshake on a connection we dialed: MSE first when
// opts.Encryption is RequireEncryption, then the BitTorrent handshake. The
// peer must answer with the same info hash and a peer id other than ours.
//
// ctx bounds the whole handshake (through the socket deadline, which is
// cleared again on success). On error c is left open; the caller closes it.
func Initiate(ctx context.Context, c net.Conn, infoHash [20]byte, opts Options) (_ *Conn, err error) {
	done := watchContext(ctx, c)
	defer func() { err = done(err) }()

	conn := c
	encrypted := false
	if opts.Encryption == RequireEncryption {
		if conn, err = initiateMSE(c, infoHash); err != nil {
			return nil, err
		}
		encrypted = true
	}
	var out [handshakeLen]byte
	putHandshake(&out, opts.Extensions, infoHash, opts.PeerID)
	if _, err := conn.Write(out[:]); err != nil {
		return nil, fmt.Errorf("wire: writing handshake: %w", err)
	}
	var in [handshakeLen]byte
	if _, err := io.ReadFull(conn, in[:]); err != nil {
		return nil, fmt.Errorf("wire: reading handshake: %w", err)
	}
	if err := checkProtocol(in[:len(pp.Protocol)]); err != nil {
		return nil, err
	}
	res := &Conn{Conn: conn, Encrypted: encrypted, Outgoing: true}
	parseHandshakeTail(res, in[len(pp.Protocol):])
	if res.InfoHash != infoHash {
		return nil, fmt.Errorf("wire: peer answered info hash %x, want %x", res.InfoHash, infoHash)
	}
	if res.PeerID == opts.PeerID {
		return nil, ErrSelfConnection
	}
	return res, nil
}

// Accept runs the handshake on an incoming connection. It sniffs the first
// 20 bytes: a plain BitTorrent handshake is refused under
// RequireEncryption; anything else is taken for MSE, refused under
// PlaintextOnly, with skeys giving the info hashes we serve as the
// candidate shared secrets. The info hash must satisfy known (nil accepts
// any) and the peer id must not be ours. We answer only after all checks
// pass.
//
// ctx bounds the whole handshake (through the socket deadline, which is
// cleared again on success). On error c is left open; the caller closes it.
func Accept(ctx context.Context, c net.Conn, opts Options, known func(infoHash [20]byte) bool, skeys func() [][20]byte) (_ *Conn, err error) {
	done := watchContext(ctx, c)
	defer func() { err = done(err) }()

	var in [handshakeLen]byte
	sniff := in[:len(pp.Protocol)]
	if _, err := io.ReadFull(c, sniff); err != nil {
		return nil, fmt.Errorf("wire: reading handshake: %w", err)
	}
	res := &Conn{Conn: c}
	var secret [20]byte
	if checkProtocol(sniff) == nil {
		if opts.Encryption == RequireEncryption {
			return nil, errors.New("wire: plain handshake refused: encryption required")
		}
	} else {
		if opts.Encryption == PlaintextOnly {
			return nil, fmt.Errorf("wire: MSE handshake refused: encryption off (first bytes %x)", sniff[:4])
		}
		sniffed := bytes.Clone(sniff)
		if res.Conn, res.Encrypted, secret, err = receiveMSE(c, sniffed, opts.Encryption, skeys); err != nil {
			return nil, err
		}
		if _, err := io.ReadFull(res.Conn, sniff); err != nil {
			return nil, fmt.Errorf("wire: reading handshake after MSE: %w", err)
		}
		if err := checkProtocol(sniff); err != nil {
			return nil, err
		}
	}
	if _, err := io.ReadFull(res.Conn, in[len(pp.Protocol):]); err != nil {
		return nil, fmt.Errorf("wire: reading handshake: %w", err)
	}
	parseHandshakeTail(res, in[len(pp.Protocol):])
	if res.Conn != c && res.InfoHash != secret {
		return nil, fmt.Errorf("wire: handshake info hash %x differs from MSE secret %x", res.InfoHash, secret)
	}
	if known != nil && !known(res.InfoHash) {
		return nil, fmt.Errorf("wire: unknown info hash %x", res.InfoHash)
	}
	if res.PeerID == opts.PeerID {
		return nil, ErrSelfConnection
	}
	var out [handshakeLen]byte
	putHandshake(&out, opts.Extensions, res.InfoHash, opts.PeerID)
	if _, err := res.Conn.Write(out[:]); err != nil {
		return nil, fmt.Errorf("wire: writing handshake: %w", err)
	}
	return res, nil
}

func putHandshake(b *[handshakeLen]byte, ext pp.PeerExtensionBits, infoHash, peerID [20]byte) {
	n := copy(b[:], pp.Protocol)
	n += copy(b[n:], ext[:])
	n += copy(b[n:], infoHash[:])
	copy(b[n:], peerID[:])
}

func checkProtocol(b []byte) error {
	if string(b) != pp.Protocol {
		return fmt.Errorf("wire: not a BitTorrent handshake: protocol string %q", b)
	}
	return nil
}

// parseHandshakeTail reads reserved bits, info hash and peer id (48 bytes).
func parseHandshakeTail(c *Conn, b []byte) {
	copy(c.Extensions[:], b[:8])
	copy(c.InfoHash[:], b[8:28])
	copy(c.PeerID[:], b[28:48])
}

// watchContext makes ctx bound the I/O on c: its deadline becomes the
// socket deadline and cancellation sets a deadline in the past. The
// returned function must be called with the handshake's result error; it
// undoes the deadline on success and, if ctx ended, reports that.
func watchContext(ctx context.Context, c net.Conn) func(error) error {
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return func(err error) error {
		if !stop() {
			// ctx ended; the socket deadline is (or is about to be) in
			// the past, so the connection cannot be used even if the
			// handshake got through.
			if err == nil {
				return fmt.Errorf("wire: handshake: %w", context.Cause(ctx))
			}
			return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		if err == nil {
			// This fails only on a closed connection, which the next
			// read or write reports anyway.
			_ = c.SetDeadline(time.Time{})
		}
		return err
	}
}
