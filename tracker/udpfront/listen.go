package udpfront

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// ListenUDP binds n sockets (n ≥ 1) to addr with SO_REUSEPORT, so that
// the kernel spreads clients over them and each gets its own reader
// goroutines instead of all contending for one socket. With port 0 the
// first socket picks the port and the others join it. Each socket gets a
// 4 MiB receive buffer (as far as the system allows).
func ListenUDP(network, addr string, n int) ([]*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	if n <= 1 {
		lc.Control = nil // one socket: no need to let others share the port
	}
	var conns []*net.UDPConn
	fail := func(err error) ([]*net.UDPConn, error) {
		for _, c := range conns {
			c.Close()
		}
		return nil, fmt.Errorf("UDP listener %s: %w", addr, err)
	}
	for i := range max(n, 1) {
		if i == 1 {
			addr = conns[0].LocalAddr().String() // same port as the first
		}
		pc, err := lc.ListenPacket(context.Background(), network, addr)
		if err != nil {
			return fail(err)
		}
		c := pc.(*net.UDPConn)
		_ = c.SetReadBuffer(4 << 20)
		conns = append(conns, c)
	}
	return conns, nil
}
