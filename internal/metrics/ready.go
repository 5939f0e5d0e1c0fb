package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// readyCollector exports chataccess_ready: 1 when this replica's
// readiness checks (those of /readyz: Redis, the ledger's identity, the
// outbox's consumer groups, the chat platforms) pass at scrape time.
// Prometheus then keeps the history a probe does not: how long a
// replica was out, and when.
type readyCollector struct {
	read *reader[struct{}]
	desc *prometheus.Desc
}

// WatchReady registers chataccess_ready, from check: nil is ready. It
// runs within ReadTimeout, at most once per MinReadInterval.
func (m *Metrics) WatchReady(check func(context.Context) error) {
	c := &readyCollector{
		read: &reader[struct{}]{
			read:    func(ctx context.Context) (struct{}, error) { return struct{}{}, check(ctx) },
			timeout: m.opts.ReadTimeout, interval: m.opts.MinReadInterval, now: m.opts.Now, failed: func() {},
		},
		desc: prometheus.NewDesc("chataccess_ready", "1 when this replica's readiness checks (/readyz) pass, else 0.", nil, nil),
	}
	m.reg.MustRegister(c)
}

// Describe sends the descriptor.
func (c *readyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect runs the checks (or reuses a recent run).
func (c *readyCollector) Collect(ch chan<- prometheus.Metric) {
	v := 1.0
	if _, _, err := c.read.get(); err != nil {
		v = 0
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v)
}
