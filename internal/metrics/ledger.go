package metrics

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chataccess/chataccess/store"
)

// Ledger is the store as the metrics read it; *store.Store satisfies it.
type Ledger interface {
	Stats(ctx context.Context, packages []string) (store.LedgerStats, error)
}

var _ Ledger = (*store.Store)(nil)

// LedgerConfig is what the ledger's metrics need from the policy.
type LedgerConfig struct {
	// ApprovalTimeouts is each package's approval timeout; its keys are
	// the packages whose pending approvals are reported.
	ApprovalTimeouts map[string]time.Duration
	// CheckpointInterval is audit.checkpoint_interval; 0 when the audit
	// chain is not keyed (no AUDIT_KEY: no checkpoints are written).
	CheckpointInterval time.Duration
}

// ledgerCollector exports the ledger's state, read at scrape time
// (store.Store.Stats: two round trips, bounded). Every replica reports
// the same numbers; aggregate with max.
//
//   - chataccess_redis_up: 1 when this scrape's read of the ledger
//     succeeded; without it the gauges below are left out.
//   - chataccess_ledger_read_seconds: how long that read took.
//   - chataccess_requests{state}: requests by state.
//   - chataccess_approvals_pending{package}, and
//     chataccess_approvals_oldest_pending_age_seconds{package} (0 when none),
//     against chataccess_approvals_timeout_seconds{package} (the policy).
//   - chataccess_outbox_lag_seconds{group}: age of the oldest event the
//     group has not finished (0 when none); chataccess_outbox_unacked_events{group},
//     chataccess_outbox_undelivered_events{group} (left out when Redis
//     cannot tell); chataccess_outbox_dead_letters.
//   - chataccess_reviews_open, chataccess_review_items_undecided.
//   - chataccess_audit_entries; chataccess_audit_checkpoint_entries and
//     chataccess_audit_checkpoint_timestamp_seconds (the newest
//     checkpoint; left out before the first); chataccess_audit_checkpoint_interval_seconds
//     (left out when the chain is not keyed).
type ledgerCollector struct {
	read     *reader[store.LedgerStats]
	cfg      LedgerConfig
	packages []string
	now      func() time.Time

	up, took, requests, pending, oldest, timeout, lag, unacked, undelivered, dead,
	reviews, undecided, audit, cpEntries, cpTime, cpInterval *prometheus.Desc
}

// WatchLedger registers the collector of l's state.
func (m *Metrics) WatchLedger(l Ledger, cfg LedgerConfig) {
	pkgs := slices.Sorted(maps.Keys(cfg.ApprovalTimeouts))
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	c := &ledgerCollector{
		read: newReader(m, sourceLedger, func(ctx context.Context) (store.LedgerStats, error) { return l.Stats(ctx, pkgs) }),
		cfg:  cfg, packages: pkgs, now: m.opts.Now,
		up:          desc("chataccess_redis_up", "1 when this scrape's read of the ledger from Redis succeeded, else 0."),
		took:        desc("chataccess_ledger_read_seconds", "How long this scrape's read of the ledger from Redis took."),
		requests:    desc("chataccess_requests", "Requests in the ledger by state.", "state"),
		pending:     desc("chataccess_approvals_pending", "Requests waiting for approval, by package.", "package"),
		oldest:      desc("chataccess_approvals_oldest_pending_age_seconds", "Age of the oldest request waiting for approval, by package (0 when none).", "package"),
		timeout:     desc("chataccess_approvals_timeout_seconds", "How long a request of the package may wait for approval before it expires (the policy).", "package"),
		lag:         desc("chataccess_outbox_lag_seconds", "Age of the oldest outbox event a consumer group has not finished (0 when none), by group.", "group"),
		unacked:     desc("chataccess_outbox_unacked_events", "Outbox events handed to a consumer and not acknowledged, by group.", "group"),
		undelivered: desc("chataccess_outbox_undelivered_events", "Outbox events not yet handed to a consumer, by group.", "group"),
		dead:        desc("chataccess_outbox_dead_letters", "Outbox events a consumer group gave up on, not replayed yet (chataccess admin dead-letters)."),
		reviews:     desc("chataccess_reviews_open", "Open access review campaigns."),
		undecided:   desc("chataccess_review_items_undecided", "Items of open access review campaigns without a decision."),
		audit:       desc("chataccess_audit_entries", "Entries in the audit chain."),
		cpEntries:   desc("chataccess_audit_checkpoint_entries", "Audit chain length at the newest checkpoint."),
		cpTime:      desc("chataccess_audit_checkpoint_timestamp_seconds", "When the newest audit checkpoint was written (Unix time)."),
		cpInterval:  desc("chataccess_audit_checkpoint_interval_seconds", "How often the audit chain is checkpointed when it moved (audit.checkpoint_interval); absent without an audit key."),
	}
	m.reg.MustRegister(c)
}

// Describe sends every descriptor.
func (c *ledgerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.took, c.requests, c.pending, c.oldest, c.timeout, c.lag, c.unacked,
		c.undelivered, c.dead, c.reviews, c.undecided, c.audit, c.cpEntries, c.cpTime, c.cpInterval} {
		ch <- d
	}
}

// Collect reads the ledger (or reuses a recent read) and sends what the
// policy says, then what the read found.
func (c *ledgerCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, p := range c.packages {
		gauge(c.timeout, c.cfg.ApprovalTimeouts[p].Seconds(), p)
	}
	if c.cfg.CheckpointInterval > 0 {
		gauge(c.cpInterval, c.cfg.CheckpointInterval.Seconds())
	}
	s, took, err := c.read.get()
	gauge(c.took, took.Seconds())
	if err != nil {
		gauge(c.up, 0)
		return
	}
	gauge(c.up, 1)
	now := c.now()
	age := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return max(now.Sub(t), 0).Seconds()
	}
	for _, state := range slices.Sorted(maps.Keys(s.Requests)) {
		gauge(c.requests, float64(s.Requests[state]), string(state))
	}
	for _, p := range c.packages {
		ps := s.Pending[p]
		gauge(c.pending, float64(ps.Count), p)
		gauge(c.oldest, age(ps.Oldest), p)
	}
	for _, g := range s.Outbox {
		group := token(g.Group)
		gauge(c.lag, age(g.Oldest), group)
		gauge(c.unacked, float64(g.Unacked), group)
		if g.Undelivered >= 0 {
			gauge(c.undelivered, float64(g.Undelivered), group)
		}
	}
	gauge(c.dead, float64(s.DeadLetters))
	gauge(c.reviews, float64(s.OpenReviews))
	gauge(c.undecided, float64(s.UndecidedItems))
	gauge(c.audit, float64(s.AuditEntries))
	if !s.Checkpoint.At.IsZero() {
		gauge(c.cpEntries, float64(s.Checkpoint.Count))
		gauge(c.cpTime, float64(s.Checkpoint.At.Unix()))
	}
}
