package proximity

import (
	"net/netip"
	"testing"
	"time"
)

func TestCommonPrefixLen(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"10.0.0.1", "10.0.0.1", 32},
		{"10.0.0.1", "10.0.0.0", 31},
		{"10.0.0.1", "10.0.1.1", 23},
		{"10.0.0.1", "138.0.0.1", 0},
		{"10.0.0.1", "11.0.0.1", 7},
		{"::ffff:10.0.0.1", "10.0.0.3", 30},
		{"::ffff:10.0.0.1", "::ffff:10.0.0.1", 32},
		{"10.0.0.1", "::a00:1", 0}, // different families
		{"2001:db8::1", "2001:db8::1", 128},
		{"2001:db8::1", "2001:db8::", 127},
		{"2001:db8::1", "2001:db8:0:1::1", 63},
		{"2001:db8::1", "2001:db9::1", 31},
		{"2001:db8::1", "8001:db8::1", 0},
		{"fe80::1%eth0", "fe80::1%eth1", 128},
	}
	for _, tt := range tests {
		if got := CommonPrefixLen(addr(tt.a), addr(tt.b)); got != tt.want {
			t.Errorf("CommonPrefixLen(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CommonPrefixLen(addr(tt.b), addr(tt.a)); got != tt.want {
			t.Errorf("CommonPrefixLen(%s, %s) = %d, want %d (swapped)", tt.b, tt.a, got, tt.want)
		}
	}
	if got := CommonPrefixLen(netip.Addr{}, netip.Addr{}); got != 0 {
		t.Errorf("invalid: %d", got)
	}
}

func TestMeasure(t *testing.T) {
	loc := LoopbackTable(3)
	tests := []struct {
		name        string
		loc         Locator
		self, other string
		rtt         time.Duration
		want        Distance
	}{
		{"same /24", loc, "127.1.0.1", "127.1.0.2", 0, Distance{SameNet: true, SameASN: true, Prefix: 30}},
		{"same AS", loc, "127.1.0.1", "127.1.9.1", 5 * time.Millisecond, Distance{SameASN: true, Prefix: 20, RTT: 5 * time.Millisecond}},
		{"other AS", loc, "127.1.0.1", "127.2.0.1", 0, Distance{Prefix: 14}},
		{"unknown never matches unknown", loc, "127.9.0.1", "127.10.0.1", 0, Distance{Prefix: 14}},
		{"unknown vs known", loc, "127.9.0.1", "127.1.0.1", 0, Distance{Prefix: 12}},
		{"nil locator", nil, "127.1.0.1", "127.1.9.1", 0, Distance{Prefix: 20}},
		{"nil locator same net", nil, "127.1.0.1", "::ffff:127.1.0.9", 0, Distance{SameNet: true, Prefix: 28}},
		{"negative rtt", nil, "127.1.0.1", "127.2.0.1", -time.Second, Distance{Prefix: 14}},
		{"IPv6 same /48", nil, "2001:db8:1::1", "2001:db8:1:ff::1", 0, Distance{SameNet: true, Prefix: 56}},
		{"IPv6 /47", nil, "2001:db8:0::1", "2001:db8:1::1", 0, Distance{Prefix: 47}},
		{"families differ", nil, "127.1.0.1", "::1", 0, Distance{}},
		{"v4 self, v6 other sharing 24 bits", nil, "32.1.13.1", "2001:db8::1", 0, Distance{}},
	}
	for _, tt := range tests {
		if got := Measure(tt.loc, addr(tt.self), addr(tt.other), tt.rtt); got != tt.want {
			t.Errorf("%s: Measure = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestNearer(t *testing.T) {
	ms := time.Millisecond
	// Each distance is strictly nearer than every one after it.
	order := []Distance{
		{SameNet: true, SameASN: true, Prefix: 31},
		{SameNet: true, SameASN: true, Prefix: 24, RTT: ms},
		{SameNet: true, SameASN: true, Prefix: 24},
		{SameNet: true, Prefix: 30},
		{SameASN: true, Prefix: 20, RTT: 90 * ms},
		{SameASN: true, Prefix: 16, RTT: ms},
		{SameASN: true, Prefix: 16, RTT: 2 * ms},
		{SameASN: true, Prefix: 16},
		{Prefix: 23, RTT: 500 * ms},
		{Prefix: 8, RTT: ms},
		{Prefix: 8, RTT: 3 * ms},
		{Prefix: 8},
		{Prefix: 0},
	}
	for i, d := range order {
		if d.Nearer(d) {
			t.Errorf("%+v nearer than itself", d)
		}
		for j, e := range order {
			if got, want := d.Nearer(e), i < j; got != want {
				t.Errorf("%+v.Nearer(%+v) = %v, want %v", d, e, got, want)
			}
			if got, want := d.score() > e.score(), i < j; got != want {
				t.Errorf("score order %+v vs %+v = %v, want %v", d, e, got, want)
			}
		}
	}
	// Equal distances are never nearer than each other.
	a, b := Distance{Prefix: 8}, Distance{Prefix: 8}
	if a.Nearer(b) || b.Nearer(a) || a.score() != b.score() {
		t.Error("equal distances compare unequal")
	}
	// A huge RTT still ranks before an unknown one.
	if !(Distance{RTT: 1 << 62}).Nearer(Distance{}) || (Distance{RTT: 1 << 62}).score() <= (Distance{}).score() {
		t.Error("huge known RTT must rank before unknown")
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[Class]string{ClassSameNet: "same-net", ClassSameASN: "same-as", ClassNear: "prefix", ClassRemote: "remote-quota", 9: "class(9)"} {
		if got := c.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", c, got, want)
		}
	}
}
