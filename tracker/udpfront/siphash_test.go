package udpfront

import (
	"encoding/binary"
	"testing"
)

// TestSipHashVectors: the SipHash paper's and reference implementation's
// test vectors (key 00..0f, message 00..n-1), and one under the zero key.
func TestSipHashVectors(t *testing.T) {
	var key, msg [16]byte
	for i := range key {
		key[i], msg[i] = byte(i), byte(i)
	}
	k0, k1 := binary.LittleEndian.Uint64(key[:8]), binary.LittleEndian.Uint64(key[8:])
	for _, v := range []struct {
		n    int
		want uint64
	}{{0, 0x726fdb47dd0e0e31}, {1, 0x74f839c593dc67fd}, {8, 0x93f5f5799a932462}, {15, 0xa129ca6149be45e5}} {
		if got := sipHash(k0, k1, msg[:v.n]); got != v.want {
			t.Errorf("%d bytes: %#x, want %#x", v.n, got, v.want)
		}
	}
	if got := sipHash(0, 0, []byte("Hello world")); got != 0xc9e8a3021f3822d9 {
		t.Errorf("zero key, \"Hello world\": %#x", got)
	}
}
