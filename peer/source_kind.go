package peer

// Source says where a peer address came from.
type Source uint8

// Peer sources.
const (
	SourceManual   Source = iota // --peer or AddPeers
	SourceTracker                // a tracker announce
	SourceDHT                    // the DHT
	SourcePEX                    // BEP 11 peer exchange
	SourceIncoming               // it connected to us
	SourceMagnet                 // x.pe= in a magnet link
)

func (s Source) String() string {
	switch s {
	case SourceManual:
		return "manual"
	case SourceTracker:
		return "tracker"
	case SourceDHT:
		return "dht"
	case SourcePEX:
		return "pex"
	case SourceIncoming:
		return "incoming"
	case SourceMagnet:
		return "magnet"
	}
	return "unknown"
}
