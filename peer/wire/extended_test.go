package wire

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestExtHandshakeRoundTrip(t *testing.T) {
	cases := []ExtHandshake{
		{M: map[string]int{}},
		{
			M:            map[string]int{"ut_metadata": 3, "ut_pex": 1, "lt_donthave": 0},
			V:            "shoal 0.1",
			Reqq:         500,
			MetadataSize: 31337,
			Port:         6881,
			YourIP:       netip.MustParseAddr("127.0.0.2"),
			IPv4:         netip.MustParseAddr("10.1.2.3"),
			IPv6:         netip.MustParseAddr("2001:db8::1"),
			UploadOnly:   true,
		},
		{M: map[string]int{"ut_pex": 255}, YourIP: netip.MustParseAddr("::1")},
	}
	for _, want := range cases {
		got, err := DecodeExtHandshake(EncodeExtHandshake(want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
	}
}

func TestExtHandshakeEncoding(t *testing.T) {
	got := string(EncodeExtHandshake(ExtHandshake{
		M:            map[string]int{"ut_pex": 2, "ut_metadata": 1},
		MetadataSize: 100,
		YourIP:       netip.MustParseAddr("::ffff:1.2.3.4"),
	}))
	want := "d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei100e6:yourip4:\x01\x02\x03\x04e"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := string(EncodeExtHandshake(ExtHandshake{})); got != "d1:mdee" {
		t.Fatalf("empty: %q", got)
	}
}

func TestDecodeExtHandshakeUnknownKeys(t *testing.T) {
	// A libtorrent-style handshake with keys we do not use.
	p := "d12:complete_agoi-1e1:ei1e1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_holepunchi4e11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei5000e4:reqqi500e11:upload_onlyi1e1:v17:libtorrent/2.0.10e"
	h, err := DecodeExtHandshake([]byte(p))
	if err != nil {
		t.Fatal(err)
	}
	if h.M["ut_metadata"] != 2 || h.M["ut_pex"] != 1 || h.MetadataSize != 5000 || h.Reqq != 500 || !h.UploadOnly || h.V != "libtorrent/2.0.10" {
		t.Fatalf("%+v", h)
	}
}

func TestDecodeExtHandshakeRefusals(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "not a bencoded dictionary"},
		{"le", "not a bencoded dictionary"},
		{"d1:md6:ut_pexi256eee", "id 256 for \"ut_pex\""},
		{"d1:md6:ut_pexi-1eee", "id -1"},
		{"d1:md6:ut_pex3:abcee", "ut_pex"},
		{"d1:mde13:metadata_sizei16777217ee", "metadata_size 16777217"},
		{"d1:mde13:metadata_sizei-5ee", "metadata_size -5"},
		{"d1:mde4:reqqi-1ee", "negative reqq -1"},
		{"d1:mde1:pi70000ee", "port 70000"},
		{"d1:mde6:yourip3:abce", "yourip of 3 bytes"},
		{"d1:mde4:ipv416:0123456789abcdefe", "ipv4 of 16 bytes"},
		{"d1:mde4:ipv64:abcde", "ipv6 of 4 bytes"},
		{"d1:mde", "EOF"},
		{"d1:mdeeextra", "trailing"},
		{"d1:mi5ee", "m"},
		{"d1:v" + "99999999999999999999:x" + "e", ""},
	}
	for _, tc := range cases {
		_, err := DecodeExtHandshake([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}
