//go:build !(linux && (amd64 || arm64))

package udpfront

import "net"

// newMmsgIO is Linux's (see mmsg_linux.go); elsewhere golang.org/x/net
// batches serve.
func newMmsgIO(*net.UDPConn, int) (batchIO, error) { return nil, nil }
