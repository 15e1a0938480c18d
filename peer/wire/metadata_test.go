package wire

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestMetadataRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("d4:infoe"), BlockSize/8)
	cases := []MetadataMsg{
		{Type: MetadataRequest, Piece: 0},
		{Type: MetadataRequest, Piece: 1023},
		{Type: MetadataReject, Piece: 4},
		{Type: MetadataData, Piece: 0, TotalSize: BlockSize + 10, Data: data},
		{Type: MetadataData, Piece: 1, TotalSize: BlockSize + 10, Data: data[:10]},
	}
	for _, want := range cases {
		got, err := DecodeMetadataMsg(EncodeMetadataMsg(want))
		if err != nil {
			t.Fatalf("%+v: %v", want.Type, err)
		}
		if len(got.Data) == 0 {
			got.Data = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
	}
}

func TestMetadataEncoding(t *testing.T) {
	cases := []struct {
		m    MetadataMsg
		want string
	}{
		{MetadataMsg{Type: MetadataRequest, Piece: 2}, "d8:msg_typei0e5:piecei2ee"},
		{MetadataMsg{Type: MetadataReject, Piece: 0}, "d8:msg_typei2e5:piecei0ee"},
		{MetadataMsg{Type: MetadataData, Piece: 0, TotalSize: 3, Data: []byte("xyz")}, "d8:msg_typei1e5:piecei0e10:total_sizei3eexyz"},
	}
	for _, tc := range cases {
		if got := string(EncodeMetadataMsg(tc.m)); got != tc.want {
			t.Errorf("got %q want %q", got, tc.want)
		}
	}
}

func TestDecodeMetadataRefusals(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "not a bencoded dictionary"},
		{"i1e", "not a bencoded dictionary"},
		{"d5:piecei0ee", "without msg_type"},
		{"d8:msg_typei0ee", "without piece"},
		{"d8:msg_typei3e5:piecei0ee", "unknown msg_type 3"},
		{"d8:msg_typei0e5:piecei-1ee", "piece -1 out of range"},
		{"d8:msg_typei0e5:piecei1024ee", "piece 1024 out of range"},
		{"d8:msg_typei0e5:piecei0eexx", "2 trailing bytes"},
		{"d8:msg_typei1e5:piecei0eexx", "without total_size"},
		{"d8:msg_typei1e5:piecei0e10:total_sizei0eexx", "total_size 0"},
		{"d8:msg_typei1e5:piecei0e10:total_sizei16777217eexx", "total_size 16777217"},
		{"d8:msg_typei1e5:piecei1e10:total_sizei100eexx", "piece 1 beyond total_size 100"},
		{"d8:msg_typei1e5:piecei0e10:total_sizei1eexx", "carries 2 bytes, want at most 1"},
		{"d8:msg_typei1e5:piecei0e10:total_sizei100000ee" + strings.Repeat("x", BlockSize+1), "carries 16385 bytes"},
		{"d8:msg_type1:a5:piecei0ee", "msg_type"},
		{"d8:msg_typei0e5:piecei0e", "EOF"},
	}
	for _, tc := range cases {
		_, err := DecodeMetadataMsg([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60q: got %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}
