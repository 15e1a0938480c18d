package proximity

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// ASN is an autonomous system number; 0 means unknown (or not routed).
type ASN uint32

// String returns "AS<number>", or "AS?" for the unknown ASN 0.
func (a ASN) String() string {
	if a == 0 {
		return "AS?"
	}
	return "AS" + strconv.FormatUint(uint64(a), 10)
}

// Locator answers which ASN owns an address. Implementations return 0 for
// unknown addresses. *Table implements Locator.
type Locator interface {
	ASN(ip netip.Addr) ASN
}

// ParseASN parses an AS number written as "13335", "AS13335" or "as13335".
// "0" parses as the unknown ASN 0.
func ParseASN(s string) (ASN, error) {
	t := s
	if len(t) >= 2 && (t[0] == 'A' || t[0] == 'a') && (t[1] == 'S' || t[1] == 's') {
		t = t[2:]
	}
	if t == "" || strings.TrimLeft(t, "0123456789") != "" {
		return 0, errors.New("invalid AS number " + strconv.Quote(s))
	}
	v, err := strconv.ParseUint(t, 10, 32)
	if err != nil {
		return 0, errors.New("AS number out of range " + strconv.Quote(s))
	}
	return ASN(v), nil
}
