package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/daemon"
)

func newDaemonCmd() *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run the headless seeder and seed server (control API, metrics, web seed)",
		Long: `Run shoal as a long-lived seeder and seed server. Torrents come from the
control API (shoal ctl), the watch directory and earlier runs; complete torrents
are seeded over BitTorrent and served over HTTP at /seed/ for web-seed clients.

Every option is a flag, a key in the config file (key = value lines, same
names) and an environment variable (SHOAL_ + upper-case name, - as _).
Precedence: flag > environment > config file > default. SIGHUP re-reads the
config file; SIGTERM or SIGINT stops gracefully with a final resume checkpoint.`,
		Example: `  shoal daemon --data-dir /srv/shoal --watch-dir /srv/shoal/watch
  shoal daemon --config /etc/shoal/daemon.conf
  SHOAL_SEED_LISTEN=0.0.0.0:8080 shoal daemon
  shoal create big.iso -w http://seed.example:8080/seed/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			src := daemon.Sources{File: configFile, Env: os.Environ(), Overrides: map[string]string{}}
			if src.File == "" {
				src.File = os.Getenv(daemon.ConfigEnv)
			}
			for _, o := range daemon.Options() {
				if f := cmd.Flags().Lookup(o.Name); f != nil && f.Changed {
					src.Overrides[o.Name] = f.Value.String()
				}
			}
			if _, err := daemon.LoadConfig(src); err != nil {
				return usagef("%v", err)
			}
			d, err := daemon.New(src)
			if err != nil {
				return err
			}
			return d.Run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&configFile, "config", "", "config file of key = value lines (env "+daemon.ConfigEnv+")")
	for _, o := range daemon.Options() {
		help := o.Help + " (env " + o.Env() + ")"
		if o.Bool {
			fs.Bool(o.Name, o.Default == "true", help)
		} else {
			fs.String(o.Name, o.Default, help)
		}
	}
	return cmd
}
