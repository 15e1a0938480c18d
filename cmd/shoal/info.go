package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/tui"
)

type infoJSON struct {
	InfoHash    string     `json:"info_hash"`
	Name        string     `json:"name"`
	Magnet      string     `json:"magnet"`
	TotalLength int64      `json:"total_length,omitempty"`
	PieceLength int64      `json:"piece_length,omitempty"`
	NumPieces   int        `json:"pieces,omitempty"`
	Private     bool       `json:"private"`
	Comment     string     `json:"comment,omitempty"`
	Trackers    [][]string `json:"trackers"`
	WebSeeds    []string   `json:"web_seeds"`
	Peers       []string   `json:"peers,omitempty"`
	Files       []infoFile `json:"files,omitempty"`
}

type infoFile struct {
	Path   string `json:"path"`
	Length int64  `json:"length"`
}

func newInfoCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info TORRENT|MAGNET|URL",
		Short: "Show what a .torrent file or magnet link contains",
		Example: `  shoal info movie.torrent
  shoal info --json 'magnet:?xt=urn:btih:...'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := peer.ParseSource(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			j := infoJSON{
				InfoHash: hex.EncodeToString(spec.InfoHash[:]), Name: spec.Name, Magnet: spec.Magnet(),
				Comment: spec.Comment, Trackers: spec.Trackers, WebSeeds: spec.WebSeeds, Peers: spec.Peers,
			}
			if j.Trackers == nil {
				j.Trackers = [][]string{}
			}
			if j.WebSeeds == nil {
				j.WebSeeds = []string{}
			}
			if info := spec.Info; info != nil {
				j.TotalLength = info.TotalLength()
				j.PieceLength = info.PieceLength
				j.NumPieces = info.NumPieces()
				j.Private = info.Private != nil && *info.Private
				for _, f := range info.UpvertedFiles() {
					j.Files = append(j.Files, infoFile{Path: f.DisplayPath(info), Length: f.Length})
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(j)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "Name:\t%s\n", j.Name)
			fmt.Fprintf(tw, "Info hash:\t%s\n", j.InfoHash)
			if spec.Info != nil {
				fmt.Fprintf(tw, "Size:\t%s (%d bytes)\n", tui.FormatBytes(j.TotalLength), j.TotalLength)
				fmt.Fprintf(tw, "Pieces:\t%d × %s\n", j.NumPieces, tui.FormatBytes(j.PieceLength))
				fmt.Fprintf(tw, "Private:\t%v\n", j.Private)
			} else {
				fmt.Fprintf(tw, "Metadata:\tnot in a magnet link: fetched from peers on download\n")
			}
			if j.Comment != "" {
				fmt.Fprintf(tw, "Comment:\t%s\n", j.Comment)
			}
			for i, tier := range j.Trackers {
				for _, u := range tier {
					fmt.Fprintf(tw, "Tracker:\t[tier %d] %s\n", i, u)
				}
			}
			for _, u := range j.WebSeeds {
				fmt.Fprintf(tw, "Web seed:\t%s\n", u)
			}
			for _, p := range j.Peers {
				fmt.Fprintf(tw, "Peer:\t%s\n", p)
			}
			fmt.Fprintf(tw, "Magnet:\t%s\n", j.Magnet)
			if len(j.Files) > 0 {
				fmt.Fprintf(tw, "Files:\t%d\n", len(j.Files))
				for _, f := range j.Files {
					fmt.Fprintf(tw, "\t%10s  %s\n", tui.FormatBytes(f.Length), f.Path)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
