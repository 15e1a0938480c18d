package tracker

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// Metrics are the tracker's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	announces, scrapes, connects *prometheus.CounterVec
	rateLimitedTotal             *prometheus.CounterVec
	dropped                      *prometheus.CounterVec
	latency                      *prometheus.HistogramVec
	swarms                       prometheus.Gauge
	peers                        *prometheus.GaugeVec

	// hot holds the children of the common label sets, resolved once:
	// WithLabelValues hashes and locks on every call.
	hot map[hotKey]hotMetrics
}

type hotKey struct{ proto, action string }

type hotMetrics struct {
	ok      prometheus.Counter
	latency prometheus.Observer
}

// NewMetrics creates the metrics and registers them with reg:
//
//	shoal_tracker_announces_total{proto,result}
//	shoal_tracker_scrapes_total{proto,result}
//	shoal_tracker_connects_total{proto,result}           (UDP connects)
//	shoal_tracker_rate_limited_total{proto}
//	shoal_tracker_dropped_packets_total{reason}           (UDP packets dropped unanswered)
//	shoal_tracker_request_duration_seconds{proto,action}
//	shoal_tracker_swarms
//	shoal_tracker_peers{kind="seeders"|"leechers"}
//
// result is "ok" or an Error's Code.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		announces: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoal_tracker_announces_total",
			Help: "Announce requests by protocol and result."}, []string{"proto", "result"}),
		scrapes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoal_tracker_scrapes_total",
			Help: "Scrape requests by protocol and result."}, []string{"proto", "result"}),
		connects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoal_tracker_connects_total",
			Help: "UDP connect requests by result."}, []string{"proto", "result"}),
		rateLimitedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoal_tracker_rate_limited_total",
			Help: "Requests refused by the per-IP rate limit."}, []string{"proto"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoal_tracker_dropped_packets_total",
			Help: "UDP packets dropped without an answer, by reason."}, []string{"reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shoal_tracker_request_duration_seconds",
			Help:    "Time to answer a request, from parse to response.",
			Buckets: prometheus.ExponentialBuckets(25e-6, 2.5, 12)}, []string{"proto", "action"}),
		swarms: prometheus.NewGauge(prometheus.GaugeOpts{Name: "shoal_tracker_swarms", Help: "Swarms with at least one peer."}),
		peers:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "shoal_tracker_peers", Help: "Peers stored, by kind."}, []string{"kind"}),
	}
	reg.MustRegister(m.announces, m.scrapes, m.connects, m.rateLimitedTotal, m.dropped, m.latency, m.swarms, m.peers)
	m.hot = map[hotKey]hotMetrics{}
	for _, proto := range []string{ProtoHTTP, ProtoUDP} {
		for action, vec := range map[string]*prometheus.CounterVec{"announce": m.announces, "scrape": m.scrapes, "connect": m.connects} {
			if action == "connect" && proto != ProtoUDP {
				continue
			}
			m.hot[hotKey{proto, action}] = hotMetrics{ok: vec.WithLabelValues(proto, "ok"), latency: m.latency.WithLabelValues(proto, action)}
		}
	}
	return m
}

func (m *Metrics) observe(proto, action string, err error, d time.Duration) {
	if m == nil {
		return
	}
	if h, ok := m.hot[hotKey{proto, action}]; ok && err == nil {
		h.ok.Inc()
		h.latency.Observe(d.Seconds())
		return
	}
	result := "ok"
	if err != nil {
		result = AsClientError(err).Code
	}
	switch action {
	case "announce":
		m.announces.WithLabelValues(proto, result).Inc()
	case "scrape":
		m.scrapes.WithLabelValues(proto, result).Inc()
	case "connect":
		m.connects.WithLabelValues(proto, result).Inc()
	}
	m.latency.WithLabelValues(proto, action).Observe(d.Seconds())
}

func (m *Metrics) rateLimited(proto string) {
	if m != nil {
		m.rateLimitedTotal.WithLabelValues(proto).Inc()
	}
}

// Dropped counts a UDP packet dropped unanswered.
func (m *Metrics) Dropped(reason string) {
	if m != nil {
		m.dropped.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) setStats(st store.Stats) {
	if m == nil {
		return
	}
	m.swarms.Set(float64(st.Swarms))
	m.peers.WithLabelValues("seeders").Set(float64(st.Seeders))
	m.peers.WithLabelValues("leechers").Set(float64(st.Leechers))
}
