package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/daemon"
	"github.com/shoal-p2p/shoal/peer/storage"
)

func newCreateCmd() *cobra.Command {
	var (
		out, comment     string
		trackers, seeds  []string
		pieceLen         string
		private, noProgr bool
	)
	cmd := &cobra.Command{
		Use:   "create PATH",
		Short: "Make a .torrent file from a file or directory",
		Example: `  shoal create movie.mkv -t http://127.0.0.1:6969/announce
  shoal create ./dataset -o dataset.torrent -t udp://tracker.example:6969 -w https://seed.example/data/
  shoal create big.iso --piece-length 4MiB --private --comment "release 1.2"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := args[0]
			pl, err := daemon.ParseSize(pieceLen)
			if err != nil {
				return usagef("--piece-length %q: %v", pieceLen, err)
			}
			if pl != 0 && (pl < 16<<10 || pl&(pl-1) != 0) {
				return usagef("--piece-length %q: must be a power of two of at least 16 KiB", pieceLen)
			}
			if out == "" {
				out = filepath.Base(filepath.Clean(root)) + ".torrent"
			}
			bar := newProgressBar(os.Stderr, "hashing", !noProgr)
			mi, err := storage.Create(cmd.Context(), root, storage.CreateOptions{
				PieceLength: pl,
				Trackers:    trackers,
				WebSeeds:    seeds,
				Private:     private,
				Comment:     comment,
				CreatedBy:   "shoal",
				Progress:    bar.update,
			})
			bar.done()
			if err != nil {
				return fmt.Errorf("create torrent from %q: %w", root, err)
			}
			f, err := os.Create(out)
			if err != nil {
				return fmt.Errorf("write %q: %w", out, err)
			}
			if err := mi.Write(f); err != nil {
				f.Close()
				return fmt.Errorf("write %q: %w", out, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write %q: %w", out, err)
			}
			ih := mi.HashInfoBytes()
			fmt.Fprintf(cmd.OutOrStdout(), "%s\ninfo hash %s\n", out, ih.HexString())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "output file (default: PATH's name + .torrent)")
	f.StringArrayVarP(&trackers, "tracker", "t", nil, "announce URL (repeatable; each its own tier)")
	f.StringArrayVarP(&seeds, "web-seed", "w", nil, "BEP 19 web seed / seed server URL (repeatable)")
	f.StringVar(&pieceLen, "piece-length", "", "piece length, e.g. 256KiB, 4MiB (default: automatic, about 1500 pieces)")
	f.BoolVar(&private, "private", false, "set the private flag (BEP 27: trackers only, no DHT or PEX)")
	f.StringVar(&comment, "comment", "", "comment stored in the torrent")
	f.BoolVar(&noProgr, "no-progress", false, "no progress bar while hashing")
	return cmd
}
