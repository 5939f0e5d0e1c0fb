package cli

import (
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/metrics"
	"github.com/chataccess/chataccess/store"
)

// watchState adds the state read from Redis at scrape time to the
// metrics: the ledger (requests, approvals, outbox, reviews, audit) and
// the job queue.
func (a *app) watchState(w wiring) {
	a.metrics.WatchQueue(a.queue)
	a.metrics.WatchLedger(a.store, ledgerMetrics(w, a.store))
}

// ledgerMetrics is what the ledger's metrics need from the policy: each
// package's approval timeout, and the checkpoint interval when the
// audit chain is keyed (without a key no checkpoint is written).
func ledgerMetrics(w wiring, st *store.Store) metrics.LedgerConfig {
	cfg := metrics.LedgerConfig{ApprovalTimeouts: map[string]time.Duration{}}
	for name, p := range w.cfg.Policy().Packages {
		cfg.ApprovalTimeouts[name] = p.ApprovalTimeout
		if p.ApprovalTimeout <= 0 {
			cfg.ApprovalTimeouts[name] = approvals.DefaultApprovalTimeout
		}
	}
	if st.AuditKeyID() != "" {
		cfg.CheckpointInterval = w.cfg.Settings().Audit.CheckpointInterval
		if cfg.CheckpointInterval <= 0 {
			cfg.CheckpointInterval = store.DefaultCheckpointInterval
		}
	}
	return cfg
}
