package udpfront

import (
	"net/netip"
	"testing"
	"time"
)

// TestConnIDsStaleTimeKeepsKeys: a check at a time one window behind the
// keys (a worker's batch read before another worker rotated) neither
// replaces the keys nor voids IDs issued since; it is answered with the
// current keys. A clock set back further does move the keys back.
func TestConnIDsStaleTimeKeepsKeys(t *testing.T) {
	for _, secret := range [][]byte{nil, []byte("shared")} {
		t0 := time.Unix(1_800_000_000, 0).Truncate(time.Minute)
		c := newConnIDs(secret, time.Minute, func() time.Time { return t0 })
		ip := netip.MustParseAddr("192.0.2.7")
		next := t0.Add(time.Minute + time.Second)
		id := c.issue(ip, next) // rotates to the next window
		stale := t0.Add(59 * time.Second)
		if !c.valid(ip, id, stale) {
			t.Fatalf("secret %q: ID from the new window refused at a time one window behind", secret)
		}
		if !c.valid(ip, id, next) {
			t.Fatalf("secret %q: the stale check replaced the keys: ID refused in its own window", secret)
		}
		if c.valid(ip, id, next.Add(2*time.Minute)) {
			t.Fatalf("secret %q: ID accepted two windows on", secret)
		}
		// The clock set back an hour: keys for that window, not the ones
		// of the future.
		back := t0.Add(-time.Hour)
		if got := c.at(back).window; got != c.windowAt(back) {
			t.Fatalf("secret %q: clock set back an hour, keys stay at window %d, want %d", secret, got, c.windowAt(back))
		}
	}
}
