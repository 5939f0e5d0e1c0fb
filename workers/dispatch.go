package workers

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// Dispatcher turns ledger events into tasks: approved and retried
// requests are executed; completed time-bound adds get their expiry.
type Dispatcher struct {
	ledger     Ledger
	outbox     Outbox
	queue      *Queue
	clock      approvals.Clock
	warnBefore time.Duration
	consumer   string
}

// NewDispatcher reads the outbox as consumer (unique per replica).
func NewDispatcher(ledger Ledger, outbox Outbox, q *Queue, clock approvals.Clock, warnBefore time.Duration, consumer string) *Dispatcher {
	return &Dispatcher{ledger: ledger, outbox: outbox, queue: q, clock: clock, warnBefore: warnBefore, consumer: consumer}
}

// Run dispatches until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	log := zerolog.Ctx(ctx).With().Str(logging.Component, "dispatcher").Logger()
	for ctx.Err() == nil {
		if _, err := d.Once(ctx, time.Second); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("dispatch failed; retrying")
			sleepCtx(ctx, time.Second)
		}
	}
	return nil
}

// Once handles one batch of events, waiting up to block for them, and
// returns how many it handled.
func (d *Dispatcher) Once(ctx context.Context, block time.Duration) (int, error) {
	msgs, err := d.outbox.Read(ctx, d.consumer, 100, block)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, m := range msgs {
		if err := d.handle(ctx, m.Record); err != nil {
			errs = append(errs, err) // left unacked: redelivered later
			if nerr := d.outbox.Nack(ctx, m.ID, strings.ReplaceAll(err.Error(), "\n", "; ")); nerr != nil {
				errs = append(errs, nerr)
			}
			continue
		}
		if err := d.outbox.Ack(ctx, m.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return len(msgs), errors.Join(errs...)
}

func (d *Dispatcher) handle(ctx context.Context, rec approvals.Record) error {
	switch rec.Event {
	case approvals.EventApprove, approvals.EventRetry:
		r, err := d.ledger.Get(ctx, rec.RequestID)
		if err != nil {
			return err
		}
		if r.State != approvals.StateApproved {
			return nil // already moving on
		}
		return d.queue.EnqueueExecute(ctx, r)
	case approvals.EventComplete:
		r, err := d.ledger.Get(ctx, rec.RequestID)
		if err != nil || r.Kind != approvals.KindAdd {
			return err
		}
		g, err := d.ledger.Grant(ctx, r.Target.Email, r.Package)
		if errors.Is(err, approvals.ErrNoGrant) {
			return nil
		}
		if err != nil {
			return err
		}
		return d.queue.EnqueueExpiry(ctx, *g, d.warnBefore, d.clock.Now())
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
