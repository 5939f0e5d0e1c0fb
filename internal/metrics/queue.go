package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chataccess/chataccess/workers"
)

// Queue is the provisioning job queue as the metrics read it;
// *workers.Queue satisfies it.
type Queue interface {
	Stats() (workers.QueueStats, error)
}

var _ Queue = (*workers.Queue)(nil)

// queueCollector exports the job queue's state, read at scrape time.
// asynq's own exporter (github.com/hibiken/asynq/x/metrics) reads the
// same numbers, but it names gauges with _total (which promlint and
// Prometheus's conventions refuse), reports every queue of the Redis
// (other deployments' too) and has no deadline; this one exports the
// bot's queue only, within ReadTimeout.
//
//   - chataccess_queue_tasks{state}: pending, active, scheduled (a saga
//     waiting for a vendor), retry, archived (given up), completed.
//   - chataccess_queue_latency_seconds: how long the oldest pending task
//     has waited to run.
//   - chataccess_queue_processed_tasks_total, chataccess_queue_failed_tasks_total:
//     tasks run and tasks whose run failed, all replicas together (the
//     queue's counters in Redis; a saga's wait is not a failure).
//   - chataccess_queue_paused: 1 when an admin paused the queue.
type queueCollector struct {
	read                                          *reader[workers.QueueStats]
	tasks, latency, processed, failed, pausedDesc *prometheus.Desc
}

// WatchQueue registers the collector of q's state.
func (m *Metrics) WatchQueue(q Queue) {
	c := &queueCollector{
		read: newReader(m, sourceQueue, func(context.Context) (workers.QueueStats, error) { return q.Stats() }),
		tasks: prometheus.NewDesc("chataccess_queue_tasks",
			"Tasks in the provisioning queue by state (pending, active, scheduled, retry, archived, completed).", []string{"state"}, nil),
		latency: prometheus.NewDesc("chataccess_queue_latency_seconds",
			"How long the oldest pending task of the provisioning queue has waited to run.", nil, nil),
		processed: prometheus.NewDesc("chataccess_queue_processed_tasks_total",
			"Tasks the provisioning queue ran, all replicas together.", nil, nil),
		failed: prometheus.NewDesc("chataccess_queue_failed_tasks_total",
			"Tasks of the provisioning queue whose run failed (a saga waiting for a vendor is not a failure), all replicas together.", nil, nil),
		pausedDesc: prometheus.NewDesc("chataccess_queue_paused",
			"1 when the provisioning queue is paused.", nil, nil),
	}
	m.reg.MustRegister(c)
}

// Describe sends every descriptor.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.tasks, c.latency, c.processed, c.failed, c.pausedDesc} {
		ch <- d
	}
}

// Collect reads the queue (or reuses a recent read). A failed read
// sends nothing: no number is better than a stale or made-up one.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	s, _, err := c.read.get()
	if err != nil {
		return
	}
	for _, t := range []struct {
		state string
		n     int
	}{{"pending", s.Pending}, {"active", s.Active}, {"scheduled", s.Scheduled}, {"retry", s.Retry}, {"archived", s.Archived}, {"completed", s.Completed}} {
		ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(t.n), t.state)
	}
	paused := 0.0
	if s.Paused {
		paused = 1
	}
	ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, s.Latency.Seconds())
	ch <- prometheus.MustNewConstMetric(c.processed, prometheus.CounterValue, float64(s.Processed))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(s.Failed))
	ch <- prometheus.MustNewConstMetric(c.pausedDesc, prometheus.GaugeValue, paused)
}
