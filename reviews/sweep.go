package reviews

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// Summary counts a campaign's outcome for the admin report.
type Summary struct {
	Items int
	// Kept and Revoked count reviewers' decisions.
	Kept, Revoked int
	// Unreviewed counts items nobody decided; AutoKept and AutoRevoked
	// are the part of them the deadline decided.
	Unreviewed, AutoKept, AutoRevoked int
	// Drift counts items with at least one finding other than
	// MarketoAdmin; ByKind counts each finding.
	Drift  int
	ByKind map[FindingKind]int
	// RevokeFailures counts revokes whose remove request could not be
	// submitted.
	RevokeFailures int
}

// Summarize counts the items of a campaign.
func Summarize(items []Item) Summary {
	s := Summary{Items: len(items), ByKind: map[FindingKind]int{}}
	for _, it := range items {
		drift := false
		for _, k := range it.Findings {
			s.ByKind[k]++
			drift = drift || k != MarketoAdmin
		}
		if drift {
			s.Drift++
		}
		d := it.Decision
		switch {
		case d == nil:
			s.Unreviewed++
		case d.Auto:
			s.Unreviewed++
			if d.Verdict == Keep {
				s.AutoKept++
			} else {
				s.AutoRevoked++
			}
		case d.Verdict == Keep:
			s.Kept++
		default:
			s.Revoked++
		}
		if d != nil && d.Verdict == Revoke && d.Failure != "" && d.RequestID == "" {
			s.RevokeFailures++
		}
	}
	return s
}

// Run sweeps open campaigns every SweepEvery until ctx ends.
func (r *Reviews) Run(ctx context.Context) error {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		if err := r.Sweep(ctx, r.clock.Now()); err != nil && ctx.Err() == nil {
			r.log.Error().Err(err).Msg("review sweep")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// sweepLease bounds how long one replica holds a campaign's sweep.
const sweepLease = 10 * time.Minute

// Sweep sends due reminders and applies due deadlines of every open
// campaign. Replicas may sweep at once: a lease per campaign and a claim
// per reminder slot make each action happen once.
func (r *Reviews) Sweep(ctx context.Context, now time.Time) error {
	ids, err := r.store.OpenReviews(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := r.sweepOne(ctx, id, now.UTC()); err != nil {
			errs = append(errs, fmt.Errorf("review %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Reviews) sweepOne(ctx context.Context, id string, now time.Time) error {
	unlock, ok, err := r.store.TryLock(ctx, "review-sweep:"+id, r.holder, sweepLease)
	if err != nil || !ok {
		return err
	}
	defer unlock()
	c, err := r.store.Review(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Open() {
		return nil
	}
	if !now.Before(c.Deadline) {
		return r.deadline(ctx, c, now)
	}
	if c.ReminderInterval <= 0 {
		return nil
	}
	slot := int64(now.Sub(c.RoundStart) / c.ReminderInterval)
	if slot < 1 {
		return nil
	}
	round := "1"
	if c.Escalated {
		round = "2"
	}
	claimed, err := r.store.Claim(ctx, "review-remind:"+id+":"+round+":"+strconv.FormatInt(slot, 10), r.holder, c.DeadlineAfter+24*time.Hour)
	if err != nil || !claimed {
		return err
	}
	items, err := r.store.ReviewItems(ctx, id)
	if err != nil {
		return err
	}
	pending := map[int]int{}
	for _, it := range items {
		if it.Decision == nil {
			for _, a := range it.Assignees {
				pending[a]++
			}
		}
	}
	if len(pending) == 0 {
		return nil
	}
	r.log.Info().Str(logging.ReviewID, id).Int("reviewers", len(pending)).Msg("review reminder")
	return r.notify.Remind(ctx, c, pending)
}

// deadline applies on_no_response to undecided items, then closes the
// campaign (or, for escalate, hands the items to the admins once).
func (r *Reviews) deadline(ctx context.Context, c *Campaign, now time.Time) error {
	items, err := r.store.ReviewItems(ctx, c.ID)
	if err != nil {
		return err
	}
	var undecided []int
	for i := range items {
		it := &items[i]
		switch d := it.Decision; {
		case d == nil:
			undecided = append(undecided, i)
		case d.Verdict == Revoke && d.RequestID == "" && d.Failure == "":
			// A revoke whose request was never submitted (a crash
			// between the two writes): submit it now.
			r.revoke(ctx, c, it, revokedBy(c.ID, d.By))
		}
	}
	if c.OnNoResponse == NoResponseEscalate && !c.Escalated && len(undecided) > 0 {
		return r.escalate(ctx, c, items, undecided, now)
	}
	var verdict Verdict
	switch {
	case c.OnNoResponse == NoResponseKeep:
		verdict = Keep
	case c.OnNoResponse == NoResponseRevoke:
		verdict = Revoke
	}
	if verdict != "" {
		for _, i := range undecided {
			it := &items[i]
			d := Decision{Verdict: verdict, By: approvals.System, At: now, Auto: true}
			err := r.store.Decide(ctx, c.ID, it.Index, d)
			if de := (*DecidedError)(nil); errors.As(err, &de) {
				it.Decision = &de.Decision
				continue
			}
			if err != nil {
				return err
			}
			it.Decision = &d
			if verdict == Revoke {
				r.revoke(ctx, c, it, revokedUnanswered(c.ID))
			}
		}
	}
	next := *c
	next.Status, next.ClosedAt, next.Version = StatusClosed, now, c.Version+1
	if err := r.store.UpdateReview(ctx, &next); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil // another replica closed it
		}
		return err
	}
	s := Summarize(items)
	r.log.Info().Str(logging.ReviewID, c.ID).Int("kept", s.Kept).Int("revoked", s.Revoked).
		Int("unreviewed", s.Unreviewed).Int("drift", s.Drift).Msg("review closed")
	if err := r.notify.Closed(ctx, &next, s); err != nil {
		r.log.Error().Err(err).Str(logging.ReviewID, c.ID).Msg("post review summary")
	}
	if err := r.notify.SendReview(ctx, &next, items); err != nil {
		r.log.Error().Err(err).Str(logging.ReviewID, c.ID).Msg("refresh review messages")
	}
	return nil
}

// escalate reassigns undecided items to the admins with a new deadline.
func (r *Reviews) escalate(ctx context.Context, c *Campaign, items []Item, undecided []int, now time.Time) error {
	next := *c
	next.Reviewers = append([]approvals.Actor(nil), c.Reviewers...)
	admins, err := r.resolveInto(ctx, &next, r.access.Policy().Admins)
	if err != nil {
		return err
	}
	moved := make([]Item, 0, len(undecided))
	for _, i := range undecided {
		items[i].Assignees = others(&next, admins, items[i].Email)
		moved = append(moved, items[i])
	}
	next.Escalated, next.RoundStart, next.Deadline, next.Version = true, now, now.Add(c.DeadlineAfter), c.Version+1
	// Items first: if the campaign write loses, a later sweep redoes the
	// same reassignment.
	if err := r.store.PutReviewItems(ctx, c.ID, moved); err != nil {
		return err
	}
	if err := r.store.UpdateReview(ctx, &next); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil
		}
		return err
	}
	r.log.Info().Str(logging.ReviewID, c.ID).Int("items", len(moved)).Str("deadline", next.Deadline.Format(time.RFC3339)).Msg("review escalated")
	if err := r.notify.SendReview(ctx, &next, items); err != nil {
		r.log.Error().Err(err).Str(logging.ReviewID, c.ID).Msg("send escalated review")
	}
	return nil
}
