package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/testnet"
)

func newDemoCmd() *cobra.Command {
	var cfg testnet.DemoConfig
	var size string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a local swarm on loopback and watch it share a file",
		Example: `  shoal demo
  shoal demo --leechers 8 --size 256MiB`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := parseSize(size)
			if err != nil {
				return usagef("--size %q: %v", size, err)
			}
			cfg.Size = n
			cfg.Out = cmd.OutOrStdout()
			if verbose {
				cfg.LogOutput = os.Stderr
			}
			return testnet.RunDemo(cmd.Context(), cfg)
		},
	}
	cmd.Flags().IntVar(&cfg.Leechers, "leechers", 5, "number of leechers")
	cmd.Flags().StringVar(&size, "size", "64MiB", "payload size")
	cmd.Flags().DurationVar(&cfg.Timeout, "timeout", 3*time.Minute, "give up after this long")
	cmd.Flags().BoolVar(&verbose, "verbose", false, "engine logs on stderr")
	return cmd
}
