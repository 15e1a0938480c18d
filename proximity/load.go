package proximity

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
)

// mmdbMarker starts the metadata section near the end of every MaxMind DB
// file; the format places it within the last 128 KiB.
var mmdbMarker = []byte("\xab\xcd\xefMaxMind.com")

const mmdbMetadataMax = 128 << 10

// LoadFile loads an ASN table from path, sniffing the format: a MaxMind DB
// (its metadata marker appears in the last 128 KiB) is read with LoadMMDB;
// anything else is read as an iptoasn-style TSV file with LoadTSV,
// gunzipped first when it starts with the gzip magic bytes (iptoasn ships
// its files as .tsv.gz). Errors name the file and, for TSV, the line.
func LoadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("proximity: %w", err)
	}
	defer f.Close()
	isMMDB, err := hasMMDBMarker(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if isMMDB {
		return LoadMMDB(path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		defer zr.Close()
		return LoadTSV(zr, path)
	}
	return LoadTSV(br, path)
}

// hasMMDBMarker reports whether the tail of f holds the MMDB metadata
// marker.
func hasMMDBMarker(f *os.File) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	size := st.Size()
	n := min(size, mmdbMetadataMax)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return false, err
	}
	return bytes.Contains(buf, mmdbMarker), nil
}
