package testnet

import (
	"context"
	"fmt"
	"io"
	"time"
)

// sampleEvery is the timeline's resolution.
const sampleEvery = 250 * time.Millisecond

// watch samples the swarm until every leecher is complete and the run's
// minimum length (DHT windows) has passed, or ctx ends (then the error
// says how many were incomplete). boot, when set, is the DHT bootstrap
// node whose received datagrams are sampled too.
func watch(ctx context.Context, sc *Scenario, start time.Time, ls []*leecher, boot *dhtNode, progress io.Writer) ([]Sample, error) {
	var timeline []Sample
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	minRun := sc.dhtMinRun()
	lastLine := time.Duration(0)
	var prevBytes int64
	prevT := time.Duration(0)
	for {
		n := 0
		var bytes int64
		for _, l := range ls {
			if l.complete.Load() {
				n++
			}
			bytes += l.downloaded()
		}
		now := time.Since(start)
		sample := Sample{T: now.Seconds(), Complete: n}
		if dt := (now - prevT).Seconds(); dt > 0 {
			sample.Rate = float64(bytes-prevBytes) / dt
		}
		if boot != nil {
			sample.BootPackets = int64(boot.packetsIn())
		}
		prevBytes, prevT = bytes, now
		timeline = append(timeline, sample)
		if progress != nil && now-lastLine >= time.Second {
			lastLine = now
			line := fmt.Sprintf("%6.1fs  %d/%d complete  swarm ↓%s/s", now.Seconds(), n, len(ls), mib(int64(sample.Rate)))
			if boot != nil {
				line += fmt.Sprintf("  DHT bootstrap node received %d datagrams", sample.BootPackets)
			}
			fmt.Fprintln(progress, line)
		}
		if n == len(ls) && now >= minRun {
			return timeline, nil
		}
		select {
		case <-ctx.Done():
			if n == len(ls) { // complete, only the DHT window was cut short
				return timeline, nil
			}
			return timeline, fmt.Errorf("scenario %s: %d of %d peers incomplete: %w", sc.Name, len(ls)-n, len(ls), ctx.Err())
		case <-tick.C:
		}
	}
}
