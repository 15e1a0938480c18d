package proximity

import "testing"

func TestLoopbackTable(t *testing.T) {
	tab := LoopbackTable(4)
	tests := []struct {
		ip   string
		want ASN
	}{
		{"127.0.0.1", 0},
		{"127.1.0.1", 64496},
		{"127.1.255.254", 64496},
		{"127.2.3.4", 64497},
		{"127.4.0.9", 64499},
		{"127.5.0.1", 0},
		{"10.77.1.5", 64496},
		{"10.77.4.200", 64499},
		{"10.77.5.1", 0},
		{"10.77.0.1", 0},
		{"10.78.1.1", 0},
		{"::ffff:127.3.0.1", 64498},
		{"::1", 0},
	}
	for _, tt := range tests {
		if got := tab.ASN(addr(tt.ip)); got != tt.want {
			t.Errorf("ASN(%s) = %d, want %d", tt.ip, got, tt.want)
		}
	}
	if got := tab.Len(); got != 8 {
		t.Errorf("Len = %d, want 8", got)
	}
	full := LoopbackTable(99)
	if got := full.ASN(addr("127.16.0.1")); got != 64511 {
		t.Errorf("127.16.0.1: %d, want 64511", got)
	}
	if got := full.ASN(addr("127.17.0.1")); got != 0 {
		t.Errorf("127.17.0.1: %d, want 0", got)
	}
	if got := LoopbackTable(-1).Len(); got != 0 {
		t.Errorf("LoopbackTable(-1).Len = %d", got)
	}
}

func TestASNForLoopback(t *testing.T) {
	for a, want := range map[int]ASN{1: 64496, 2: 64497, 16: 64511, 0: 0, 17: 0, -3: 0} {
		if got := ASNForLoopback(a); got != want {
			t.Errorf("ASNForLoopback(%d) = %d, want %d", a, got, want)
		}
	}
}
