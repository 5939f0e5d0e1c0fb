package teamsbot

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the adapter's Prometheus metrics.
type Metrics struct {
	requests   *prometheus.CounterVec
	authFail   *prometheus.CounterVec
	ack        *prometheus.HistogramVec
	laterDrops prometheus.Counter
	apiCalls   *prometheus.CounterVec
	redeliver  *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg (nil: not
// registered, for tests).
//
//   - chataccess_teams_requests_total{kind,outcome}: inbound activities;
//     kind is message, action, refresh, task_fetch, task_submit, update
//     or other; outcome is ok, duplicate, ignored, stale (a click or
//     dialog that does not match what was shown), unauthorized,
//     forbidden, keys_unreachable, too_large, bad_request,
//     unknown_invoke, busy (post-ack queue full), error or handler_panic.
//   - chataccess_teams_auth_failures_total{reason}: tokens rejected, by
//     reason (missing, expired, audience, signature, unknown_key,
//     service_url, endorsement, keys_unreachable, invalid).
//   - chataccess_teams_ack_seconds{kind}: time from receipt to answer.
//   - chataccess_teams_after_dropped_total: post-ack work dropped
//     because the runner's queue was full.
//   - chataccess_teams_api_calls_total{method,outcome}: Bot Connector and
//     Graph calls; outcome is ok, retried, ratelimited, error or transport.
//   - chataccess_teams_redeliveries_total{kind}: activities delivered
//     again and not handled again. An invoke's is also counted as a
//     request with outcome duplicate; a message's or an install's is
//     found after the ack, so its request counts as ok.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_teams_requests_total", Help: "Inbound Teams activities by kind and outcome.",
		}, []string{"kind", "outcome"}),
		authFail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_teams_auth_failures_total", Help: "Teams activities rejected by the Bot Framework token check, by reason.",
		}, []string{"reason"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chataccess_teams_ack_seconds", Help: "Time from receiving a Teams activity to answering it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 15},
		}, []string{"kind"}),
		laterDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chataccess_teams_after_dropped_total", Help: "Post-ack work dropped because the runner queue was full.",
		}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_teams_api_calls_total", Help: "Bot Connector and Graph calls by method and outcome.",
		}, []string{"method", "outcome"}),
		redeliver: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_teams_redeliveries_total", Help: "Teams activities delivered again and not handled again, by kind.",
		}, []string{"kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.authFail, m.ack, m.laterDrops, m.apiCalls, m.redeliver)
	}
	return m
}

func (m *Metrics) request(kind, outcome string) {
	if m != nil {
		m.requests.WithLabelValues(kind, outcome).Inc()
	}
}

func (m *Metrics) authFailure(reason string) {
	if m != nil {
		m.authFail.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) acked(kind string, seconds float64) {
	if m != nil {
		m.ack.WithLabelValues(kind).Observe(seconds)
	}
}

// dropped counts post-ack work the runner dropped (postack.Config.Dropped).
func (m *Metrics) dropped() {
	if m != nil {
		m.laterDrops.Inc()
	}
}

func (m *Metrics) apiCall(method, outcome string) {
	if m != nil {
		m.apiCalls.WithLabelValues(method, outcome).Inc()
	}
}

// redelivered counts an activity recognised as delivered again.
func (m *Metrics) redelivered(kind string) {
	if m != nil {
		m.redeliver.WithLabelValues(kind).Inc()
	}
}
