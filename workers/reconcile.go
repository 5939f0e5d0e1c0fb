package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// Reconciler re-enqueues work that lost its task: approved or executing
// requests with no live execute task (the process died between the
// approval and the enqueue, or the queue archived the task), and grants
// past their end with no live expiry task.
type Reconciler struct {
	ledger Ledger
	queue  *Queue
	clock  approvals.Clock
	every  time.Duration
	exec   *Executor   // see WithGroups
	groups GroupLedger // see WithGroups
}

// WithGroups adds the group pass (Executor.GroupPass) to every round:
// later joiners and leavers of user groups holding grants are brought
// in line, one replica a round.
func (rc *Reconciler) WithGroups(e *Executor, gl GroupLedger) *Reconciler {
	rc.exec, rc.groups = e, gl
	return rc
}

// NewReconciler checks every interval.
func NewReconciler(ledger Ledger, q *Queue, clock approvals.Clock, every time.Duration) *Reconciler {
	return &Reconciler{ledger: ledger, queue: q, clock: clock, every: every}
}

// Run reconciles at start and then every interval until ctx ends.
func (rc *Reconciler) Run(ctx context.Context) error {
	log := zerolog.Ctx(ctx).With().Str(logging.Component, "reconciler").Logger()
	for {
		n, err := rc.Once(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn().Err(err).Msg("reconcile failed")
		case n > 0:
			log.Info().Int("requeued", n).Msg("re-enqueued work that had no live task")
		}
		if rc.exec != nil {
			sum, ran, err := rc.exec.GroupPass(ctx, rc.groups, rc.every)
			if err != nil && ctx.Err() == nil {
				log.Warn().Err(err).Msg("user group pass failed")
			} else if ran && sum.Joined+sum.Left+sum.Restored > 0 {
				log.Info().Int("joined", sum.Joined).Int("left", sum.Left).Int("restored", sum.Restored).Msg("brought user group members in line")
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(rc.every):
		}
	}
}

// Once runs one pass and returns how many tasks it enqueued.
func (rc *Reconciler) Once(ctx context.Context) (int, error) {
	n := 0
	var errs []error
	for _, st := range []approvals.State{approvals.StateApproved, approvals.StateExecuting} {
		reqs, err := rc.ledger.List(ctx, approvals.ByState(st), 10000)
		if err != nil {
			return n, err
		}
		for _, r := range reqs {
			live, err := rc.queue.Live(ExecTaskID(r))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if live {
				continue
			}
			// A finished or archived task with this id blocks the id.
			if err := rc.queue.Forget(ExecTaskID(r)); err != nil {
				errs = append(errs, err)
				continue
			}
			if err := rc.queue.EnqueueExecute(ctx, r); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	expired, err := rc.ledger.ExpiringBefore(ctx, rc.clock.Now(), 1000)
	if err != nil {
		return n, errors.Join(append(errs, err)...)
	}
	for _, g := range expired {
		live, err := rc.queue.Live(expireTaskID(g.RequestID))
		if err != nil || live {
			errs = append(errs, err)
			continue
		}
		if err := rc.queue.Forget(expireTaskID(g.RequestID)); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := rc.queue.EnqueueExpiry(ctx, g, 0, rc.clock.Now()); err != nil {
			errs = append(errs, fmt.Errorf("expiry of %s: %w", g.RequestID, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
