package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/daemon"
	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/testnet"
	"github.com/shoal-p2p/shoal/tui"
)

func newDemoCmd() *cobra.Command {
	var cfg testnet.DemoConfig
	var size string
	var verbose, noTUI bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a local multi-AS swarm on loopback and watch one peer's download",
		Long: `Starts a seed and several leechers in three synthetic autonomous systems on
loopback addresses, and shows the first leecher's download in the terminal UI
(or progress lines when not on a terminal). Quit the UI with q; the demo then
waits for every leecher, checks every copy and prints a summary.`,
		Example: `  shoal demo
  shoal demo --leechers 8 --size 256MiB --no-tui`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := daemon.ParseSize(size)
			if err != nil {
				return usagef("--size %q: %v", size, err)
			}
			cfg.Size = n
			cfg.Out = cmd.OutOrStdout()
			if verbose {
				cfg.LogOutput = os.Stderr
			}
			if !noTUI && isTerminal(os.Stdout) {
				log := tui.NewLog(1000, slog.LevelInfo)
				cfg.LogSlog = log.Handler()
				cfg.Watch = func(ctx context.Context, c *peer.Client, t *peer.Torrent) error {
					_, err := tui.Run(ctx, &tui.ClientBackend{Client: c, Ctx: ctx}, tui.Options{Follow: t.InfoHashHex(), Log: log})
					return err
				}
			}
			return testnet.RunDemo(cmd.Context(), cfg)
		},
	}
	cmd.Flags().IntVar(&cfg.Leechers, "leechers", 5, "number of leechers")
	cmd.Flags().StringVar(&size, "size", "64MiB", "payload size")
	cmd.Flags().DurationVar(&cfg.Timeout, "timeout", 3*time.Minute, "give up after this long")
	cmd.Flags().BoolVar(&verbose, "verbose", false, "engine logs on stderr (without the UI)")
	cmd.Flags().BoolVar(&noTUI, "no-tui", false, "plain progress lines even on a terminal")
	return cmd
}
