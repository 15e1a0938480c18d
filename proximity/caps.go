package proximity

// admission enforces Rank's per-net and per-ASN caps and drops duplicate
// candidates. Its tables hold only picked peers and are reused across calls
// (see Ranker).
type admission struct {
	maxPerNet, maxPerASN int                    // <= 0: no cap
	seen                 countTable             // IPv4 address:port, exactly (see key4)
	seen6                map[addrPort6]struct{} // IPv6 (rare on a tracker's hot path)
	perNet               countTable
	perASN               countTable
}

// reset readies a for a Rank call that admits at most n peers.
func (a *admission) reset(maxPerNet, maxPerASN, n int) {
	a.maxPerNet, a.maxPerASN = maxPerNet, maxPerASN
	if a.seen6 == nil {
		a.seen6 = map[addrPort6]struct{}{}
	}
	clear(a.seen6)
	a.seen.reset(n)
	a.perNet.reset(n)
	a.perASN.reset(n)
}

func (a *admission) capNet() bool { return a.maxPerNet > 0 }
func (a *admission) capASN() bool { return a.maxPerASN > 0 }

// addrPort6 is an IPv6 candidate's identity for duplicate detection.
type addrPort6 struct {
	k    u128
	port uint16
}

// admit reports whether c may join the result and, if so, counts it.
func (a *admission) admit(c *rankCand) bool {
	var k4 uint64
	var seenAt, netAt *countSlot
	if c.is4 {
		k4 = key4(c.k, c.port)
		if seenAt = a.seen.slot(k4); a.seen.used(seenAt) {
			return false
		}
	} else if _, dup := a.seen6[addrPort6{c.k, c.port}]; dup {
		return false
	}
	if a.capNet() {
		if netAt = a.perNet.slot(c.net()); int(a.perNet.at(netAt)) >= a.maxPerNet {
			return false
		}
	}
	if a.capASN() && c.asn != 0 && int(a.perASN.get(uint64(c.asn))) >= a.maxPerASN {
		return false
	}
	if c.is4 {
		a.seen.addAt(seenAt, k4)
	} else {
		a.seen6[addrPort6{c.k, c.port}] = struct{}{}
	}
	if a.capNet() {
		a.perNet.addAt(netAt, c.net())
	}
	if a.capASN() && c.asn != 0 {
		a.perASN.add(uint64(c.asn))
	}
	return true
}

// key4 packs an IPv4 address (as a number, see key) and port into one
// number, exactly and never 0 (bit 48 is set).
func key4(ip u128, port uint16) uint64 { return 1<<48 | ip.lo<<16 | uint64(port) }
