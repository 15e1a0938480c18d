package choker

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
)

func TestAllowedFastVector(t *testing.T) {
	var ih [20]byte
	copy(ih[:], bytes.Repeat([]byte{0xaa}, 20))
	ip := netip.MustParseAddr("80.4.4.200")
	want7 := []int{1059, 431, 808, 1217, 287, 376, 1188}
	if got := AllowedFast(ip, ih, 1313, 7); !slices.Equal(got, want7) {
		t.Errorf("k=7: got %v, want %v", got, want7)
	}
	want9 := append(slices.Clone(want7), 353, 508)
	if got := AllowedFast(ip, ih, 1313, 9); !slices.Equal(got, want9) {
		t.Errorf("k=9: got %v, want %v", got, want9)
	}
	// Same /24 and IPv4-mapped IPv6 give the same set.
	for _, s := range []string{"80.4.4.1", "::ffff:80.4.4.7"} {
		if got := AllowedFast(netip.MustParseAddr(s), ih, 1313, 9); !slices.Equal(got, want9) {
			t.Errorf("%s: got %v, want %v", s, got, want9)
		}
	}
	if got := AllowedFast(netip.MustParseAddr("80.4.5.200"), ih, 1313, 9); slices.Equal(got, want9) {
		t.Error("another /24 gave the same set")
	}
}

func TestAllowedFastIPv6(t *testing.T) {
	var ih [20]byte
	a := AllowedFast(netip.MustParseAddr("2001:db8:1:2::1"), ih, 500, 10)
	b := AllowedFast(netip.MustParseAddr("2001:db8:1:ffff::9%eth0"), ih, 500, 10)
	c := AllowedFast(netip.MustParseAddr("2001:db8:2::1"), ih, 500, 10)
	if len(a) != 10 || !slices.Equal(a, b) {
		t.Errorf("same /48: %v vs %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Error("another /48 gave the same set")
	}
}

func TestAllowedFastEdges(t *testing.T) {
	var ih [20]byte
	ip := netip.MustParseAddr("10.0.0.1")
	if got := AllowedFast(ip, ih, 5, 10); len(got) != 5 {
		t.Errorf("k > numPieces: %v", got)
	} else {
		s := slices.Sorted(slices.Values(got))
		if !slices.Equal(s, []int{0, 1, 2, 3, 4}) {
			t.Errorf("k > numPieces: %v", got)
		}
	}
	if AllowedFast(ip, ih, 0, 3) != nil || AllowedFast(ip, ih, 10, 0) != nil || AllowedFast(netip.Addr{}, ih, 10, 3) != nil {
		t.Error("degenerate input gave a set")
	}
}
