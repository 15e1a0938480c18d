package udpfront

import (
	"net"
	"testing"
	"time"
)

// TestBatchIO reads a batch of datagrams from two senders through a
// worker's batchIO (this platform's, and golang.org/x/net's), answers all
// but one, and checks that each sender gets its answers, in order, and
// that this platform's warm batchIO allocates nothing per batch.
func TestBatchIO(t *testing.T) {
	t.Run("platform", func(t *testing.T) { testBatchIO(t, newBatchIO, true) })
	t.Run("x/net", func(t *testing.T) {
		testBatchIO(t, func(c *net.UDPConn, size int) (batchIO, error) { return newXnetIO(c, size), nil }, false)
	})
}

func testBatchIO(t *testing.T, newIO func(*net.UDPConn, int) (batchIO, error), noAllocs bool) {
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	bio, err := newIO(srv, 8)
	if err != nil {
		t.Fatal(err)
	}
	var cs [2]*net.UDPConn
	for i := range cs {
		if cs[i], err = net.DialUDP("udp4", nil, srv.LocalAddr().(*net.UDPAddr)); err != nil {
			t.Fatal(err)
		}
		defer cs[i].Close()
	}
	buf := make([]byte, 8)
	round := func() {
		for k := range 6 {
			if _, err := cs[k%2].Write([]byte{byte(k)}); err != nil {
				t.Fatal(err)
			}
		}
		got := 0
		for got < 6 {
			n, err := bio.read()
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				pkt, from, ok, trunc := bio.packet(i)
				if !ok || trunc || len(pkt) != 1 || from != cs[pkt[0]%2].LocalAddr().(*net.UDPAddr).AddrPort() {
					t.Fatalf("datagram %d: %x from %v (ok %v, truncated %v)", i, pkt, from, ok, trunc)
				}
				if pkt[0] != 3 {
					bio.answer(i, append(bio.outBuf(i), 'a', pkt[0]))
				}
			}
			got += n
			if err := bio.flush(); err != nil {
				t.Fatal(err)
			}
		}
		for c, want := range [][]byte{{0, 2, 4}, {1, 5}} {
			_ = cs[c].SetReadDeadline(time.Now().Add(5 * time.Second))
			for _, k := range want {
				if n, err := cs[c].Read(buf); err != nil || n != 2 || buf[0] != 'a' || buf[1] != k {
					t.Fatalf("sender %d: answer %x, %v; want a%d", c, buf[:n], err, k)
				}
			}
		}
	}
	round()
	if raceEnabled || !noAllocs {
		return
	}
	if n := testing.AllocsPerRun(20, round); n > 0 {
		t.Fatalf("%v allocations per round", n)
	}
}
