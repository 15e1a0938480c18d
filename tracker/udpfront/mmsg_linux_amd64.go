package udpfront

// System call numbers of recvmmsg and sendmmsg (package syscall lacks
// the latter here).
const (
	sysRecvmmsg = 299
	sysSendmmsg = 307
)
