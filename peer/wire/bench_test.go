package wire

import (
	"bufio"
	"bytes"
	"net"
	"testing"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

func BenchmarkWritePiece(b *testing.B) {
	data := make([]byte, BlockSize)
	w := NewWriter(discard{})
	b.SetBytes(BlockSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := w.WritePiece(uint32(i), 0, data); err != nil {
			b.Fatal(err)
		}
	}
	w.Flush()
}

// discard is io.Discard without the ReadFrom shortcut.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// loopReader serves the same bytes forever.
type loopReader struct {
	data []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

func BenchmarkReadMessage(b *testing.B) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	data := make([]byte, BlockSize)
	for i := range 16 {
		w.WritePiece(uint32(i), 0, data)
	}
	w.Flush()
	r := NewReader(&loopReader{data: buf.Bytes()}, 0)
	var m Message
	b.SetBytes(BlockSize)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.ReadMessage(&m); err != nil {
			b.Fatal(err)
		}
		if m.Type != pp.Piece {
			b.Fatal(m.Type)
		}
		PutBlock(m.Piece)
	}
}

func BenchmarkReadMessageHave(b *testing.B) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range 1024 {
		w.WriteMessage(&Message{Type: pp.Have, Index: uint32(i)})
	}
	w.Flush()
	r := NewReader(&loopReader{data: buf.Bytes()}, 0)
	var m Message
	b.ReportAllocs()
	for b.Loop() {
		if err := r.ReadMessage(&m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlainLoopback streams 16 KiB piece messages over a TCP loopback
// pair through Writer and Reader, like an engine's writer and reader
// goroutines.
func BenchmarkPlainLoopback(b *testing.B) {
	benchLoopback(b, false)
}

// BenchmarkRC4Loopback is the same after an MSE handshake.
func BenchmarkRC4Loopback(b *testing.B) {
	benchLoopback(b, true)
}

func benchLoopback(b *testing.B, encrypted bool) {
	out, in := tcpPair(b)
	defer out.Close()
	defer in.Close()
	var src, dst net.Conn = out, in
	if encrypted {
		ini, acc := handshakeConns(b, out, in)
		src, dst = ini, acc
	}
	n := b.N
	errc := make(chan error, 1)
	go func() {
		w := NewWriter(src)
		data := make([]byte, BlockSize)
		for i := range n {
			if err := w.WritePiece(uint32(i), 0, data); err != nil {
				errc <- err
				return
			}
		}
		errc <- w.Flush()
	}()
	r := NewReader(dst, 0)
	var m Message
	b.SetBytes(BlockSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range n {
		if err := r.ReadMessage(&m); err != nil {
			b.Fatal(err)
		}
		PutBlock(m.Piece)
	}
	b.StopTimer()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

// chunkPool adapts our block pool to peer_protocol.ChunkBufferPool.
type chunkPool struct{}

func (chunkPool) Get() *[]byte  { b := GetBlock(); return &b }
func (chunkPool) Put(p *[]byte) { PutBlock(*p) }

// BenchmarkReadMessageReference is the piece path of anacrolix's
// peer_protocol.Decoder with a pool, for comparison with
// BenchmarkReadMessage.
func BenchmarkReadMessageReference(b *testing.B) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	data := make([]byte, BlockSize)
	for i := range 16 {
		w.WritePiece(uint32(i), 0, data)
	}
	w.Flush()
	d := pp.Decoder{R: bufio.NewReaderSize(&loopReader{data: buf.Bytes()}, readBufSize), MaxLength: 1 << 20, Pool: chunkPool{}}
	b.SetBytes(BlockSize)
	b.ReportAllocs()
	for b.Loop() {
		var m pp.Message
		if err := d.Decode(&m); err != nil {
			b.Fatal(err)
		}
		if m.PiecePtr != nil {
			chunkPool{}.Put(m.PiecePtr)
		}
	}
}
