package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/daemon"
	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/tui"
)

// ctlFlags locate the daemon's API and its token.
type ctlFlags struct {
	api, tokenFile string
	asJSON         bool
}

// torrent connects to the daemon and resolves a hash prefix or name.
func (f *ctlFlags) torrent(ctx context.Context, arg string) (*daemon.APIClient, string, error) {
	c, err := f.client()
	if err != nil {
		return nil, "", err
	}
	h, err := c.Resolve(ctx, arg)
	return c, h, err
}

func (f *ctlFlags) client() (*daemon.APIClient, error) {
	tf := f.tokenFile
	if tf == "" {
		tf = os.Getenv("SHOAL_TOKEN_FILE")
	}
	if tf == "" {
		dd := os.Getenv("SHOAL_DATA_DIR")
		if dd == "" {
			dd = daemon.DefaultDataDir()
		}
		tf = daemon.DefaultTokenFile(dd)
	}
	tok, err := daemon.ReadToken(tf)
	if err != nil {
		return nil, fmt.Errorf("%w (use --token-file)", err)
	}
	return daemon.NewAPIClient(f.api, tok), nil
}

func newCtlCmd() *cobra.Command {
	var f ctlFlags
	cmd := &cobra.Command{
		Use:   "ctl",
		Short: "Control a running shoal daemon through its API",
		Long: `Control a running shoal daemon. The token is read from --token-file
(default: SHOAL_TOKEN_FILE, else DATA-DIR/.shoal/api-token with DATA-DIR from
SHOAL_DATA_DIR or the daemon's default). A torrent is named by its info hash,
a unique prefix of it, or its name.`,
		Example: `  shoal ctl add movie.torrent
  shoal ctl add 'magnet:?xt=urn:btih:...' --paused
  shoal ctl list
  shoal ctl pause 3f2a
  shoal ctl remove 3f2a --delete-data
  shoal ctl stats --json`,
	}
	api := os.Getenv("SHOAL_API")
	if api == "" {
		api = daemon.DefaultAPI
	}
	cmd.PersistentFlags().StringVar(&f.api, "api", api, "daemon API address, HOST:PORT or URL (env SHOAL_API)")
	cmd.PersistentFlags().StringVar(&f.tokenFile, "token-file", "", "file holding the API token (env SHOAL_TOKEN_FILE)")
	cmd.PersistentFlags().BoolVar(&f.asJSON, "json", false, "print the daemon's JSON answer")
	cmd.AddCommand(newCtlAddCmd(&f), newCtlListCmd(&f), newCtlPauseCmd(&f, true), newCtlPauseCmd(&f, false),
		newCtlRemoveCmd(&f), newCtlStatsCmd(&f))
	return cmd
}

func newCtlAddCmd(f *ctlFlags) *cobra.Command {
	var req daemon.AddRequest
	cmd := &cobra.Command{
		Use:   "add MAGNET|URL|FILE.torrent",
		Short: "Add a torrent (a local .torrent file is uploaded)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := args[0]
			if strings.HasPrefix(src, "magnet:") || strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
				req.Source = src
			} else {
				b, err := readLimited(src, peer.MaxTorrentFileSize)
				if err != nil {
					return err
				}
				req.Torrent = b
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			t, err := c.Add(cmd.Context(), req)
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), t)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s %s\n", t.InfoHash, t.Name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&req.Paused, "paused", false, "add without starting")
	cmd.Flags().StringArrayVar(&req.Peers, "peer", nil, "also dial this peer host:port once (repeatable)")
	return cmd
}

func newCtlListCmd(f *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List torrents",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			list, err := c.List(cmd.Context())
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "HASH\tNAME\tSTATE\tDONE\tSIZE\t↓/s\t↑/s\tPEERS\tFROM PEERS\tFROM SEED SERVERS")
			for _, t := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t%d\t%s\t%s\n", t.InfoHash[:12], t.Name, t.State,
					100*t.Progress, tui.FormatBytes(t.Size), tui.FormatBytes(int64(t.DownloadRate)), tui.FormatBytes(int64(t.UploadRate)),
					t.Peers, tui.FormatBytes(t.FromPeers), tui.FormatBytes(t.FromSeedServers))
			}
			return tw.Flush()
		},
	}
}

func newCtlPauseCmd(f *ctlFlags, pause bool) *cobra.Command {
	use, short := "resume TORRENT", "Resume a paused torrent"
	if pause {
		use, short = "pause TORRENT", "Pause a torrent (it stays paused across restarts)"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, h, err := f.torrent(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			call := c.Resume
			if pause {
				call = c.Pause
			}
			t, err := call(cmd.Context(), h)
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), t)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s\n", t.InfoHash, t.Name, t.State)
			return nil
		},
	}
}

func newCtlRemoveCmd(f *ctlFlags) *cobra.Command {
	var deleteData bool
	cmd := &cobra.Command{
		Use:   "remove TORRENT",
		Short: "Remove a torrent (keeps its data unless --delete-data)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, h, err := f.torrent(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := c.Remove(cmd.Context(), h, deleteData); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", h)
			return nil
		},
	}
	cmd.Flags().BoolVar(&deleteData, "delete-data", false, "also delete the downloaded files and resume state")
	return cmd
}

func newCtlStatsCmd(f *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "stats [TORRENT]",
		Short: "Daemon-wide totals, or one torrent's details",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				h, err := c.Resolve(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				d, err := c.Detail(cmd.Context(), h)
				if err != nil {
					return err
				}
				if f.asJSON {
					return printJSON(out, d)
				}
				fmt.Fprintf(out, "%s %s\nstate %s, %.1f%% of %s, %d peers (%d seeds)\n", d.InfoHash, d.Name, d.State,
					100*d.Progress, tui.FormatBytes(d.Size), d.Peers, d.Seeds)
				fmt.Fprintf(out, "downloaded %s (from peers %s, from seed servers %s), uploaded %s\n",
					tui.FormatBytes(d.Downloaded), tui.FormatBytes(d.FromPeers), tui.FormatBytes(d.FromSeedServers), tui.FormatBytes(d.Uploaded))
				if d.FallbackReason != "" {
					fmt.Fprintf(out, "seed servers in use: %s\n", d.FallbackReason)
				}
				for _, s := range d.SeedServers {
					state := s.State
					if s.DownloadRate > 0 {
						state += " at " + tui.FormatRate(s.DownloadRate)
					}
					fmt.Fprintf(out, "seed server %s: %s, %s %s\n", s.URL, state, tui.FormatBytes(s.Bytes), s.LastError+s.Dropped)
				}
				return nil
			}
			s, err := c.Stats(cmd.Context())
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(out, s)
			}
			fmt.Fprintf(out, "%d torrents %v, %d peers, ↓ %s/s ↑ %s/s\n", s.Torrents, s.States, s.Peers,
				tui.FormatBytes(int64(s.DownloadRate)), tui.FormatBytes(int64(s.UploadRate)))
			fmt.Fprintf(out, "downloaded %s (from peers %s, from seed servers %s), uploaded %s\n",
				tui.FormatBytes(s.Downloaded), tui.FormatBytes(s.FromPeers), tui.FormatBytes(s.FromSeedServers), tui.FormatBytes(s.Uploaded))
			fmt.Fprintf(out, "web seed: %d requests, %s sent; peer port %s\n", s.WebSeedRequests, tui.FormatBytes(s.WebSeedBytes), s.PeerListen)
			return nil
		},
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// readLimited reads a local file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}
