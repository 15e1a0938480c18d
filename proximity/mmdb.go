package proximity

import (
	"fmt"
	"math"

	"github.com/oschwald/maxminddb-golang/v2"
)

// mmdbRecord holds the fields of an ASN database record that we read:
// GeoLite2-ASN stores autonomous_system_number as an integer, ipinfo's ASN
// databases store asn as a string such as "AS13335".
type mmdbRecord struct {
	Number any `maxminddb:"autonomous_system_number"`
	ASN    any `maxminddb:"asn"`
}

// LoadMMDB reads every network of a MaxMind DB ASN file (GeoLite2-ASN or
// ipinfo ASN style) into a Table. Records with neither an
// autonomous_system_number nor an asn field are skipped; a file in which
// no record has either field is an error (it is not an ASN database).
// Errors name the file and, for bad records, the network and field.
func LoadMMDB(path string) (*Table, error) {
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: open MMDB: %w", path, err)
	}
	defer db.Close()

	type decoded struct {
		asn ASN
		ok  bool // the record has an ASN field
	}
	cache := make(map[uintptr]decoded) // records are shared by many networks
	var entries []Entry
	records, withASN := 0, 0
	for res := range db.Networks() {
		if err := res.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		records++
		d, seen := cache[res.Offset()]
		if !seen {
			var rec mmdbRecord
			if err := res.Decode(&rec); err != nil {
				return nil, fmt.Errorf("%s: network %v: %w", path, res.Prefix(), err)
			}
			field, v := "autonomous_system_number", rec.Number
			if v == nil {
				field, v = "asn", rec.ASN
			}
			if v != nil {
				if d.asn, err = mmdbASN(v); err != nil {
					return nil, fmt.Errorf("%s: network %v: field %s: %w", path, res.Prefix(), field, err)
				}
				d.ok = true
			}
			cache[res.Offset()] = d
		}
		if !d.ok {
			continue
		}
		withASN++
		entries = append(entries, Entry{Prefix: res.Prefix(), ASN: d.asn})
	}
	if records > 0 && withASN == 0 {
		return nil, fmt.Errorf("%s: no record has an autonomous_system_number or asn field; not an ASN database", path)
	}
	t, err := NewTable(entries)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// mmdbASN converts a decoded ASN field (an unsigned integer, or a string
// like "AS13335") to an ASN.
func mmdbASN(v any) (ASN, error) {
	switch x := v.(type) {
	case uint64:
		if x > math.MaxUint32 {
			return 0, fmt.Errorf("AS number %d out of range", x)
		}
		return ASN(x), nil
	case string:
		return ParseASN(x)
	default:
		a, err := ParseASN(fmt.Sprint(x))
		if err != nil {
			return 0, fmt.Errorf("unexpected value %v of type %T", v, v)
		}
		return a, nil
	}
}
