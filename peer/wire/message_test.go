package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

func allMessages() []Message {
	piece := make([]byte, BlockSize)
	for i := range piece {
		piece[i] = byte(i)
	}
	return []Message{
		{Keepalive: true},
		{Type: pp.Choke},
		{Type: pp.Unchoke},
		{Type: pp.Interested},
		{Type: pp.NotInterested},
		{Type: pp.Have, Index: 0xdeadbeef},
		{Type: pp.Bitfield, Bitfield: []byte{0xff, 0x80}},
		{Type: pp.Request, Index: 1, Begin: 2 * BlockSize, Length: BlockSize},
		{Type: pp.Piece, Index: 7, Begin: BlockSize, Piece: piece},
		{Type: pp.Piece, Index: 8, Begin: 0, Piece: []byte{1, 2, 3}},
		{Type: pp.Cancel, Index: 1, Begin: 2, Length: 3},
		{Type: pp.Port, Port: 6881},
		{Type: pp.Suggest, Index: 9},
		{Type: pp.HaveAll},
		{Type: pp.HaveNone},
		{Type: pp.Reject, Index: 4, Begin: 5, Length: 6},
		{Type: pp.AllowedFast, Index: 11},
		{Type: pp.Extended, ExtendedID: 0, ExtendedPayload: []byte("d1:md11:ut_metadatai3eee")},
		{Type: pp.Extended, ExtendedID: 3, ExtendedPayload: []byte{}},
		{Type: pp.HashRequest, Payload: []byte("opaque bytes of a type we do not decode")},
	}
}

// normalize makes empty slices nil so DeepEqual compares contents.
func normalize(m Message) Message {
	for _, p := range []*[]byte{&m.Piece, &m.Bitfield, &m.ExtendedPayload, &m.Payload} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return m
}

func TestMessageRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	msgs := allMessages()
	for i := range msgs {
		if err := w.WriteMessage(&msgs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if w.Buffered() == 0 {
		t.Fatal("nothing buffered")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.Buffered() != 0 {
		t.Fatal("buffered after flush")
	}
	r := NewReader(&buf, 0)
	for _, want := range msgs {
		var got Message
		if err := r.ReadMessage(&got); err != nil {
			t.Fatalf("%v: %v", want.Type, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
	}
	var m Message
	if err := r.ReadMessage(&m); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestMessageWireBytes(t *testing.T) {
	cases := []struct {
		m    Message
		want string
	}{
		{Message{Keepalive: true}, "\x00\x00\x00\x00"},
		{Message{Type: pp.Interested}, "\x00\x00\x00\x01\x02"},
		{Message{Type: pp.Have, Index: 0x01020304}, "\x00\x00\x00\x05\x04\x01\x02\x03\x04"},
		{Message{Type: pp.Bitfield, Bitfield: []byte{0xa5}}, "\x00\x00\x00\x02\x05\xa5"},
		{Message{Type: pp.Request, Index: 1, Begin: 2, Length: 3}, "\x00\x00\x00\x0d\x06\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03"},
		{Message{Type: pp.Piece, Index: 1, Begin: 2, Piece: []byte("xy")}, "\x00\x00\x00\x0b\x07\x00\x00\x00\x01\x00\x00\x00\x02xy"},
		{Message{Type: pp.Port, Port: 0x1ae1}, "\x00\x00\x00\x03\x09\x1a\xe1"},
		{Message{Type: pp.Extended, ExtendedID: 2, ExtendedPayload: []byte("de")}, "\x00\x00\x00\x04\x14\x02de"},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		if err := w.WriteMessage(&tc.m); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if buf.String() != tc.want {
			t.Errorf("%+v: got %q want %q", tc.m, buf.String(), tc.want)
		}
		// Cross-check against the reference encoder where it has the type.
		if tc.m.Type != pp.Bitfield {
			ref := pp.Message{Keepalive: tc.m.Keepalive, Type: tc.m.Type, Index: pp.Integer(tc.m.Index), Begin: pp.Integer(tc.m.Begin),
				Length: pp.Integer(tc.m.Length), Piece: tc.m.Piece, ExtendedID: pp.ExtensionNumber(tc.m.ExtendedID),
				ExtendedPayload: tc.m.ExtendedPayload, Port: tc.m.Port}
			if b := ref.MustMarshalBinary(); string(b) != tc.want {
				t.Errorf("%+v: reference encodes %q", tc.m, b)
			}
		}
	}
}

func TestReadMessageRefusals(t *testing.T) {
	cases := []struct {
		name, input, want string
	}{
		{"have-short", "\x00\x00\x00\x03\x04\x00\x00", "Have message of length 3, want 5"},
		{"choke-long", "\x00\x00\x00\x02\x00\x00", "length 2, want 1"},
		{"request-short", "\x00\x00\x00\x05\x06\x00\x00\x00\x00", "want 13"},
		{"piece-short", "\x00\x00\x00\x05\x07\x00\x00\x00\x00", "want at least 9"},
		{"extended-empty", "\x00\x00\x00\x01\x14", "want at least 2"},
		{"port-long", "\x00\x00\x00\x04\x09\x00\x00\x00", "want 3"},
		{"truncated-prefix", "\x00\x00", "unexpected EOF"},
		{"truncated-type", "\x00\x00\x00\x01", "unexpected EOF"},
		{"truncated-have", "\x00\x00\x00\x05\x04\x00", "unexpected EOF"},
		{"truncated-piece", "\x00\x00\x00\x0d\x07\x00\x00\x00\x00\x00\x00\x00\x00\x01", "unexpected EOF"},
		{"too-long", "\x00\x10\x00\x00\x05", "length 1048576 exceeds limit 16393"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.input), BlockSize+9)
			var m Message
			err := r.ReadMessage(&m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
			if strings.Contains(tc.want, "EOF") && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%v is not io.ErrUnexpectedEOF", err)
			}
		})
	}
}

// TestOversizedNotAllocated: a peer announcing a huge message costs us
// nothing but the error.
func TestOversizedNotAllocated(t *testing.T) {
	input := []byte("\xff\xff\xff\xf0\x05")
	src := bytes.NewReader(input)
	r := NewReader(src, 1<<20)
	var m Message
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 100 {
		src.Reset(input)
		r.br.Reset(src)
		if err := r.ReadMessage(&m); err == nil || !strings.Contains(err.Error(), "4294967280 exceeds limit 1048576") {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 100*1024 {
		t.Fatalf("allocated %d bytes for 100 refusals", d)
	}
}

// TestLargeMessages exercises messages longer than the read buffer.
func TestLargeMessages(t *testing.T) {
	bf := bytes.Repeat([]byte{0xf0}, 100_000)
	ext := bytes.Repeat([]byte("e"), 200_000)
	big := bytes.Repeat([]byte{7}, 3*BlockSize)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.WriteMessage(&Message{Type: pp.Bitfield, Bitfield: bf})
	w.WriteMessage(&Message{Type: pp.Extended, ExtendedID: 1, ExtendedPayload: ext})
	w.WritePiece(1, 0, big)
	w.WriteMessage(&Message{Type: pp.Have, Index: 5})
	w.Flush()
	r := NewReader(&buf, 1<<20)
	var m Message
	if err := r.ReadMessage(&m); err != nil || !bytes.Equal(m.Bitfield, bf) {
		t.Fatal(err)
	}
	if err := r.ReadMessage(&m); err != nil || m.ExtendedID != 1 || !bytes.Equal(m.ExtendedPayload, ext) {
		t.Fatal(err)
	}
	if err := r.ReadMessage(&m); err != nil || m.Index != 1 || !bytes.Equal(m.Piece, big) {
		t.Fatal(err)
	}
	PutBlock(m.Piece) // not from the pool: ignored
	if err := r.ReadMessage(&m); err != nil || m.Type != pp.Have || m.Index != 5 {
		t.Fatal(err)
	}
}

// TestPieceOwnership: a piece buffer survives later reads (it belongs to
// the caller), unlike the aliased payloads.
func TestPieceOwnership(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	a := bytes.Repeat([]byte{0xaa}, BlockSize)
	b := bytes.Repeat([]byte{0xbb}, BlockSize)
	w.WritePiece(0, 0, a)
	w.WritePiece(0, BlockSize, b)
	w.Flush()
	r := NewReader(&buf, 0)
	var m1, m2 Message
	if err := r.ReadMessage(&m1); err != nil {
		t.Fatal(err)
	}
	if err := r.ReadMessage(&m2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m1.Piece, a) || !bytes.Equal(m2.Piece, b) || m2.Begin != BlockSize {
		t.Fatal("piece buffers overwritten")
	}
	PutBlock(m1.Piece)
	PutBlock(m2.Piece)
}

type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk on fire")
	}
	return len(p), nil
}

func TestWriterStickyError(t *testing.T) {
	w := NewWriter(&errWriter{n: 10})
	data := make([]byte, BlockSize)
	var err error
	for range 10 {
		if err = w.WritePiece(0, 0, data); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatal(err)
	}
	if err := w.WriteMessage(&Message{Type: pp.Choke}); err == nil {
		t.Fatal("write after error succeeded")
	}
}

func TestPutBlockIgnoresForeign(t *testing.T) {
	PutBlock(nil)
	PutBlock(make([]byte, 10))
	b := GetBlock()
	if len(b) != BlockSize {
		t.Fatal(len(b))
	}
	binary.BigEndian.PutUint32(b, 1)
	PutBlock(b[:5])
}
