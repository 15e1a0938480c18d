//go:build linux && (amd64 || arm64)

package udpfront

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"
)

// mmsgIO is batchIO on recvmmsg and sendmmsg called directly. Unlike
// golang.org/x/net's batches it allocates nothing per datagram (it reads
// the sender from the raw socket address, and answers to that same
// address), and it makes the calls as raw system calls: the socket never
// blocks, yet a sendmmsg of a full batch runs long enough that the Go
// scheduler, told of it, would hand the worker's processor to another
// thread and back (a wake-up and a context switch each time, and a
// scheduler monitor polling every 20 µs to do it).
type mmsgIO struct {
	rc      syscall.RawConn
	in, out []mmsghdr
	names   []syscall.RawSockaddrInet6 // the senders, by datagram
	iovs    []syscall.Iovec            // in's, then out's
	bufs    []byte                     // in's buffers
	outBufs []byte
	queued  int // answers in out
	sent    int // answers in out already sent

	// The current call (see call), kept here so that the function given
	// to the RawConn is made once, not once per batch.
	trap   uintptr
	ms     []mmsghdr
	n      int
	errno  syscall.Errno
	callFn func(fd uintptr) bool
}

// mmsghdr is struct mmsghdr on 64-bit Linux.
type mmsghdr struct {
	hdr syscall.Msghdr
	n   uint32
	_   [4]byte
}

func newMmsgIO(c *net.UDPConn, size int) (batchIO, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &mmsgIO{rc: rc, in: make([]mmsghdr, size), out: make([]mmsghdr, size),
		names: make([]syscall.RawSockaddrInet6, size), iovs: make([]syscall.Iovec, 2*size),
		bufs: make([]byte, size*maxPacket), outBufs: make([]byte, size*answerCap)}
	b.callFn = b.syscall
	for i := range b.in {
		iov := &b.iovs[i]
		iov.Base = &b.bufs[i*maxPacket]
		iov.SetLen(maxPacket)
		h := &b.in[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		h.Iov, h.Iovlen = iov, 1
	}
	return b, nil
}

func (b *mmsgIO) read() (int, error) {
	b.queued, b.sent = 0, 0
	for i := range b.in {
		b.in[i].hdr.Namelen = uint32(unsafe.Sizeof(b.names[i]))
		b.in[i].hdr.Flags = 0
	}
	return b.call(sysRecvmmsg, b.in)
}

// call makes the system call trap (recvmmsg or sendmmsg) on ms through
// the RawConn, which waits while the socket would block, and returns its
// result.
func (b *mmsgIO) call(trap uintptr, ms []mmsghdr) (int, error) {
	b.trap, b.ms, b.n, b.errno = trap, ms, 0, 0
	var err error
	if trap == sysSendmmsg {
		err = b.rc.Write(b.callFn)
	} else {
		err = b.rc.Read(b.callFn)
	}
	b.ms = nil
	switch {
	case err != nil:
		return 0, err
	case b.errno != 0:
		name := "recvmmsg"
		if trap == sysSendmmsg {
			name = "sendmmsg"
		}
		return 0, os.NewSyscallError(name, b.errno)
	}
	return b.n, nil
}

// syscall makes the current call on fd; false: it would block.
func (b *mmsgIO) syscall(fd uintptr) bool {
	for {
		r, _, e := syscall.RawSyscall6(b.trap, fd, uintptr(unsafe.Pointer(&b.ms[0])), uintptr(len(b.ms)), 0, 0, 0)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		b.n, b.errno = int(r), e
		return true
	}
}

func (b *mmsgIO) packet(i int) ([]byte, netip.AddrPort, bool, bool) {
	m := &b.in[i]
	data := b.bufs[i*maxPacket : i*maxPacket+int(min(m.n, maxPacket))]
	from, ok := sockaddrAddrPort(&b.names[i], m.hdr.Namelen)
	return data, from, ok, m.hdr.Flags&msgTrunc != 0
}

// sockaddrAddrPort reads a sender's raw socket address (n bytes of it).
func sockaddrAddrPort(sa *syscall.RawSockaddrInet6, n uint32) (netip.AddrPort, bool) {
	switch {
	case sa.Family == syscall.AF_INET && n >= syscall.SizeofSockaddrInet4:
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), netPort(sa4.Port)), true
	case sa.Family == syscall.AF_INET6 && n >= syscall.SizeofSockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), netPort(sa.Port)), true
	}
	return netip.AddrPort{}, false
}

// netPort reads a port the kernel stored in network byte order.
func netPort(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

func (b *mmsgIO) outBuf(i int) []byte { return b.outBufs[i*answerCap : i*answerCap : (i+1)*answerCap] }

func (b *mmsgIO) answer(i int, resp []byte) {
	if len(resp) == 0 {
		return
	}
	j := b.queued
	b.queued++
	iov := &b.iovs[len(b.in)+j]
	iov.Base = &resp[0]
	iov.SetLen(len(resp))
	h := &b.out[j].hdr
	h.Name, h.Namelen = b.in[i].hdr.Name, b.in[i].hdr.Namelen
	h.Iov, h.Iovlen = iov, 1
}

func (b *mmsgIO) flush() error {
	for b.sent < b.queued {
		n, err := b.call(sysSendmmsg, b.out[b.sent:b.queued])
		if err != nil {
			if _, ok := err.(*os.SyscallError); !ok {
				return err // the socket is closed
			}
			n = 1 // the first answer failed: skip it
		}
		b.sent += max(n, 1)
	}
	return nil
}
