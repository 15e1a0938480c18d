package testnet

import (
	"crypto/sha256"
	"io"
	"os"
)

// fileHash is the SHA-256 of a file's content.
func fileHash(path string) ([32]byte, error) {
	var h [32]byte
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	d := sha256.New()
	if _, err := io.Copy(d, f); err != nil {
		return h, err
	}
	copy(h[:], d.Sum(nil))
	return h, nil
}

func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
