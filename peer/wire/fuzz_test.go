package wire

import (
	"bytes"
	"context"
	"io"
	"net"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

func FuzzReadMessage(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, m := range allMessages() {
		w.WriteMessage(&m)
		w.Flush()
		f.Add(bytes.Clone(buf.Bytes()))
		buf.Reset()
	}
	f.Add([]byte("\xff\xff\xff\xff\x07"))
	f.Add([]byte("\x00\x00\x00\x09\x07\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), 2*BlockSize)
		for {
			var m Message
			if err := r.ReadMessage(&m); err != nil {
				return
			}
			// Whatever decodes must encode back to something that decodes
			// the same.
			var out bytes.Buffer
			w := NewWriter(&out)
			if err := w.WriteMessage(&m); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			var again Message
			if err := NewReader(&out, 2*BlockSize).ReadMessage(&again); err != nil {
				t.Fatalf("re-reading %+v: %v", m, err)
			}
			if !reflect.DeepEqual(normalize(again), normalize(m)) {
				t.Fatalf("round trip: %+v != %+v", again, m)
			}
			PutBlock(m.Piece)
			PutBlock(again.Piece)
		}
	})
}

func FuzzDecodeExtHandshake(f *testing.F) {
	f.Add([]byte("d1:md11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei100e1:v5:shoal6:yourip4:\x7f\x00\x00\x01e"))
	f.Add([]byte("d1:mde4:reqqi250e11:upload_onlyi1e4:ipv616:0123456789abcdefe"))
	f.Add([]byte("d1:md6:ut_pexi300eee"))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := DecodeExtHandshake(in)
		if err != nil {
			return
		}
		h2, err := DecodeExtHandshake(EncodeExtHandshake(h))
		if err != nil {
			t.Fatalf("re-decoding %+v: %v", h, err)
		}
		// An IPv4-mapped yourip comes back as IPv4.
		h.YourIP = h.YourIP.Unmap()
		h2.YourIP = h2.YourIP.Unmap()
		h.IPv4 = h.IPv4.Unmap()
		h2.IPv4 = h2.IPv4.Unmap()
		if h.IPv6.Is4In6() {
			h.IPv6 = h2.IPv6
		}
		if !reflect.DeepEqual(h, h2) {
			t.Fatalf("round trip: %+v != %+v", h2, h)
		}
	})
}

func FuzzDecodeMetadataMsg(f *testing.F) {
	f.Add([]byte("d8:msg_typei0e5:piecei0ee"))
	f.Add([]byte("d8:msg_typei1e5:piecei0e10:total_sizei3eexyz"))
	f.Add([]byte("d8:msg_typei2e5:piecei7ee"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeMetadataMsg(in)
		if err != nil {
			return
		}
		m2, err := DecodeMetadataMsg(EncodeMetadataMsg(m))
		if err != nil {
			t.Fatalf("re-decoding %+v: %v", m, err)
		}
		if len(m.Data) == 0 && len(m2.Data) == 0 {
			m.Data, m2.Data = nil, nil
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %+v != %+v", m2, m)
		}
	})
}

func FuzzDecodePex(f *testing.F) {
	f.Add([]byte("d5:added6:\x7f\x00\x00\x02\x1a\xe17:added.f1:\x026:added618:0123456789abcdef\x00\x507:dropped6:\x7f\x00\x00\x03\x00\x01e"))
	f.Add([]byte("d5:added0:7:dropped0:e"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodePex(in)
		if err != nil {
			return
		}
		if len(m.Added) > MaxPexPeers || len(m.Dropped) > MaxPexPeers {
			t.Fatalf("caps exceeded: %d added, %d dropped", len(m.Added), len(m.Dropped))
		}
		if m.AddedFlags != nil && len(m.AddedFlags) != len(m.Added) {
			t.Fatalf("%d flags for %d peers", len(m.AddedFlags), len(m.Added))
		}
		m2, err := DecodePex(EncodePex(m))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if len(m2.Added) != len(m.Added) || len(m2.Dropped) != len(m.Dropped) {
			t.Fatalf("round trip lost peers: %+v != %+v", m2, m)
		}
	})
}

// FuzzAcceptHandshake feeds random bytes to Accept over a pipe with a short
// deadline: it must return, with an error for anything but a valid
// handshake, and never panic.
func FuzzAcceptHandshake(f *testing.F) {
	f.Add([]byte(pp.Protocol + "\x00\x00\x00\x00\x00\x10\x00\x05\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14-XX0001-aaaaaaaaaaaa"))
	f.Add([]byte(pp.Protocol[:10]))
	f.Add(bytes.Repeat([]byte{0x42}, 700))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		a, b := net.Pipe()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			a.Write(in)
			a.Close()
		}()
		go func() {
			defer wg.Done()
			io.Copy(io.Discard, a)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		for _, enc := range []Encryption{PreferPlaintext} {
			c, err := Accept(ctx, b, Options{PeerID: idB, Encryption: enc}, knowsTest, skeysTest)
			if err == nil && c.InfoHash != testHash {
				t.Fatalf("accepted unknown info hash %x", c.InfoHash)
			}
		}
		b.Close()
		wg.Wait()
	})
}

func FuzzDecodeClaim(f *testing.F) {
	f.Add(EncodeClaim(ClaimMsg{Claim: []uint32{1, 2}, Drop: []uint32{9}}))
	f.Add([]byte("de"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeClaim(in)
		if err != nil {
			return
		}
		if len(m.Claim) > MaxClaimPieces || len(m.Drop) > MaxClaimPieces {
			t.Fatalf("caps exceeded: %d claimed, %d dropped", len(m.Claim), len(m.Drop))
		}
		m2, err := DecodeClaim(EncodeClaim(m))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !slices.Equal(m2.Claim, m.Claim) || !slices.Equal(m2.Drop, m.Drop) {
			t.Fatalf("round trip %+v -> %+v", m, m2)
		}
	})
}
