// Package udpfront is the tracker's UDP frontend (BEP 15, with IPv6 peers
// per BEP 7 and BEP 41 options tolerated): it parses connect, announce and
// scrape packets, asks the tracker core and writes the binary answers.
// ListenUDP binds several SO_REUSEPORT sockets per address; each worker
// reads up to BatchSize datagrams per recvmmsg and sends the answers with
// one sendmmsg.
//
// Connection IDs are stateless: SipHash-2-4 of the client's IP under the
// 128-bit key of the current time window. Keys rotate every window and IDs
// from the previous window are still accepted, so an ID lives between one
// and two windows. Trackers that share a Secret derive the same keys (an
// HMAC-SHA256 of the window number) and accept each other's IDs (several
// instances behind one address); otherwise each key is random.
//
// Packets shorter than 16 bytes, filling the whole read buffer, or starting
// a connect with the wrong magic are dropped unanswered; every other bad
// request gets an error packet (action 3) with one of the core's fixed
// messages. No answer is larger than a few bytes more than the request
// unless the request carried a valid connection ID, so the tracker cannot
// be used to amplify spoofed traffic.
package udpfront
