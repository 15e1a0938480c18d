package proximity

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// mmdbNet is one network of a generated database.
type mmdbNet struct {
	cidr  string
	value mmdbtype.DataType
}

func geoLite(asn uint32, org string) mmdbtype.Map {
	return mmdbtype.Map{
		"autonomous_system_number":       mmdbtype.Uint32(asn),
		"autonomous_system_organization": mmdbtype.String(org),
	}
}

func ipinfo(asn, name string) mmdbtype.Map {
	return mmdbtype.Map{"asn": mmdbtype.String(asn), "name": mmdbtype.String(name), "domain": mmdbtype.String("example.net")}
}

// writeMMDB generates a MaxMind DB file in the test's temporary directory.
func writeMMDB(t *testing.T, ipVersion int, dbType string, nets []mmdbNet) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		IPVersion:               ipVersion,
		RecordSize:              24,
		IncludeReservedNetworks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets {
		_, ipnet, err := net.ParseCIDR(n.cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(ipnet, n.value); err != nil {
			t.Fatalf("insert %s: %v", n.cidr, err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dbType+".mmdb", buf.Bytes())
}

func TestLoadMMDB(t *testing.T) {
	geo := writeMMDB(t, 6, "GeoLite2-ASN", []mmdbNet{
		{"1.0.0.0/24", geoLite(13335, "CLOUDFLARENET")},
		{"1.0.4.0/22", geoLite(38803, "GTELECOM")},
		{"1.0.6.0/24", geoLite(64500, "NESTED")}, // more specific inside 1.0.4.0/22
		{"2001:db8::/32", geoLite(64501, "DOC6")},
		{"2001:db8:1::/48", geoLite(64502, "DOC6-48")},
	})
	ipinfoDB := writeMMDB(t, 6, "ipinfo standard_asn.mmdb", []mmdbNet{
		{"1.0.0.0/24", ipinfo("AS13335", "Cloudflare, Inc.")},
		{"1.0.4.0/22", ipinfo("AS38803", "Gtelecom")},
		{"1.0.6.0/24", ipinfo("AS64500", "Nested")},
		{"2001:db8::/32", ipinfo("AS64501", "Doc")},
		{"2001:db8:1::/48", ipinfo("AS64502", "Doc48")},
	})
	v4only := writeMMDB(t, 4, "GeoLite2-ASN-v4", []mmdbNet{
		{"1.0.0.0/24", geoLite(13335, "CLOUDFLARENET")},
		{"1.0.4.0/22", geoLite(38803, "GTELECOM")},
		{"1.0.6.0/24", geoLite(64500, "NESTED")},
	})
	tests := []struct {
		ip   string
		want ASN
		v6   bool
	}{
		{"1.0.0.1", 13335, false},
		{"::ffff:1.0.0.1", 13335, false},
		{"1.0.1.1", 0, false},
		{"1.0.4.1", 38803, false},
		{"1.0.6.1", 64500, false},
		{"1.0.7.255", 38803, false},
		{"1.0.8.0", 0, false},
		{"2001:db8::1", 64501, true},
		{"2001:db8:1::1", 64502, true},
		{"2001:db9::1", 0, true},
	}
	for name, path := range map[string]string{"geolite": geo, "ipinfo": ipinfoDB, "v4only": v4only} {
		for _, load := range []func(string) (*Table, error){LoadMMDB, LoadFile} {
			tab, err := load(path)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, tt := range tests {
				if tt.v6 && name == "v4only" {
					continue
				}
				if got := tab.ASN(addr(tt.ip)); got != tt.want {
					t.Errorf("%s: ASN(%s) = %d, want %d", name, tt.ip, got, tt.want)
				}
			}
		}
	}
}

func TestLoadMMDBErrors(t *testing.T) {
	city := writeMMDB(t, 6, "GeoLite2-City", []mmdbNet{
		{"1.0.0.0/24", mmdbtype.Map{"city": mmdbtype.Map{"geoname_id": mmdbtype.Uint32(1)}}},
	})
	badASN := writeMMDB(t, 6, "bad-asn", []mmdbNet{
		{"1.0.0.0/24", ipinfo("AS13335", "ok")},
		{"1.0.1.0/24", ipinfo("ASfoo", "bad")},
	})
	badType := writeMMDB(t, 6, "bad-type", []mmdbNet{
		{"1.0.1.0/24", mmdbtype.Map{"autonomous_system_number": mmdbtype.Float64(1.5)}},
	})
	// A file that carries the metadata marker but is otherwise garbage.
	garbage := writeFile(t, "garbage.mmdb", append([]byte("not a database"), mmdbMarker...))
	tests := []struct {
		name, path, want string
	}{
		{"no ASN field", city, city + ": no record has an autonomous_system_number or asn field"},
		{"bad asn string", badASN, badASN + `: network 1.0.1.0/24: field asn: invalid AS number "ASfoo"`},
		{"bad type", badType, badType + ": network 1.0.1.0/24: field autonomous_system_number: unexpected value 1.5"},
		{"garbage", garbage, garbage + ": open MMDB"},
	}
	for _, tt := range tests {
		for _, load := range []func(string) (*Table, error){LoadMMDB, LoadFile} {
			_, err := load(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
			}
		}
	}
}
