package main

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/dht"
	"github.com/shoal-p2p/shoal/proximity"
)

// newDHTCmd runs a standalone DHT node (a bootstrap node for others).
func newDHTCmd() *cobra.Command {
	var listen, listen6, state, asnDB string
	var bootstrap []string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "dht --listen IP:PORT",
		Short: "Run a standalone DHT node and print its stats",
		Long: `Run a mainline (BEP 5) DHT node on its own, for example as a bootstrap node
for shoal peers. It contacts only the bootstrap nodes you give it (there are no
public defaults), keeps its routing contacts in --state for a warm restart, and
prints its stats every --interval until interrupted.`,
		Example: `  shoal dht --listen 127.0.0.1:6881
  shoal dht --listen 127.0.0.2:6881 --bootstrap 127.0.0.1:6881 --state dht.json
  shoal dht --listen 0.0.0.0:6881 --listen6 [::]:6881 --asn-db ip2asn-v4.tsv.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if listen == "" {
				return usagef("--listen IP:PORT is required")
			}
			if _, err := netip.ParseAddrPort(listen); err != nil {
				return usagef("--listen %q: want IP:PORT", listen)
			}
			if interval <= 0 {
				return usagef("--interval must be positive")
			}
			cfg := dht.Config{Bootstrap: bootstrap, StateFile: state}
			if asnDB != "" {
				tbl, err := proximity.LoadFile(asnDB)
				if err != nil {
					return err
				}
				cfg.Locator = tbl
			}
			pc, err := net.ListenPacket("udp4", listen)
			if err != nil {
				return err
			}
			cfg.Conn = pc
			if listen6 != "" {
				pc6, err := net.ListenPacket("udp6", listen6)
				if err != nil {
					pc.Close()
					return err
				}
				cfg.Conn6 = pc6
			}
			n, err := dht.New(cfg)
			if err != nil {
				pc.Close()
				if cfg.Conn6 != nil {
					cfg.Conn6.Close()
				}
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "dht node %x listening on %s\n", n.ID(), pc.LocalAddr())
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-cmd.Context().Done():
					s := n.Stats()
					err := n.Close()
					printDHTStats(cmd, s)
					return err
				case <-tick.C:
					printDHTStats(cmd, n.Stats())
				}
			}
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&listen, "listen", "", "IPv4 IP:PORT to serve on (required)")
	fs.StringVar(&listen6, "listen6", "", "also serve IPv6 (BEP 32) on this [IP]:PORT")
	fs.StringSliceVar(&bootstrap, "bootstrap", nil, "bootstrap nodes, host:port,... (default none)")
	fs.StringVar(&state, "state", "", "state file for routing contacts (warm restart)")
	fs.StringVar(&asnDB, "asn-db", "", "IP-to-ASN file (MMDB or iptoasn TSV) for proximity")
	fs.DurationVar(&interval, "interval", 10*time.Second, "how often to print stats")
	return cmd
}

func printDHTStats(cmd *cobra.Command, s dht.Stats) {
	fmt.Fprintf(cmd.OutOrStdout(),
		"nodes %d (good %d) · v6 %d (good %d) · stored %d info hashes, %d peers · packets in %d out %d dropped %d · bootstraps %d · lookups %d\n",
		s.Nodes, s.GoodNodes, s.Nodes6, s.GoodNodes6, s.InfoHashes, s.Peers, s.PacketsIn, s.PacketsOut, s.PacketsDropped, s.Bootstraps, s.Lookups)
}
