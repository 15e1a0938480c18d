package daemon

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoal-p2p/shoal/peer"
)

// Prometheus metrics, read from engine snapshots at scrape time. Per-torrent
// series carry info_hash and name labels; byte counters also carry
// source="peers"|"seed_servers".

var (
	descTorrentBytes = prometheus.NewDesc("shoal_torrent_downloaded_bytes_total",
		"Payload bytes downloaded this session, by source.", []string{"info_hash", "name", "source"}, nil)
	descTorrentUp = prometheus.NewDesc("shoal_torrent_uploaded_bytes_total",
		"Payload bytes uploaded to peers this session.", []string{"info_hash", "name"}, nil)
	descTorrentPeers = prometheus.NewDesc("shoal_torrent_peers",
		"Connected peers.", []string{"info_hash", "name"}, nil)
	descTorrentProgress = prometheus.NewDesc("shoal_torrent_progress_ratio",
		"Verified fraction of the wanted bytes.", []string{"info_hash", "name"}, nil)
	descTorrentState = prometheus.NewDesc("shoal_torrent_state",
		"1 for the torrent's current state.", []string{"info_hash", "name", "state"}, nil)
	descTorrentFallback = prometheus.NewDesc("shoal_torrent_seed_server_fallback",
		"1 while seed servers are filling in for the swarm.", []string{"info_hash", "name"}, nil)
	descBytes = prometheus.NewDesc("shoal_downloaded_bytes_total",
		"Payload bytes downloaded by all torrents, by source.", []string{"source"}, nil)
	descUp = prometheus.NewDesc("shoal_uploaded_bytes_total",
		"Payload bytes uploaded to peers by all torrents.", nil, nil)
	descPeers   = prometheus.NewDesc("shoal_peers", "Connected peers, all torrents.", nil, nil)
	descStates  = prometheus.NewDesc("shoal_torrents", "Torrents by state.", []string{"state"}, nil)
	descSeedReq = prometheus.NewDesc("shoal_web_seed_requests_total",
		"HTTP requests to /seed/.", nil, nil)
	descSeedBytes = prometheus.NewDesc("shoal_web_seed_sent_bytes_total",
		"Body bytes sent by the web seed (/seed/).", nil, nil)
)

var allStates = []peer.State{peer.StateMetadata, peer.StateChecking, peer.StateDownloading, peer.StateSeeding,
	peer.StatePaused, peer.StateError, peer.StateClosed}

type collector struct{ d *Daemon }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTorrentBytes, descTorrentUp, descTorrentPeers, descTorrentProgress,
		descTorrentState, descTorrentFallback, descBytes, descUp, descPeers, descStates, descSeedReq, descSeedBytes} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	var fromPeers, fromSeeds, up int64
	peers := 0
	states := map[string]int{}
	for _, e := range c.d.entries() {
		s := e.t.Stats()
		ih, n := s.InfoHash, s.Name
		ch <- prometheus.MustNewConstMetric(descTorrentBytes, prometheus.CounterValue, float64(s.FromPeers), ih, n, "peers")
		ch <- prometheus.MustNewConstMetric(descTorrentBytes, prometheus.CounterValue, float64(s.FromSeeds), ih, n, "seed_servers")
		ch <- prometheus.MustNewConstMetric(descTorrentUp, prometheus.CounterValue, float64(s.Uploaded), ih, n)
		ch <- prometheus.MustNewConstMetric(descTorrentPeers, prometheus.GaugeValue, float64(len(s.Peers)), ih, n)
		ch <- prometheus.MustNewConstMetric(descTorrentProgress, prometheus.GaugeValue, s.Progress, ih, n)
		st := e.state(s)
		ch <- prometheus.MustNewConstMetric(descTorrentState, prometheus.GaugeValue, 1, ih, n, st)
		fb := 0.0
		if s.FallbackReason != "" {
			fb = 1
		}
		ch <- prometheus.MustNewConstMetric(descTorrentFallback, prometheus.GaugeValue, fb, ih, n)
		fromPeers += s.FromPeers
		fromSeeds += s.FromSeeds
		up += s.Uploaded
		peers += len(s.Peers)
		states[st]++
	}
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.CounterValue, float64(fromPeers), "peers")
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.CounterValue, float64(fromSeeds), "seed_servers")
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.CounterValue, float64(up))
	ch <- prometheus.MustNewConstMetric(descPeers, prometheus.GaugeValue, float64(peers))
	for _, st := range allStates {
		ch <- prometheus.MustNewConstMetric(descStates, prometheus.GaugeValue, float64(states[string(st)]), string(st))
	}
	ch <- prometheus.MustNewConstMetric(descSeedReq, prometheus.CounterValue, float64(c.d.seedStats.requests.Load()))
	ch <- prometheus.MustNewConstMetric(descSeedBytes, prometheus.CounterValue, float64(c.d.seedStats.bytes.Load()))
}

// metricsHandler serves a registry with the daemon's metrics plus the Go
// runtime's and the process's.
func (d *Daemon) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{d}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{d}})
}

type slogPrinter struct{ d *Daemon }

func (p slogPrinter) Println(v ...any) { p.d.log.Warn("metrics", "err", v) }
