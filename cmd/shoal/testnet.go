package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-p2p/shoal/testnet"
)

func newTestnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Run whole swarms on loopback and measure them",
	}
	var out, prox string
	var verbose, quiet, processes bool
	run := &cobra.Command{
		Use:   "run SCENARIO.yaml",
		Short: "Run one scenario and write its report",
		Long: `Runs a scenario file (see testnet/scenarios/README.md) in this process:
seeds, seed servers, a tracker and peers, each on its own 127.A.B.C address,
with the scenario's rate caps and per-AS-pair latency. Prints the text report
and, with --out, writes NAME.txt, NAME.json and the plots NAME-cdf.png,
NAME-rate.png, NAME-as-matrix.png and NAME-sources.png there. --proximity
overrides the file: on, off, or both (two runs, NAME-on and NAME-off, and a
comparison NAME-proximity-cdf.png). --processes (or processes: true in the
file) runs every leecher as a separate "shoal get --json" process of this
binary; seeds, seed servers, tracker and DHT nodes stay in this process.`,
		Example: `  shoal testnet run testnet/scenarios/flash-crowd.yaml --out testnet-out
  shoal testnet run testnet/scenarios/multi-as.yaml --proximity both
  shoal testnet run testnet/scenarios/dht-restart.yaml --out testnet-out --processes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := testnet.LoadScenario(args[0])
			if err != nil {
				return err
			}
			type variant struct {
				suffix string
				on     *bool
			}
			t, f := true, false
			var vs []variant
			switch strings.ToLower(prox) {
			case "":
				vs = []variant{{"", nil}}
			case "on":
				vs = []variant{{"", &t}}
			case "off":
				vs = []variant{{"", &f}}
			case "both":
				vs = []variant{{"-on", &t}, {"-off", &f}}
			default:
				return usagef("--proximity %q: want on, off or both", prox)
			}
			if processes {
				sc.Processes = true
			}
			opts := testnet.RunOptions{}
			if sc.Processes {
				bin, err := os.Executable()
				if err != nil {
					return fmt.Errorf("--processes: finding the shoal binary: %w", err)
				}
				opts.Binary = bin
			}
			if verbose {
				opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			}
			if !quiet {
				opts.Progress = cmd.ErrOrStderr()
			}
			var firstErr error
			var reps []*testnet.Report
			var labels []string
			for _, v := range vs {
				s := *sc
				if v.on != nil {
					s.SetProximity(*v.on)
				}
				name := strings.TrimSuffix(filepath.Base(args[0]), filepath.Ext(args[0])) + v.suffix
				rep, err := testnet.Run(cmd.Context(), &s, opts)
				if rep != nil {
					reps, labels = append(reps, rep), append(labels, "proximity "+strings.TrimPrefix(v.suffix, "-"))
					_ = rep.WriteText(cmd.OutOrStdout())
					if out != "" {
						if werr := rep.WriteFiles(out, name); werr != nil && err == nil {
							err = werr
						} else {
							fmt.Fprintf(cmd.OutOrStdout(), "report: %s.{txt,json} and %s-*.png\n", filepath.Join(out, name), filepath.Join(out, name))
						}
					}
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if cmd.Context().Err() != nil {
					break
				}
			}
			if out != "" && len(reps) == 2 {
				base := strings.TrimSuffix(filepath.Base(args[0]), filepath.Ext(args[0]))
				p := filepath.Join(out, base+"-proximity-cdf.png")
				if err := testnet.WriteCDFComparison(p, base+": completion time CDF, proximity on vs off", reps, labels); err != nil && firstErr == nil {
					firstErr = err
				} else if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "comparison: %s\n", p)
				}
			}
			return firstErr
		},
	}
	run.Flags().StringVar(&out, "out", "", "write NAME.txt, NAME.json and NAME-*.png reports to this folder")
	run.Flags().StringVar(&prox, "proximity", "", "override the scenario: on, off or both")
	run.Flags().BoolVar(&verbose, "verbose", false, "engine logs on stderr")
	run.Flags().BoolVar(&quiet, "quiet", false, "no progress lines")
	run.Flags().BoolVar(&processes, "processes", false, "run every leecher as a separate `shoal get` process of this binary")
	cmd.AddCommand(run, newTestnetPlotCmd())
	return cmd
}

// newTestnetPlotCmd draws a report's plots again from its JSON.
func newTestnetPlotCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "plot REPORT.json...",
		Short: "Draw the PNG plots of reports from their JSON",
		Long: `Reads reports written by "shoal testnet run --out" (NAME.json) and writes
their plots NAME-cdf.png, NAME-rate.png, NAME-as-matrix.png, NAME-sources.png
(and NAME-dht.png for DHT runs) beside them, or into --out.`,
		Example: `  shoal testnet plot testnet-out/flash-crowd.json`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				rep, err := testnet.LoadReport(a)
				if err != nil {
					return err
				}
				dir := out
				if dir == "" {
					dir = filepath.Dir(a)
				}
				paths, err := rep.WritePlots(dir, strings.TrimSuffix(filepath.Base(a), filepath.Ext(a)))
				for _, p := range paths {
					fmt.Fprintln(cmd.OutOrStdout(), p)
				}
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the plots to this folder (default: beside each report)")
	return cmd
}
