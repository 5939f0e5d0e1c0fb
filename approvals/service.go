package approvals

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"
)

// Service applies the request lifecycle: it validates input against the
// Policy, moves requests through the transition table, and writes every
// change to the Store as one compare-and-swap. Two approvers clicking at
// the same moment cannot both win: the loser re-reads and re-decides.
type Service struct {
	policy *Policy
	store  Store
	clock  Clock
	// inspector reads what the vendors say about adds (preview.go).
	inspector      Inspector
	inspectTimeout time.Duration
}

// maxCASAttempts bounds the re-read loop of one operation. Each failed
// attempt means another writer succeeded, so the loop always makes
// progress; the cap only guards against a broken store.
const maxCASAttempts = 64

// NewService returns a Service. Every committed change reaches the
// store's durable event outbox; there is no other event channel.
func NewService(p *Policy, s Store, c Clock) *Service {
	if p.MaxJustification <= 0 {
		p.MaxJustification = DefaultMaxJustification
	}
	return &Service{policy: p, store: s, clock: c}
}

// Policy returns the policy the service enforces.
func (s *Service) Policy() *Policy { return s.policy }

// IsAdmin reports whether the actor is a configured admin. The command
// line counts as one: whoever can run it holds the Redis credentials,
// and the audit trail names the operator.
func (s *Service) IsAdmin(a Actor) bool {
	return a.Platform == PlatformCLI || s.policy.Admins.Contains(a)
}

// Operator is the actor for an admin command run from the command line.
func Operator(name string) Actor {
	return Actor{ID: name, Name: "cli:" + name, Platform: PlatformCLI}
}

// SubmitInput is what a requester asks for.
type SubmitInput struct {
	Kind          Kind
	Target        Target
	Package       string
	Justification string
	// Duration of the grant; zero means the package default, or
	// permanent when Permanent is set.
	Duration  time.Duration
	Permanent bool
	Requester Actor
	// Origin is the platform the request came from.
	Origin Platform
	// Reason explains system requests (expiry, review revoke).
	Reason string
	// ReasonKey and ReasonArgs are Reason's message id and arguments when
	// the system wrote it (see Request.ReasonKey).
	ReasonKey  string
	ReasonArgs map[string]string
	// Revokes names the add request a removal ends, when known.
	Revokes string
}

// Submit validates and records a new request. It returns the request in
// state pending_approval, or approved when an auto-approve rule or the
// system submitted it. Errors: *UnknownPackageError, ErrInvalidEmail,
// ErrJustification, ErrDurationTooLong, ErrDurationRequired,
// ErrNotRequester, *DuplicateRequestError, or a store error.
func (s *Service) Submit(ctx context.Context, in SubmitInput) (*Request, error) {
	r, auto, err := s.build(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.inspect(ctx, r); err != nil {
		return nil, err
	}
	// The audit entry of a submission says why: the justification, and
	// for auto-approved or system requests the rule that approved it.
	rec := s.record(r, EventSubmit, in.Requester, "", r.State, "reason: "+r.Justification)
	if auto := auto.Text; auto != "" {
		// The rule approved it, not the requester: the audit trail, the
		// thread note and the card name the system and the rule.
		rec.Event = EventApprove
		rec.Actor = System
		rec.Detail = "auto-approved by " + auto + "; requested by " + in.Requester.Label() + "; reason: " + r.Justification
	}
	recs := []Record{rec}
	if err := s.store.Commit(ctx, Change{Requests: []Write{{Next: r}}, Records: recs}); err != nil {
		return nil, fmt.Errorf("submit %s for %s: %w", in.Package, r.Target.Email, err)
	}
	return r, nil
}

// build validates the input and returns the new request, and a reason
// when it is approved without a human decision.
func (s *Service) build(ctx context.Context, in SubmitInput) (*Request, Sentence, error) {
	system := in.Requester.IsSystem()
	if !system && !s.policy.Requesters.Contains(in.Requester) && !s.IsAdmin(in.Requester) {
		return nil, Sentence{}, ErrNotRequester
	}
	pkg, err := s.policy.Package(in.Package)
	if err != nil {
		return nil, Sentence{}, err
	}
	target, err := s.target(pkg, in.Target)
	if err != nil {
		return nil, Sentence{}, err
	}
	email := target.Email
	just, err := s.justification(in, system)
	if err != nil {
		return nil, Sentence{}, err
	}
	kind := in.Kind
	if kind != KindAdd && kind != KindRemove {
		return nil, Sentence{}, fmt.Errorf("%w: kind %q", ErrInvalidTransition, kind)
	}
	var dur time.Duration
	if kind == KindAdd {
		if dur, err = grantDuration(pkg, in.Duration, in.Permanent); err != nil {
			return nil, Sentence{}, err
		}
	}
	id, err := s.store.NextID(ctx)
	if err != nil {
		return nil, Sentence{}, fmt.Errorf("submit: allocate id: %w", err)
	}
	now := s.clock.Now().UTC()
	timeout := pkg.ApprovalTimeout
	if timeout <= 0 {
		timeout = DefaultApprovalTimeout
	}
	r := &Request{
		ID:            id,
		Kind:          kind,
		Target:        target,
		Package:       pkg.Name,
		Justification: just,
		Duration:      dur,
		Requester:     in.Requester,
		Origin:        in.Origin,
		Version:       1,
		CreatedAt:     now,
		UpdatedAt:     now,
		Deadline:      now.Add(timeout),
		DryRun:        pkg.DryRun,
		Reason:        in.Reason,
		ReasonKey:     in.ReasonKey,
		ReasonArgs:    cloneArgs(in.ReasonArgs),
		Revokes:       in.Revokes,
	}
	r.Requester = stripGroups(r.Requester)
	if kind == KindRemove && r.Revokes == "" {
		if g, err := s.store.Grant(ctx, email, pkg.Name); err == nil {
			r.Revokes = g.RequestID
		} else if !errors.Is(err, ErrNoGrant) {
			return nil, Sentence{}, fmt.Errorf("submit: read grant: %w", err)
		}
	}
	auto := autoApproval(pkg, kind, in.Requester)
	ev := EventSubmit
	if auto.Text != "" {
		ev = EventApprove
		r.Decisions = []Decision{systemDecision(auto, now)}
	}
	if r.State, err = Next(stateNew, ev); err != nil {
		return nil, Sentence{}, err
	}
	return r, auto, nil
}

// justification is the request's cleaned justification: the
// requester's, or a system request's reason when it gives none.
func (s *Service) justification(in SubmitInput, system bool) (string, error) {
	just := strings.TrimSpace(CleanText(in.Justification))
	if just == "" && system {
		just = in.Reason
	}
	if just == "" {
		return "", fmt.Errorf("%w: a reason is required", ErrJustification)
	}
	if n := utf8.RuneCountInString(just); n > s.policy.MaxJustification {
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrJustification, n, s.policy.MaxJustification)
	}
	return just, nil
}

// grantDuration applies the package's duration rules to a requested
// duration.
func grantDuration(pkg *Package, asked time.Duration, permanent bool) (time.Duration, error) {
	d := asked
	if d < 0 {
		return 0, fmt.Errorf("%w: negative", ErrInvalidDuration)
	}
	if d == 0 && !permanent {
		d = pkg.DefaultDuration
	}
	if d == 0 {
		if !pkg.AllowPermanent {
			return 0, fmt.Errorf("%w: package %s grants access for at most %s", ErrDurationRequired, pkg.Name, maxLabel(pkg))
		}
		return 0, nil
	}
	if pkg.MaxDuration > 0 && d > pkg.MaxDuration {
		return 0, fmt.Errorf("%w: %s asked, package %s allows at most %s", ErrDurationTooLong, FormatDuration(d), pkg.Name, FormatDuration(pkg.MaxDuration))
	}
	return d, nil
}

func maxLabel(pkg *Package) string {
	if pkg.MaxDuration > 0 {
		return FormatDuration(pkg.MaxDuration)
	}
	return "a set time"
}

// systemDecision is the approval of a rule that needs no person, with
// the rule named in why.
func systemDecision(why Sentence, now time.Time) Decision {
	return Decision{Approver: System, Verdict: Approve, Comment: why.Text,
		CommentKey: why.Key, CommentArgs: cloneArgs(why.Args), At: now}
}

// autoApproval returns why a request needs no human decision, or the
// zero Sentence.
func autoApproval(pkg *Package, kind Kind, requester Actor) Sentence {
	switch {
	case requester.IsSystem():
		return Say("system request", "reason.system_request", nil)
	case kind == KindRemove && pkg.AutoApprove.Removals:
		return Say("policy rule auto_approve.removals (removals need no approval)", "reason.auto_removals", nil)
	case kind == KindAdd && !pkg.AutoApprove.Requesters.Empty() && pkg.AutoApprove.Requesters.Contains(requester):
		return Say("policy rule auto_approve.requesters (the requester is on the package's list)", "reason.auto_requesters", nil)
	}
	return Sentence{}
}

// Approve records an approval. When the package's min_approvals is
// reached the request moves to approved. Errors: ErrNotFound,
// ErrNotApprover, ErrSelfApproval, ErrAlreadyDecided, *ClosedError.
func (s *Service) Approve(ctx context.Context, id string, approver Actor, comment string) (*Request, error) {
	return s.mutate(ctx, id, approver, func(r *Request, pkg *Package, now time.Time) (Event, string, error) {
		if err := s.mayDecide(r, pkg, approver); err != nil {
			return "", "", err
		}
		r.Decisions = append(r.Decisions, Decision{Approver: stripGroups(approver), Verdict: Approve, Comment: bound(comment), At: now})
		if r.Approvals() >= max(pkg.MinApprovals, 1) {
			return EventApprove, fmt.Sprintf("%d of %d approvals", r.Approvals(), max(pkg.MinApprovals, 1)), nil
		}
		return EventVote, fmt.Sprintf("%d of %d approvals", r.Approvals(), pkg.MinApprovals), nil
	})
}

// Deny ends a pending request. One denial is enough. Errors as Approve.
func (s *Service) Deny(ctx context.Context, id string, approver Actor, reason string) (*Request, error) {
	return s.mutate(ctx, id, approver, func(r *Request, pkg *Package, now time.Time) (Event, string, error) {
		if err := s.mayDecide(r, pkg, approver); err != nil {
			return "", "", err
		}
		r.Decisions = append(r.Decisions, Decision{Approver: stripGroups(approver), Verdict: Deny, Comment: bound(reason), At: now})
		return EventDeny, bound(reason), nil
	})
}

// mayDecide checks the four-eyes and approver rules for a pending
// request.
func (s *Service) mayDecide(r *Request, pkg *Package, who Actor) error {
	if r.DecidedBy(who) {
		return ErrAlreadyDecided
	}
	if r.State != StatePending {
		return &ClosedError{ID: r.ID, State: r.State}
	}
	if !pkg.Approvers.Contains(who) {
		return ErrNotApprover
	}
	self := r.Requester.Same(who) || (who.Email != "" && strings.EqualFold(who.Email, r.Target.Email))
	if self && !pkg.AllowSelfApproval {
		return ErrSelfApproval
	}
	return nil
}

// Cancel withdraws a pending request. Only its requester or an admin may
// cancel.
func (s *Service) Cancel(ctx context.Context, id string, who Actor) (*Request, error) {
	return s.mutate(ctx, id, who, func(r *Request, _ *Package, _ time.Time) (Event, string, error) {
		if !r.Requester.Same(who) && !s.IsAdmin(who) {
			return "", "", fmt.Errorf("%w: only the requester or an admin can cancel %s", ErrNotAllowed, r.ID)
		}
		if r.State != StatePending {
			return "", "", &ClosedError{ID: r.ID, State: r.State}
		}
		return EventCancel, "", nil
	})
}

// Expire closes a pending request whose approval window is over. It
// returns *ClosedError when the request is no longer pending and
// ErrNotAllowed when its deadline has not passed.
func (s *Service) Expire(ctx context.Context, id string) (*Request, error) {
	return s.mutate(ctx, id, System, func(r *Request, _ *Package, now time.Time) (Event, string, error) {
		if r.State != StatePending {
			return "", "", &ClosedError{ID: r.ID, State: r.State}
		}
		if now.Before(r.Deadline) {
			return "", "", fmt.Errorf("%w: %s is open until %s", ErrNotAllowed, r.ID, r.Deadline.Format(time.RFC3339))
		}
		return EventExpire, "no decision within the approval window", nil
	})
}

// Remind records that approvers are being reminded of a pending
// request. It succeeds at most once per interval (counted from the last
// reminder, or from submission), so replicas that race to remind send
// one reminder: the losers get ErrNotAllowed.
func (s *Service) Remind(ctx context.Context, id string, interval time.Duration) (*Request, error) {
	return s.mutate(ctx, id, System, func(r *Request, _ *Package, now time.Time) (Event, string, error) {
		if r.State != StatePending {
			return "", "", &ClosedError{ID: r.ID, State: r.State}
		}
		last := r.RemindedAt
		if last.IsZero() {
			last = r.CreatedAt
		}
		if now.Sub(last) < interval {
			return "", "", fmt.Errorf("%w: %s was reminded at %s", ErrNotAllowed, r.ID, last.Format(time.RFC3339))
		}
		r.RemindedAt = now
		return EventRemind, "", nil
	})
}

// mutateFunc changes a copy of the request and names the event.
type mutateFunc func(r *Request, pkg *Package, now time.Time) (Event, string, error)

// mutate runs the read, change, compare-and-swap loop for one request.
func (s *Service) mutate(ctx context.Context, id string, actor Actor, f mutateFunc) (*Request, error) {
	return s.commitLoop(ctx, id, func(r *Request, now time.Time) (*Request, Change, error) {
		next, rec, err := s.step(r, actor, now, func(n *Request, pkg *Package) (Event, string, error) {
			return f(n, pkg, now)
		})
		if err != nil {
			return nil, Change{}, err
		}
		return next, Change{Requests: []Write{{Prev: r, Next: next}}, Records: []Record{rec}}, nil
	})
}

// changeFunc computes the change to commit from the request as read.
type changeFunc func(r *Request, now time.Time) (*Request, Change, error)

// commitLoop reads the request, computes a change and commits it,
// starting again from a fresh read when another writer won the
// compare-and-swap (at most maxCASAttempts times). A *ClosedError from
// build comes back with the request as read.
func (s *Service) commitLoop(ctx context.Context, id string, build changeFunc) (*Request, error) {
	for attempt := 0; ; attempt++ {
		r, err := s.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		next, c, err := build(r, s.clock.Now().UTC())
		if err != nil {
			if closed := (*ClosedError)(nil); errors.As(err, &closed) {
				return r, err
			}
			return nil, err
		}
		err = s.store.Commit(ctx, c)
		if errors.Is(err, ErrConflict) && attempt < maxCASAttempts {
			backoff(attempt)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", c.Records[0].Event, id, err)
		}
		return next, nil
	}
}

// step applies f to a clone of r and checks the resulting transition.
func (s *Service) step(r *Request, actor Actor, now time.Time, f func(*Request, *Package) (Event, string, error)) (*Request, Record, error) {
	pkg, err := s.policy.Package(r.Package)
	if err != nil {
		return nil, Record{}, fmt.Errorf("%s: %w", r.ID, err)
	}
	// A pending request past its deadline can only expire.
	if r.State == StatePending && !now.Before(r.Deadline) && !actor.IsSystem() {
		return nil, Record{}, &ClosedError{ID: r.ID, State: StateExpired}
	}
	next := r.Clone()
	ev, detail, err := f(next, pkg)
	if err != nil {
		return nil, Record{}, err
	}
	to, err := Next(r.State, ev)
	if err != nil {
		return nil, Record{}, fmt.Errorf("%s: %w", r.ID, err)
	}
	next.State = to
	next.Version = r.Version + 1
	next.UpdatedAt = now
	return next, s.record(next, ev, actor, r.State, to, detail), nil
}

func (s *Service) record(r *Request, ev Event, actor Actor, from, to State, detail string) Record {
	return Record{
		RequestID: r.ID, Event: ev, Actor: stripGroups(actor), At: r.UpdatedAt,
		From: from, To: to, Package: r.Package, Target: r.Target.Email, Detail: detail,
	}
}

func stripGroups(a Actor) Actor {
	a.Groups = nil
	a.Name = CleanName(a.Name)
	return a
}

// bound cleans free text from people (CleanText) and trims it to a safe
// length.
func bound(s string) string {
	s = strings.TrimSpace(CleanText(s))
	if utf8.RuneCountInString(s) > 1000 {
		return string([]rune(s)[:1000]) + "…"
	}
	return s
}

// backoff waits a little before re-reading after a lost compare-and-swap,
// so many losers do not retry in lockstep.
func backoff(attempt int) {
	d := time.Duration(rand.N(200*(attempt+1))) * time.Microsecond
	time.Sleep(min(d, 20*time.Millisecond))
}
