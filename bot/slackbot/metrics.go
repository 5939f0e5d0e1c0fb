package slackbot

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the adapter's Prometheus metrics.
type Metrics struct {
	requests   *prometheus.CounterVec
	sigFail    *prometheus.CounterVec
	ack        *prometheus.HistogramVec
	laterDrops prometheus.Counter
	apiCalls   *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg (nil: not
// registered, for tests).
//
//   - chataccess_slack_requests_total{endpoint,outcome}: inbound requests;
//     endpoint is commands, interactions, events (HTTP) or socket_* ;
//     outcome is ok, duplicate, unauthorized, too_large, bad_request,
//     handler_panic or error.
//   - chataccess_slack_signature_failures_total{reason}: missing,
//     bad_timestamp, stale, mismatch.
//   - chataccess_slack_ack_seconds{endpoint}: time from receipt to ack.
//   - chataccess_slack_after_dropped_total: After work dropped because
//     the runner's queue was full.
//   - chataccess_slack_api_calls_total{method,outcome}: Web API calls;
//     outcome is ok, ratelimited, retried or the Slack error code class.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_slack_requests_total", Help: "Inbound Slack requests by endpoint and outcome.",
		}, []string{"endpoint", "outcome"}),
		sigFail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_slack_signature_failures_total", Help: "Slack requests rejected by the signature check, by reason.",
		}, []string{"reason"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chataccess_slack_ack_seconds", Help: "Time from receiving a Slack request to acknowledging it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5},
		}, []string{"endpoint"}),
		laterDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chataccess_slack_after_dropped_total", Help: "Post-ack work dropped because the runner queue was full.",
		}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_slack_api_calls_total", Help: "Slack Web API calls by method and outcome.",
		}, []string{"method", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.sigFail, m.ack, m.laterDrops, m.apiCalls)
	}
	return m
}

func (m *Metrics) request(endpoint, outcome string) {
	if m != nil {
		m.requests.WithLabelValues(endpoint, outcome).Inc()
	}
}

func (m *Metrics) signatureFailure(reason string) {
	if m != nil {
		m.sigFail.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) acked(endpoint string, seconds float64) {
	if m != nil {
		m.ack.WithLabelValues(endpoint).Observe(seconds)
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
