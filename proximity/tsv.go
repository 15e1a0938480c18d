package proximity

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// maxTSVLine bounds one line of a TSV file.
const maxTSVLine = 64 << 10

// LoadTSV reads an iptoasn-style table from r: one range per line,
//
//	range_start<TAB>range_end<TAB>AS_number<TAB>country_code<TAB>AS_description
//
// with inclusive IPv4 or IPv6 bounds that need not be CIDR-aligned. Only the
// first three fields are required; AS numbers may be written "13335" or
// "AS13335"; AS 0 ("not routed") is stored as unknown. Blank lines and
// lines starting with '#' are skipped. Nested ranges are allowed (the
// narrowest wins); partially overlapping ranges are an error. Errors name
// name and the line.
func LoadTSV(r io.Reader, name string) (*Table, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxTSVLine)
	var v4, v6 []interval
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(b)) == 0 || b[0] == '#' {
			continue
		}
		iv, is4, err := parseTSVLine(b)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		iv.src = line
		if is4 {
			v4 = append(v4, iv)
		} else {
			v6 = append(v6, iv)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, line+1, maxTSVLine)
		}
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return tableFrom(v4, v6, func(c *conflict) error {
		return fmt.Errorf("%s:%d: range overlaps the range on line %d", name, c.b.src, c.a.src)
	})
}

// parseTSVLine parses one non-empty line into an interval of one family.
func parseTSVLine(b []byte) (iv interval, is4 bool, err error) {
	var f [3][]byte
	rest := b
	for i := range f {
		field, tail, found := bytes.Cut(rest, []byte{'\t'})
		if !found && i < 2 {
			return iv, false, fmt.Errorf("want at least 3 tab-separated fields (range_start, range_end, AS_number), got %d", i+1)
		}
		f[i], rest = field, tail
	}
	start, err := parseTSVAddr(f[0], "range_start")
	if err != nil {
		return iv, false, err
	}
	end, err := parseTSVAddr(f[1], "range_end")
	if err != nil {
		return iv, false, err
	}
	if start.Is4() != end.Is4() {
		return iv, false, fmt.Errorf("range_start %v and range_end %v are of different address families", start, end)
	}
	if end.Less(start) {
		return iv, false, fmt.Errorf("range_end %v is before range_start %v", end, start)
	}
	asn, err := ParseASN(string(bytes.TrimSpace(f[2])))
	if err != nil {
		return iv, false, fmt.Errorf("AS_number: %w", err)
	}
	first, is4 := key(start)
	last, _ := key(end)
	return interval{first: first, last: last, asn: asn}, is4, nil
}

func parseTSVAddr(b []byte, field string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(string(bytes.TrimSpace(b)))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: %w", field, err)
	}
	if ip.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%s: %v has a zone", field, ip)
	}
	return ip.Unmap(), nil
}
