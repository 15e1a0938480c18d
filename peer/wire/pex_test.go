package wire

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	pp "github.com/anacrolix/torrent/peer_protocol"
)

func TestPexRoundTrip(t *testing.T) {
	ap := netip.MustParseAddrPort
	cases := []struct{ in, want PexMsg }{
		{PexMsg{}, PexMsg{}},
		{
			PexMsg{
				Added:      []netip.AddrPort{ap("127.0.0.2:6881"), ap("[2001:db8::2]:51413"), ap("10.0.0.1:1")},
				AddedFlags: []byte{PexSeed, PexPrefersEncryption | PexReachable, 0},
				Dropped:    []netip.AddrPort{ap("[::1]:80"), ap("127.0.0.9:9")},
			},
			// IPv4 first, then IPv6, flags following their peers.
			PexMsg{
				Added:      []netip.AddrPort{ap("127.0.0.2:6881"), ap("10.0.0.1:1"), ap("[2001:db8::2]:51413")},
				AddedFlags: []byte{PexSeed, 0, PexPrefersEncryption | PexReachable},
				Dropped:    []netip.AddrPort{ap("127.0.0.9:9"), ap("[::1]:80")},
			},
		},
		{
			PexMsg{Added: []netip.AddrPort{ap("[::ffff:1.2.3.4]:5"), {}}},
			PexMsg{Added: []netip.AddrPort{ap("1.2.3.4:5")}, AddedFlags: []byte{0}},
		},
	}
	for _, tc := range cases {
		got, err := DecodePex(EncodePex(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("got %+v\nwant %+v", got, tc.want)
		}
	}
}

// TestPexAgainstReference checks that anacrolix's encoder and ours agree.
func TestPexAgainstReference(t *testing.T) {
	ap := netip.MustParseAddrPort
	m := PexMsg{
		Added:      []netip.AddrPort{ap("127.0.0.2:6881"), ap("[2001:db8::2]:51413")},
		AddedFlags: []byte{PexSeed, PexSupportsUTP},
		Dropped:    []netip.AddrPort{ap("127.0.0.3:1")},
	}
	ref, err := pp.LoadPexMsg(EncodePex(m))
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Added) != 1 || ref.Added[0].Port != 6881 || len(ref.Added6) != 1 || ref.Added6[0].Port != 51413 ||
		len(ref.Dropped) != 1 || ref.AddedFlags[0] != PexSeed || ref.Added6Flags[0] != PexSupportsUTP {
		t.Fatalf("%+v", ref)
	}
	back, err := DecodePex(ref.Message(1).ExtendedPayload)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Added) != 2 || back.Added[1] != ap("[2001:db8::2]:51413") || back.Dropped[0] != ap("127.0.0.3:1") {
		t.Fatalf("%+v", back)
	}
}

func TestDecodePexRefusals(t *testing.T) {
	bstr := func(n int) string { return fmt.Sprintf("%d:%s", n, strings.Repeat("\x01", n)) }
	cases := []struct{ in, want string }{
		{"", "not a bencoded dictionary"},
		{"l1:ae", "not a bencoded dictionary"},
		{"d5:added" + bstr(7) + "e", "added of 7 bytes"},
		{"d6:added6" + bstr(6) + "e", "added6 of 6 bytes"},
		{"d7:dropped" + bstr(5) + "e", "dropped of 5 bytes"},
		{"d8:dropped6" + bstr(19) + "e", "dropped6 of 19 bytes"},
		{"d5:added" + bstr(6*150) + "6:added6" + bstr(18*51) + "e", "adds 201 peers, limit 200"},
		{"d7:dropped" + bstr(6*201) + "e", "drops 201 peers, limit 200"},
		{"d5:added" + bstr(12) + "7:added.f" + bstr(3) + "e", "added.f has 3 flags for 2 peers"},
		{"d6:added6" + bstr(18) + "8:added6.f" + bstr(2) + "e", "added6.f has 2 flags for 1 peers"},
		{"d5:addedi5ee", "added"},
		{"d5:added6:abcdef", "EOF"},
	}
	for _, tc := range cases {
		_, err := DecodePex([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: got %v, want error containing %q", tc.in, err, tc.want)
		}
	}
	// Exactly at the caps is fine.
	ok := "d5:added" + bstr(6*100) + "6:added6" + bstr(18*100) + "7:dropped" + bstr(6*200) + "e"
	m, err := DecodePex([]byte(ok))
	if err != nil || len(m.Added) != 200 || len(m.Dropped) != 200 || m.AddedFlags != nil {
		t.Fatalf("%v %d %d", err, len(m.Added), len(m.Dropped))
	}
}
