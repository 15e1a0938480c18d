package wire

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/mse"
	pp "github.com/anacrolix/torrent/peer_protocol"
)

var (
	testHash  = [20]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	otherHash = [20]byte{0xee}
	idA       = [20]byte{'-', 'S', 'H', '0', '0', '0', '1', '-', 'a'}
	idB       = [20]byte{'-', 'S', 'H', '0', '0', '0', '1', '-', 'b'}
)

func testExt() pp.PeerExtensionBits {
	return pp.NewPeerExtensionBytes(pp.ExtensionBitFast, pp.ExtensionBitLtep, pp.ExtensionBitDht)
}

// pairFunc returns two connected ends: the first dials, the second accepts.
type pairFunc func(t testing.TB) (net.Conn, net.Conn)

func pipePair(t testing.TB) (net.Conn, net.Conn) {
	a, b := net.Pipe()
	return a, b
}

func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	d := net.Dialer{Timeout: 5 * time.Second}
	out, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		out.Close()
		t.Fatal(r.err)
	}
	return out, r.c
}

var pairs = []struct {
	name string
	f    pairFunc
}{{"pipe", pipePair}, {"tcp", tcpPair}}

type hsResult struct {
	c   *Conn
	err error
}

// handshake runs Initiate and Accept concurrently on a pair, each closing
// its end on failure, all within a few seconds.
func handshake(t *testing.T, pair pairFunc, initOpts, accOpts Options, known func([20]byte) bool, skeys func() [][20]byte) (ini, acc hsResult) {
	t.Helper()
	a, b := pair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		ini.c, ini.err = Initiate(ctx, a, testHash, initOpts)
		if ini.err != nil {
			a.Close()
		}
	}()
	go func() {
		defer wg.Done()
		acc.c, acc.err = Accept(ctx, b, accOpts, known, skeys)
		if acc.err != nil {
			b.Close()
		}
	}()
	wg.Wait()
	t.Cleanup(func() { a.Close(); b.Close() })
	if ctx.Err() != nil {
		t.Fatalf("handshake hit the test timeout: initiate %v, accept %v", ini.err, acc.err)
	}
	return ini, acc
}

func knowsTest(h [20]byte) bool { return h == testHash }
func skeysTest() [][20]byte     { return [][20]byte{otherHash, testHash} }

// exchange sends a message each way through Writer/Reader.
func exchange(t *testing.T, x, y *Conn) {
	t.Helper()
	errc := make(chan error, 2)
	send := func(c *Conn, idx uint32) {
		w := NewWriter(c)
		data := make([]byte, BlockSize)
		for i := range data {
			data[i] = byte(i * int(idx))
		}
		if err := w.WritePiece(idx, 0, data); err != nil {
			errc <- err
			return
		}
		errc <- w.Flush()
	}
	recv := func(c *Conn, idx uint32) error {
		var m Message
		if err := NewReader(c, 0).ReadMessage(&m); err != nil {
			return err
		}
		if m.Type != pp.Piece || m.Index != idx || len(m.Piece) != BlockSize || m.Piece[1] != byte(idx) {
			return errors.New("wrong message")
		}
		PutBlock(m.Piece)
		return nil
	}
	x.SetDeadline(time.Now().Add(5 * time.Second))
	y.SetDeadline(time.Now().Add(5 * time.Second))
	go send(x, 3)
	go send(y, 5)
	if err := recv(y, 3); err != nil {
		t.Fatal(err)
	}
	if err := recv(x, 5); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

func TestHandshakeMatrix(t *testing.T) {
	modes := []Encryption{PreferPlaintext, RequireEncryption, PlaintextOnly}
	for _, pair := range pairs {
		for _, ie := range modes {
			for _, ae := range modes {
				name := pair.name + "/" + ie.String() + "-" + ae.String()
				t.Run(name, func(t *testing.T) {
					ini, acc := handshake(t, pair.f,
						Options{PeerID: idA, Extensions: testExt(), Encryption: ie},
						Options{PeerID: idB, Extensions: testExt(), Encryption: ae},
						knowsTest, skeysTest)
					fail := (ie == RequireEncryption && ae == PlaintextOnly) || (ie != RequireEncryption && ae == RequireEncryption)
					if fail {
						if ini.err == nil || acc.err == nil {
							t.Fatalf("want both sides to fail, got initiate %v, accept %v", ini.err, acc.err)
						}
						return
					}
					if ini.err != nil || acc.err != nil {
						t.Fatalf("initiate %v, accept %v", ini.err, acc.err)
					}
					enc := ie == RequireEncryption
					if ini.c.Encrypted != enc || acc.c.Encrypted != enc {
						t.Fatalf("encrypted: initiator %v, acceptor %v, want %v", ini.c.Encrypted, acc.c.Encrypted, enc)
					}
					if !ini.c.Outgoing || acc.c.Outgoing {
						t.Fatal("Outgoing flags wrong")
					}
					if ini.c.PeerID != idB || acc.c.PeerID != idA {
						t.Fatal("peer ids wrong")
					}
					if ini.c.InfoHash != testHash || acc.c.InfoHash != testHash {
						t.Fatal("info hash wrong")
					}
					if !acc.c.Extensions.SupportsFast() || !ini.c.Extensions.SupportsExtended() || !ini.c.Extensions.SupportsDHT() {
						t.Fatalf("extensions: %v / %v", ini.c.Extensions, acc.c.Extensions)
					}
					exchange(t, ini.c, acc.c)
				})
			}
		}
	}
}

func TestHandshakeRefusals(t *testing.T) {
	for _, pair := range pairs {
		t.Run(pair.name+"/self", func(t *testing.T) {
			ini, acc := handshake(t, pair.f, Options{PeerID: idA}, Options{PeerID: idA}, knowsTest, skeysTest)
			if !errors.Is(acc.err, ErrSelfConnection) || ini.err == nil {
				t.Fatalf("initiate %v, accept %v", ini.err, acc.err)
			}
		})
		t.Run(pair.name+"/unknown-plain", func(t *testing.T) {
			ini, acc := handshake(t, pair.f, Options{PeerID: idA}, Options{PeerID: idB},
				func(h [20]byte) bool { return h == otherHash }, skeysTest)
			if acc.err == nil || !strings.Contains(acc.err.Error(), "unknown info hash") || ini.err == nil {
				t.Fatalf("initiate %v, accept %v", ini.err, acc.err)
			}
		})
		t.Run(pair.name+"/unknown-mse", func(t *testing.T) {
			ini, acc := handshake(t, pair.f, Options{PeerID: idA, Encryption: RequireEncryption}, Options{PeerID: idB},
				knowsTest, func() [][20]byte { return [][20]byte{otherHash} })
			if acc.err == nil || ini.err == nil {
				t.Fatalf("initiate %v, accept %v", ini.err, acc.err)
			}
		})
	}
}

// fakePeer runs f on the far end of a pipe and returns our end.
func fakePeer(t *testing.T, f func(c net.Conn)) net.Conn {
	a, b := net.Pipe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer b.Close()
		b.SetDeadline(time.Now().Add(5 * time.Second))
		f(b)
	}()
	t.Cleanup(func() { a.Close(); wg.Wait() })
	return a
}

func rawHandshake(ih, id [20]byte) []byte {
	var b [handshakeLen]byte
	putHandshake(&b, testExt(), ih, id)
	return b[:]
}

func TestInitiateRefusals(t *testing.T) {
	cases := []struct {
		name  string
		reply []byte
		want  string
	}{
		{"wrong-hash", rawHandshake(otherHash, idB), "info hash"},
		{"self", rawHandshake(testHash, idA), "self"},
		{"truncated", rawHandshake(testHash, idB)[:40], "EOF"},
		{"garbage", []byte(strings.Repeat("garbage!", 20)), "not a BitTorrent handshake"},
		{"nothing", nil, "EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fakePeer(t, func(c net.Conn) {
				io.ReadFull(c, make([]byte, handshakeLen))
				c.Write(tc.reply)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := Initiate(ctx, c, testHash, Options{PeerID: idA})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestAcceptGarbage(t *testing.T) {
	cases := []struct {
		name  string
		enc   Encryption
		input []byte
	}{
		{"empty", PreferPlaintext, nil},
		{"short-protocol", PreferPlaintext, []byte("\x13BitTorr")},
		{"truncated-plain", PreferPlaintext, rawHandshake(testHash, idA)[:50]},
		{"garbage-mse", PreferPlaintext, []byte(strings.Repeat("x", 700))},
		{"short-mse", PreferPlaintext, []byte(strings.Repeat("x", 50))},
		{"garbage-off", PlaintextOnly, []byte(strings.Repeat("x", 700))},
		{"plain-require", RequireEncryption, rawHandshake(testHash, idA)},
	}
	for _, tc := range cases {
		for _, hold := range []bool{false, true} {
			name := tc.name
			if hold {
				name += "-held-open"
			}
			t.Run(name, func(t *testing.T) {
				accepted := make(chan struct{})
				c := fakePeer(t, func(c net.Conn) {
					go io.Copy(io.Discard, c)
					c.Write(tc.input)
					if hold {
						// Keep the connection open: Accept must give up
						// at its deadline.
						<-accepted
					}
				})
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				start := time.Now()
				_, err := Accept(ctx, c, Options{PeerID: idB, Encryption: tc.enc}, knowsTest, skeysTest)
				close(accepted)
				if err == nil {
					t.Fatal("accepted garbage")
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Fatalf("took %v", d)
				}
				c.Close()
			})
		}
	}
}

func TestHandshakeCancel(t *testing.T) {
	for _, enc := range []Encryption{PreferPlaintext, RequireEncryption} {
		t.Run(enc.String(), func(t *testing.T) {
			c := fakePeer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			_, err := Initiate(ctx, c, testHash, Options{PeerID: idA, Encryption: enc})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
		})
	}
}

func TestHandshakeDeadlineCleared(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := Accept(ctx, b, Options{PeerID: idB}, nil, nil)
		errc <- err
	}()
	ini, err := Initiate(ctx, a, testHash, Options{PeerID: idA})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	cancel()
	time.Sleep(300 * time.Millisecond)
	// The handshake deadline must not outlive the handshake.
	go b.Write([]byte{1})
	ini.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := ini.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
}

func TestParseEncryption(t *testing.T) {
	for _, e := range []Encryption{PreferPlaintext, RequireEncryption, PlaintextOnly} {
		got, err := ParseEncryption(e.String())
		if err != nil || got != e {
			t.Fatalf("%v: %v %v", e, got, err)
		}
	}
	if _, err := ParseEncryption("maybe"); err == nil || !strings.Contains(err.Error(), "maybe") {
		t.Fatal(err)
	}
}

// TestAcceptForeignMSE plays an initiator that offers plaintext and RC4
// (as most clients do) and sends its BT handshake as the MSE initial
// payload: a prefer acceptor selects plaintext, a require acceptor RC4.
func TestAcceptForeignMSE(t *testing.T) {
	for _, ae := range []Encryption{PreferPlaintext, RequireEncryption} {
		t.Run(ae.String(), func(t *testing.T) {
			peerErr := make(chan error, 1)
			c := fakePeer(t, func(c net.Conn) {
				rw, method, err := mse.InitiateHandshake(c, testHash[:], rawHandshake(testHash, idA), mse.AllSupportedCrypto)
				if err != nil {
					peerErr <- err
					return
				}
				want := mse.CryptoMethodPlaintext
				if ae == RequireEncryption {
					want = mse.CryptoMethodRC4
				}
				if method != want {
					peerErr <- errors.New("unexpected crypto method selected")
					return
				}
				in := make([]byte, handshakeLen)
				if _, err := io.ReadFull(rw, in); err != nil {
					peerErr <- err
					return
				}
				if string(in[28:48]) != string(testHash[:]) || string(in[48:]) != string(idB[:]) {
					peerErr <- errors.New("bad handshake from Accept")
					return
				}
				peerErr <- nil
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := Accept(ctx, c, Options{PeerID: idB, Encryption: ae}, knowsTest, skeysTest)
			if err != nil {
				t.Fatal(err)
			}
			if conn.Encrypted != (ae == RequireEncryption) || conn.PeerID != idA {
				t.Fatalf("encrypted %v, peer id %q", conn.Encrypted, conn.PeerID)
			}
			if err := <-peerErr; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// handshakeConns runs an encrypted handshake on an existing pair.
func handshakeConns(tb testing.TB, a, b net.Conn) (*Conn, *Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type res struct {
		c   *Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := Accept(ctx, b, Options{PeerID: idB}, knowsTest, skeysTest)
		ch <- res{c, err}
	}()
	ini, err := Initiate(ctx, a, testHash, Options{PeerID: idA, Encryption: RequireEncryption})
	r := <-ch
	if err != nil || r.err != nil {
		tb.Fatalf("initiate %v, accept %v", err, r.err)
	}
	return ini, r.c
}
