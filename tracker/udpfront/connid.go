package udpfront

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// macKey is one window's key: connection IDs are SipHash-2-4 of the
// client's IP (as 16 bytes) under it.
type macKey struct {
	k0, k1 uint64
}

func newMacKey(k []byte) *macKey {
	return &macKey{k0: binary.LittleEndian.Uint64(k[:8]), k1: binary.LittleEndian.Uint64(k[8:16])}
}

func (m *macKey) id(ip netip.Addr) uint64 {
	in := ip.Unmap().As16()
	return sipHash(m.k0, m.k1, in[:])
}

type keyring struct {
	window   int64
	cur, old *macKey
}

// connIDs issues and checks connection IDs.
type connIDs struct {
	secret []byte // nil: random keys
	every  time.Duration
	now    func() time.Time
	mu     sync.Mutex
	ring   atomic.Pointer[keyring]
}

func newConnIDs(secret []byte, every time.Duration, now func() time.Time) *connIDs {
	c := &connIDs{secret: secret, every: every, now: now}
	w := c.windowAt(now())
	c.ring.Store(&keyring{window: w, cur: c.keyFor(w), old: c.keyFor(w - 1)})
	return c
}

func (c *connIDs) windowAt(t time.Time) int64 { return t.UnixNano() / int64(c.every) }

func (c *connIDs) keyFor(w int64) *macKey {
	k := make([]byte, 32)
	if c.secret != nil {
		mac := hmac.New(sha256.New, c.secret)
		binary.Write(mac, binary.BigEndian, w)
		k = mac.Sum(k[:0])
	} else {
		_, _ = rand.Read(k)
	}
	return newMacKey(k)
}

// at returns the keys for time t, rotating when a window has passed. A
// time one window behind the keys is taken as theirs: workers read the
// clock once per batch, so one may still hold a time from before another
// rotated, and going back would replace the keys (random ones, without a
// Secret) and void every ID issued since. Only a clock set back further
// moves the keys back.
func (c *connIDs) at(t time.Time) *keyring {
	w := c.windowAt(t)
	r := c.ring.Load()
	if r.window == w || r.window == w+1 {
		return r
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r = c.ring.Load()
	if r.window == w || r.window == w+1 {
		return r
	}
	next := &keyring{window: w, cur: c.keyFor(w)}
	if r.window == w-1 {
		next.old = r.cur
	} else {
		next.old = c.keyFor(w - 1)
	}
	c.ring.Store(next)
	return next
}

// issue returns a connection ID for ip at time t.
func (c *connIDs) issue(ip netip.Addr, t time.Time) uint64 { return c.at(t).cur.id(ip) }

// valid reports whether id was issued to ip in t's window or the last.
func (c *connIDs) valid(ip netip.Addr, id uint64, t time.Time) bool {
	r := c.at(t)
	return r.cur.id(ip) == id || r.old.id(ip) == id
}
