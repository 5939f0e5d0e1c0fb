package reviews

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// mayDecide checks that the actor may decide the item: not their own
// access, and assigned to them while they still belong to the reviewer
// audience (the actor's groups resolved at the time of the decision),
// or an admin.
func (r *Reviews) mayDecide(c *Campaign, it *Item, who approvals.Actor) error {
	if !c.Open() {
		return fmt.Errorf("%w: %s", ErrClosed, c.ID)
	}
	if isHolder(who, it.Email) {
		return ErrSelfReview
	}
	if i := reviewerIndex(c, who); i >= 0 && it.AssignedTo(i) && r.ReviewerAudience(c, it.Package).Contains(who) {
		return nil
	}
	if r.access.IsAdmin(who) {
		return nil
	}
	return ErrNotReviewer
}

// Decide records a reviewer's keep or revoke of one item. An item is
// decided once: a second click, or a second reviewer, gets
// *DecidedError naming the first decision. A revoke submits a
// system-approved remove request that the workers execute. Errors:
// ErrNotFound, ErrClosed, ErrSelfReview, ErrNotReviewer, *DecidedError.
func (r *Reviews) Decide(ctx context.Context, id string, index int, who approvals.Actor, v Verdict) (*Item, error) {
	if v != Keep && v != Revoke {
		return nil, fmt.Errorf("review %s item %d: verdict %q", id, index, v)
	}
	c, it, err := r.Item(ctx, id, index)
	if err != nil {
		return nil, err
	}
	if it.Decision != nil {
		return it, &DecidedError{Item: index, Decision: *it.Decision}
	}
	if err := r.mayDecide(c, it, who); err != nil {
		return it, err
	}
	d := Decision{Verdict: v, By: stripGroups(who), At: r.clock.Now().UTC()}
	if err := r.store.Decide(ctx, id, index, d); err != nil {
		if de := (*DecidedError)(nil); errors.As(err, &de) {
			it.Decision = &de.Decision
		}
		return it, err
	}
	it.Decision = &d
	r.log.Info().Str(logging.ReviewID, id).Int(logging.Item, index).Str(logging.Package, it.Package).
		Str("verdict", string(v)).Str(logging.Reviewer, who.Label()).Msg("review item decided")
	if v == Revoke {
		r.revoke(ctx, c, it, revokedBy(c.ID, who))
	}
	return it, nil
}

// KeepAll keeps every listed item the actor may decide and that is not
// decided yet. It returns the items it decided and how many it skipped.
func (r *Reviews) KeepAll(ctx context.Context, id string, indexes []int, who approvals.Actor) (kept []Item, skipped int, err error) {
	for _, i := range indexes {
		it, err := r.Decide(ctx, id, i, who, Keep)
		switch {
		case err == nil:
			kept = append(kept, *it)
		case errors.Is(err, ErrClosed):
			return kept, skipped + 1, err
		case errors.Is(err, ErrAlreadyDone), errors.Is(err, ErrNotReviewer), errors.Is(err, ErrSelfReview):
			skipped++
		default:
			return kept, skipped, err
		}
	}
	return kept, skipped, nil
}

// revokedBy is the reason of a removal a reviewer decided, e.g.
// "revoked in review R-1 by dana.lee@example.com".
func revokedBy(review string, who approvals.Actor) approvals.Sentence {
	return approvals.Say(fmt.Sprintf("revoked in review %s by %s", review, who.Label()),
		"reason.review_revoked", map[string]string{"Review": review, "Who": who.Label()})
}

// revokedUnanswered is the reason of a removal made because nobody
// decided by the review's deadline.
func revokedUnanswered(review string) approvals.Sentence {
	return approvals.Say(fmt.Sprintf("revoked in review %s: no decision by the deadline", review),
		"reason.review_no_decision", map[string]string{"Review": review})
}

// revoke submits the removal behind a revoke decision and records its
// request id (or why it could not be submitted) on the decision. It is
// safe to call again: an open remove request is found and recorded.
func (r *Reviews) revoke(ctx context.Context, c *Campaign, it *Item, why approvals.Sentence) {
	reqID, failure := "", approvals.Sentence{}
	if it.Inherited {
		if why, goOn := r.revokeInherited(ctx, c, it); !goOn {
			r.recordOutcome(ctx, c, it, "", why)
			return
		}
	}
	req, err := r.access.RevokeWith(ctx, it.Email, it.Package, approvals.System, why)
	if errors.Is(err, approvals.ErrNoGrant) {
		// Access granted outside the bot has no grant to end: remove it
		// with a system request all the same.
		req, err = r.access.Submit(ctx, approvals.SubmitInput{
			Kind: approvals.KindRemove, Target: approvals.Target{Email: it.Email}, Package: it.Package,
			Justification: why.Text, Reason: why.Text, ReasonKey: why.Key, ReasonArgs: why.Args,
			Requester: approvals.System, Origin: "review",
		})
	}
	var dup *approvals.DuplicateRequestError
	switch {
	case err == nil:
		reqID = req.ID
	case errors.As(err, &dup):
		reqID = dup.ID
		failure = approvals.Say("request "+dup.ID+" for this user and package was already open", "reviewpage.failure.duplicate", map[string]string{"ID": dup.ID})
	default:
		cause := errSentence(err, 300)
		failure = approvals.Say(cause.Text, "reviewpage.failure.not_submitted", cause.Nest("Cause", nil))
		r.log.Error().Err(err).Str(logging.ReviewID, c.ID).Int(logging.Item, it.Index).Str(logging.Package, it.Package).Msg("review revoke")
	}
	r.recordOutcome(ctx, c, it, reqID, failure)
}

// recordOutcome records the remove request of a revoke decision, or why
// there is none, on the decision.
func (r *Reviews) recordOutcome(ctx context.Context, c *Campaign, it *Item, reqID string, failure approvals.Sentence) {
	if err := r.store.SetDecisionOutcome(ctx, c.ID, it.Index, reqID, failure); err != nil {
		r.log.Error().Err(err).Str(logging.ReviewID, c.ID).Int(logging.Item, it.Index).Msg("record revoke request")
		return
	}
	if it.Decision != nil {
		it.Decision.RequestID, it.Decision.Failure = reqID, failure.Text
		it.Decision.FailureKey, it.Decision.FailureArgs = failure.Key, failure.Args
	}
}

// Adopt puts access found outside chataccess into the ledger, on an
// admin's word, and records the fix on the item. Errors: ErrNotAdmin,
// ErrSelfReview, ErrNoDrift, *FixedError, and the Service's errors.
func (r *Reviews) Adopt(ctx context.Context, id string, index int, admin approvals.Actor) (*Item, error) {
	c, it, err := r.fixable(ctx, id, index, admin)
	if err != nil {
		return it, err
	}
	pkg, err := r.access.Policy().Package(it.Package)
	if err != nil {
		return it, err
	}
	var until time.Time
	if !pkg.AllowPermanent {
		d := pkg.DefaultDuration
		if d <= 0 {
			d = pkg.MaxDuration
		}
		if d > 0 {
			until = r.clock.Now().UTC().Add(d)
		}
	}
	if _, err := r.access.Adopt(ctx, it.Email, it.Package, admin, until, "found in review "+c.ID); err != nil {
		return it, r.fixedOr(ctx, id, index, err)
	}
	return r.recordFix(ctx, it, id, Fix{Action: FixAdopt, By: stripGroups(admin), At: r.clock.Now().UTC()})
}

// OpenRemove opens a remove request (on the admin's behalf, approved as
// the package says) for access found outside chataccess.
func (r *Reviews) OpenRemove(ctx context.Context, id string, index int, admin approvals.Actor) (*Item, error) {
	c, it, err := r.fixable(ctx, id, index, admin)
	if err != nil {
		return it, err
	}
	why := fmt.Sprintf("%s; found in review %s", strings.Join(labels(it.Findings), ", "), c.ID)
	req, err := r.access.Submit(ctx, approvals.SubmitInput{
		Kind: approvals.KindRemove, Target: approvals.Target{Email: it.Email}, Package: it.Package,
		Justification: truncate(why, 400), Requester: admin, Origin: admin.Platform,
	})
	if err != nil {
		return it, r.fixedOr(ctx, id, index, err)
	}
	return r.recordFix(ctx, it, id, Fix{Action: FixRemove, By: stripGroups(admin), At: r.clock.Now().UTC(), RequestID: req.ID})
}

func labels(ks []FindingKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Label()
	}
	return out
}

func (r *Reviews) fixable(ctx context.Context, id string, index int, admin approvals.Actor) (*Campaign, *Item, error) {
	if !r.access.IsAdmin(admin) {
		return nil, nil, ErrNotAdmin
	}
	c, it, err := r.Item(ctx, id, index)
	if err != nil {
		return nil, nil, err
	}
	if it.Fix != nil {
		return c, it, &FixedError{Item: index, Fix: *it.Fix}
	}
	if isHolder(admin, it.Email) {
		return c, it, ErrSelfReview
	}
	if !slices.ContainsFunc(it.Findings, func(k FindingKind) bool { return k != MarketoAdmin }) {
		return c, it, ErrNoDrift
	}
	return c, it, nil
}

// fixedOr returns the earlier fix when one raced ahead, else err.
func (r *Reviews) fixedOr(ctx context.Context, id string, index int, err error) error {
	if it, gerr := r.store.ReviewItem(ctx, id, index); gerr == nil && it.Fix != nil {
		return &FixedError{Item: index, Fix: *it.Fix}
	}
	return err
}

func (r *Reviews) recordFix(ctx context.Context, it *Item, id string, f Fix) (*Item, error) {
	if err := r.store.RecordFix(ctx, id, it.Index, f); err != nil {
		return it, err
	}
	it.Fix = &f
	r.log.Info().Str(logging.ReviewID, id).Int(logging.Item, it.Index).Str(logging.Package, it.Package).
		Str("fix", string(f.Action)).Str("admin", f.By.Label()).Msg("review drift fixed")
	return it, nil
}
