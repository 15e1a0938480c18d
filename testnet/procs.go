package testnet

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/shoal-p2p/shoal/proximity"
)

// procEnv is what leechers running as `shoal get` processes share: the
// binary, the torrent file and an ASN table for the synthetic ASes.
type procEnv struct {
	bin, torrent, asnDB string
	sc                  *Scenario
	bootstrap           []string // DHT bootstrap nodes
}

// newProcEnv writes the torrent and the loopback ASN table into dir.
func newProcEnv(sc *Scenario, bin, dir string, mi *metainfo.MetaInfo, bootstrap []string) (*procEnv, error) {
	if bin == "" {
		return nil, errors.New("processes: the shoal binary is needed (RunOptions.Binary)")
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("processes: %w", err)
	}
	e := &procEnv{bin: bin, torrent: filepath.Join(dir, "testnet.torrent"), asnDB: filepath.Join(dir, "loopback-asn.tsv"),
		sc: sc, bootstrap: bootstrap}
	f, err := os.Create(e.torrent)
	if err != nil {
		return nil, err
	}
	if err := mi.Write(f); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(e.asnDB, []byte(loopbackTSV(sc.ASes)), 0o644); err != nil {
		return nil, err
	}
	return e, nil
}

// loopbackTSV is proximity.LoopbackTable's 127.A.0.0/16 ranges as an
// iptoasn-style table, for children's --asn-db.
func loopbackTSV(n int) string {
	var b strings.Builder
	b.WriteString("# shoal testnet: synthetic AS A = 127.A.0.0/16\n")
	for a := 1; a <= n; a++ {
		fmt.Fprintf(&b, "127.%d.0.0\t127.%d.255.255\t%d\tZZ\ttestnet-as%d\n", a, a, proximity.ASNForLoopback(a), a)
	}
	return b.String()
}

// start runs one incarnation of l as a child process listening on listen
// (a free port is picked when its port is 0), given peers to dial.
func (e *procEnv) start(l *leecher, listen string, peers []string) (instance, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, err
	}
	if port == "0" {
		p, err := freePort(host)
		if err != nil {
			return nil, err
		}
		listen = net.JoinHostPort(host, strconv.Itoa(p))
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, err
	}
	return startProc(e.bin, e.getArgs(l.group, l.dir, listen, peers), listen)
}

// getArgs is the `shoal get` command line for a leecher of group g.
func (e *procEnv) getArgs(g *PeerGroup, dir, listen string, peers []string) []string {
	sc := e.sc
	a := []string{"get", e.torrent, "--json", "--no-tui", "-d", dir, "--listen", listen,
		"--asn-db", e.asnDB, "--proximity", onOff(sc.ProximityOn()), "--log-level", "warn"}
	if g.Upload > 0 {
		a = append(a, "--up-rate", strconv.FormatInt(int64(g.Upload), 10))
	}
	if g.Download > 0 {
		a = append(a, "--down-rate", strconv.FormatInt(int64(g.Download), 10))
	}
	if sc.MaxConns > 0 {
		a = append(a, "--max-conns", strconv.Itoa(sc.MaxConns))
	}
	if sc.SeedServerMode != "" {
		a = append(a, "--seed-servers", sc.SeedServerMode)
	}
	if sc.SeedServerMinRate > 0 {
		a = append(a, "--seed-server-min-rate", strconv.FormatInt(int64(sc.SeedServerMinRate), 10))
	}
	if !sc.Tracker {
		a = append(a, "--no-trackers")
	}
	if sc.DHT {
		for _, b := range e.bootstrap {
			a = append(a, "--dht-bootstrap", b)
		}
	} else {
		a = append(a, "--no-dht")
	}
	for _, p := range peers {
		a = append(a, "--peer", p)
	}
	if !g.LeaveOnComplete {
		a = append(a, "--seed")
	}
	return a
}

// procDHTState is where a child's DHT node keeps its state: the engine's
// default, DATA/.shoal/dht.state (peer.Config.DHTStateFile).
func procDHTState(dir string) string { return filepath.Join(dir, ".shoal", "dht.state") }
