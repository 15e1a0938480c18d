package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/anacrolix/torrent/bencode"
)

// We use our own PexMsg rather than peer_protocol.PexMsg: that one keeps
// IPv4 and IPv6 apart in krpc types and has no caps; the engine wants one
// list of netip.AddrPort.

// MaxPexPeers caps the added and the dropped entries of one PEX message
// (each, IPv4 and IPv6 together). BEP 11 asks senders for at most 50.
const MaxPexPeers = 200

// PEX peer flags (BEP 11 added.f).
const (
	PexPrefersEncryption = 0x01
	PexSeed              = 0x02
	PexSupportsUTP       = 0x04
	PexSupportsHolepunch = 0x08
	PexReachable         = 0x10
)

// PexMsg is a BEP 11 ut_pex message with IPv4 and IPv6 peers mixed.
// AddedFlags, if not empty, has one flag byte per Added entry.
type PexMsg struct {
	Added, Dropped []netip.AddrPort
	AddedFlags     []byte
}

type pexWire struct {
	Added       []byte `bencode:"added"`
	AddedFlags  []byte `bencode:"added.f"`
	Added6      []byte `bencode:"added6"`
	Added6Flags []byte `bencode:"added6.f"`
	Dropped     []byte `bencode:"dropped"`
	Dropped6    []byte `bencode:"dropped6"`
}

// EncodePex bencodes m, splitting IPv4 (including IPv4-mapped IPv6) and
// IPv6 peers into added/added6 and dropped/dropped6, flags following their
// peers. Invalid entries are left out; a missing flag is 0.
func EncodePex(m PexMsg) []byte {
	var w pexWire
	for i, ap := range m.Added {
		if !ap.IsValid() {
			continue
		}
		var f byte
		if i < len(m.AddedFlags) {
			f = m.AddedFlags[i]
		}
		if ap.Addr().Unmap().Is4() {
			w.Added = appendCompact(w.Added, ap)
			w.AddedFlags = append(w.AddedFlags, f)
		} else {
			w.Added6 = appendCompact(w.Added6, ap)
			w.Added6Flags = append(w.Added6Flags, f)
		}
	}
	for _, ap := range m.Dropped {
		if !ap.IsValid() {
			continue
		}
		if ap.Addr().Unmap().Is4() {
			w.Dropped = appendCompact(w.Dropped, ap)
		} else {
			w.Dropped6 = appendCompact(w.Dropped6, ap)
		}
	}
	b, err := bencode.Marshal(w)
	if err != nil {
		// Only byte strings: cannot fail.
		panic(fmt.Sprintf("wire: bencoding PEX message: %v", err))
	}
	return b
}

// appendCompact appends the compact form: 4 or 16 address bytes, then the
// port big-endian.
func appendCompact(b []byte, ap netip.AddrPort) []byte {
	b = append(b, ap.Addr().Unmap().AsSlice()...)
	return binary.BigEndian.AppendUint16(b, ap.Port())
}

// DecodePex parses a ut_pex payload. It refuses peer strings whose length
// is not a multiple of 6 (IPv4) or 18 (IPv6), flag strings that do not
// match their peers one to one (absent is fine), and more than MaxPexPeers
// added or dropped entries. Entries are returned as sent (port 0 or odd
// addresses included): filtering candidates is the caller's job.
func DecodePex(p []byte) (PexMsg, error) {
	var m PexMsg
	if len(p) == 0 || p[0] != 'd' {
		return m, errors.New("wire: PEX message is not a bencoded dictionary")
	}
	var w pexWire
	if err := bencode.Unmarshal(p, &w); err != nil {
		return m, fmt.Errorf("wire: PEX message: %w", err)
	}
	n4, err := countCompact("added", w.Added, 6)
	if err != nil {
		return m, err
	}
	n6, err := countCompact("added6", w.Added6, 18)
	if err != nil {
		return m, err
	}
	if n4+n6 > MaxPexPeers {
		return m, fmt.Errorf("wire: PEX message adds %d peers, limit %d", n4+n6, MaxPexPeers)
	}
	d4, err := countCompact("dropped", w.Dropped, 6)
	if err != nil {
		return m, err
	}
	d6, err := countCompact("dropped6", w.Dropped6, 18)
	if err != nil {
		return m, err
	}
	if d4+d6 > MaxPexPeers {
		return m, fmt.Errorf("wire: PEX message drops %d peers, limit %d", d4+d6, MaxPexPeers)
	}
	if len(w.AddedFlags) != 0 && len(w.AddedFlags) != n4 {
		return m, fmt.Errorf("wire: PEX added.f has %d flags for %d peers", len(w.AddedFlags), n4)
	}
	if len(w.Added6Flags) != 0 && len(w.Added6Flags) != n6 {
		return m, fmt.Errorf("wire: PEX added6.f has %d flags for %d peers", len(w.Added6Flags), n6)
	}
	if n4+n6 > 0 {
		m.Added = make([]netip.AddrPort, 0, n4+n6)
		m.Added = appendPeers(m.Added, w.Added, 4)
		m.Added = appendPeers(m.Added, w.Added6, 16)
	}
	if len(w.AddedFlags)+len(w.Added6Flags) > 0 {
		m.AddedFlags = make([]byte, n4+n6)
		copy(m.AddedFlags, w.AddedFlags)
		copy(m.AddedFlags[n4:], w.Added6Flags)
	}
	if d4+d6 > 0 {
		m.Dropped = make([]netip.AddrPort, 0, d4+d6)
		m.Dropped = appendPeers(m.Dropped, w.Dropped, 4)
		m.Dropped = appendPeers(m.Dropped, w.Dropped6, 16)
	}
	return m, nil
}

// countCompact is the number of entries of size bytes in b.
func countCompact(key string, b []byte, size int) (int, error) {
	if len(b)%size != 0 {
		return 0, fmt.Errorf("wire: PEX %s of %d bytes, not a multiple of %d", key, len(b), size)
	}
	return len(b) / size, nil
}

// appendPeers decodes compact entries of an alen-byte address and a port.
func appendPeers(dst []netip.AddrPort, b []byte, alen int) []netip.AddrPort {
	for ; len(b) >= alen+2; b = b[alen+2:] {
		a, _ := netip.AddrFromSlice(b[:alen])
		dst = append(dst, netip.AddrPortFrom(a, binary.BigEndian.Uint16(b[alen:])))
	}
	return dst
}
