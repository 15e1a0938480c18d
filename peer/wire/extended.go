package wire

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/anacrolix/torrent/bencode"
)

// We use our own ExtHandshake rather than
// peer_protocol.ExtendedHandshakeMessage: that one uses net.IP and an
// unchecked map of uint8 ids, and decoding it enforces none of the limits
// below.

// MaxMetadataSize is the largest info dictionary (BEP 9 metadata_size) we
// accept: 16 MiB.
const MaxMetadataSize = 16 << 20

// ExtHandshake is the BEP 10 extension handshake (extended message id 0).
type ExtHandshake struct {
	// M maps extension names (ut_metadata, ut_pex, …) to the extended
	// message ids the sender wants to receive them on, 1…255; 0 means the
	// sender disables that extension.
	M            map[string]int
	V            string     // client name and version
	Reqq         int        // request queue depth the sender allows
	MetadataSize int        // BEP 9: size of the info dictionary in bytes
	Port         int        // sender's listen port
	YourIP       netip.Addr // our address as the sender sees it
	IPv4, IPv6   netip.Addr // sender's own addresses
	UploadOnly   bool       // BEP 21: sender is a seed or partial seed
}

// extHandshakeWire is the bencoded form. Addresses are raw bytes so their
// lengths can be checked.
type extHandshakeWire struct {
	M            map[string]int `bencode:"m"`
	V            string         `bencode:"v,omitempty"`
	Reqq         int            `bencode:"reqq,omitempty"`
	MetadataSize int            `bencode:"metadata_size,omitempty"`
	Port         int            `bencode:"p,omitempty"`
	YourIP       []byte         `bencode:"yourip,omitempty"`
	IPv4         []byte         `bencode:"ipv4,omitempty"`
	IPv6         []byte         `bencode:"ipv6,omitempty"`
	UploadOnly   int            `bencode:"upload_only,omitempty"`
}

// EncodeExtHandshake bencodes h. Zero fields are left out, except m, which
// is always present. YourIP is sent as 4 bytes for IPv4 (also IPv4-mapped
// IPv6) and 16 bytes otherwise.
func EncodeExtHandshake(h ExtHandshake) []byte {
	w := extHandshakeWire{
		M:            h.M,
		V:            h.V,
		Reqq:         h.Reqq,
		MetadataSize: h.MetadataSize,
		Port:         h.Port,
		YourIP:       compactAddr(h.YourIP),
	}
	if w.M == nil {
		w.M = map[string]int{}
	}
	if h.IPv4.Is4() || h.IPv4.Is4In6() {
		w.IPv4 = compactAddr(h.IPv4)
	}
	if h.IPv6.Is6() && !h.IPv6.Is4In6() {
		w.IPv6 = h.IPv6.AsSlice()
	}
	if h.UploadOnly {
		w.UploadOnly = 1
	}
	b, err := bencode.Marshal(w)
	if err != nil {
		// Only maps, strings, ints and byte strings: cannot fail.
		panic(fmt.Sprintf("wire: bencoding extension handshake: %v", err))
	}
	return b
}

// DecodeExtHandshake parses an extension handshake payload. Unknown keys are
// ignored; known keys must have the right type and range: ids 0…255,
// metadata_size 0…MaxMetadataSize, reqq ≥ 0, p 0…65535, addresses of 4
// (yourip, ipv4) or 16 (yourip, ipv6) bytes.
func DecodeExtHandshake(p []byte) (ExtHandshake, error) {
	var h ExtHandshake
	if len(p) == 0 || p[0] != 'd' {
		return h, errors.New("wire: extension handshake is not a bencoded dictionary")
	}
	var w extHandshakeWire
	if err := bencode.Unmarshal(p, &w); err != nil {
		return h, fmt.Errorf("wire: extension handshake: %w", err)
	}
	for name, id := range w.M {
		if id < 0 || id > 255 {
			return h, fmt.Errorf("wire: extension handshake: id %d for %q out of range 0-255", id, name)
		}
	}
	if w.MetadataSize < 0 || w.MetadataSize > MaxMetadataSize {
		return h, fmt.Errorf("wire: extension handshake: metadata_size %d out of range 0-%d", w.MetadataSize, MaxMetadataSize)
	}
	if w.Reqq < 0 {
		return h, fmt.Errorf("wire: extension handshake: negative reqq %d", w.Reqq)
	}
	if w.Port < 0 || w.Port > 65535 {
		return h, fmt.Errorf("wire: extension handshake: port %d out of range", w.Port)
	}
	var err error
	if h.YourIP, err = parseAddr("yourip", w.YourIP, 4, 16); err != nil {
		return h, err
	}
	if h.IPv4, err = parseAddr("ipv4", w.IPv4, 4, 4); err != nil {
		return h, err
	}
	if h.IPv6, err = parseAddr("ipv6", w.IPv6, 16, 16); err != nil {
		return h, err
	}
	h.M = w.M
	if h.M == nil {
		h.M = map[string]int{}
	}
	h.V = w.V
	h.Reqq = w.Reqq
	h.MetadataSize = w.MetadataSize
	h.Port = w.Port
	h.UploadOnly = w.UploadOnly != 0
	return h, nil
}

// compactAddr is a as 4 bytes if it is IPv4 (or IPv4-mapped), else 16
// bytes; nil if a is not valid.
func compactAddr(a netip.Addr) []byte {
	if !a.IsValid() {
		return nil
	}
	return a.Unmap().AsSlice()
}

// parseAddr parses an optional address of n4 or n6 bytes.
func parseAddr(key string, b []byte, n4, n6 int) (netip.Addr, error) {
	if len(b) == 0 {
		return netip.Addr{}, nil
	}
	if len(b) != n4 && len(b) != n6 {
		return netip.Addr{}, fmt.Errorf("wire: extension handshake: %s of %d bytes", key, len(b))
	}
	a, _ := netip.AddrFromSlice(b)
	return a, nil
}
