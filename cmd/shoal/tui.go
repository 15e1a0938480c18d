package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/daemon"
	"github.com/shoal-p2p/shoal/tui"
)

// The daemon's API-backed backend is a tui.Backend (daemon does not import tui).
var _ tui.Backend = (*daemon.APIBackend)(nil)

func newTUICmd() *cobra.Command {
	var f ctlFlags
	var tick time.Duration
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Attach the terminal UI to a running daemon; q detaches and leaves it running",
		Long: `Show the terminal UI over a running shoal daemon, through its control API
and token (found as for shoal ctl: --token-file, else SHOAL_TOKEN_FILE, else
DATA-DIR/.shoal/api-token with DATA-DIR from SHOAL_DATA_DIR or the daemon's
default). Adding, pausing, removing and file priorities act on the daemon;
q detaches: the UI quits and the daemon keeps running. If the daemon goes
away, its torrents show as errors until it answers again.`,
		Example: `  shoal tui
  shoal tui --api 127.0.0.1:7000 --token-file /var/lib/shoal/.shoal/api-token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if tick < 100*time.Millisecond {
				return usagef("--tick must be at least 100ms, not %s", tick)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			b := daemon.NewAPIBackend(c)
			if err := b.Check(cmd.Context()); err != nil {
				return err
			}
			if !isTerminal(os.Stdout) {
				return errors.New("shoal tui needs a terminal; use shoal ctl list or shoal ctl stats --json instead")
			}
			log := tui.NewLog(0, slog.LevelInfo)
			b.Logger = slog.New(log.Handler())
			log.Add(tui.Entry{Time: time.Now(), Level: slog.LevelInfo, Msg: "attached to the daemon at " + c.Base})
			if _, err := tui.Run(cmd.Context(), b, tui.Options{Log: log, Tick: tick, Detach: true}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "detached from the daemon at %s; it keeps running\n", c.Base)
			return nil
		},
	}
	api := os.Getenv("SHOAL_API")
	if api == "" {
		api = daemon.DefaultAPI
	}
	cmd.Flags().StringVar(&f.api, "api", api, "daemon API address, HOST:PORT or URL (env SHOAL_API)")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "file holding the API token (env SHOAL_TOKEN_FILE)")
	cmd.Flags().DurationVar(&tick, "tick", 500*time.Millisecond, "how often to take a snapshot from the daemon")
	return cmd
}
