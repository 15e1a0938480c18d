package proximity

import (
	"bytes"
	"compress/gzip"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFileSniffsTSV(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(iptoasnSample))
	zw.Close()
	for name, data := range map[string][]byte{"ip2asn.tsv": []byte(iptoasnSample), "ip2asn.tsv.gz": gz.Bytes()} {
		tab, err := LoadFile(writeFile(t, name, data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := tab.ASN(addr("1.0.7.1")); got != 38803 {
			t.Errorf("%s: ASN = %d, want 38803", name, got)
		}
		if got := tab.ASN(addr("2001:db8::6")); got != 64501 {
			t.Errorf("%s: ASN = %d, want 64501", name, got)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	bad := writeFile(t, "bad.tsv", []byte("1.0.0.0\t1.0.0.255\t13335\n\n1.0.1.0\tnope\t5\n"))
	badGz := writeFile(t, "bad.tsv.gz", []byte{0x1f, 0x8b, 0, 0})
	missing := filepath.Join(t.TempDir(), "missing.mmdb")
	tests := []struct {
		path, want string
	}{
		{bad, bad + ":3: range_end"},
		{badGz, badGz + ": gzip"},
		{missing, "missing.mmdb"},
	}
	for _, tt := range tests {
		_, err := LoadFile(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadFile(%s): err = %v, want it to contain %q", tt.path, err, tt.want)
		}
	}
	tab, err := LoadFile(writeFile(t, "empty.tsv", nil))
	if err != nil || tab.Len() != 0 {
		t.Errorf("empty file: %v, %v", tab.Len(), err)
	}
}
