package cli

import (
	"context"
	"errors"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/metrics"
	"github.com/chataccess/chataccess/store"
)

// watchState adds what is read at scrape time to the metrics: the
// ledger (requests, approvals, outbox, reviews, audit), the job queue,
// and this replica's readiness.
func (a *app) watchState(w wiring) {
	a.metrics.WatchQueue(a.queue)
	a.metrics.WatchLedger(a.store, ledgerMetrics(w, a.store))
	a.metrics.WatchReady(a.readyCheck)
}

// readyCheck is /readyz's checks as one error (the first problem), for
// chataccess_ready.
func (a *app) readyCheck(ctx context.Context) error {
	if problems := a.readiness(ctx); len(problems) > 0 {
		return errors.New(problems[0])
	}
	return nil
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
