//go:build !unix && !windows

package storage

// isDiskFull knows no disk-full error codes on this platform.
func isDiskFull(error) bool { return false }
