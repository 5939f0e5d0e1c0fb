package approvals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The execution half of the lifecycle: approved → executing → completed
// or failed, and what ends a grant (revoke, adopt).

// StartExecution moves an approved request to executing, or resumes one
// that is already executing (after a crash or a reschedule).
func (s *Service) StartExecution(ctx context.Context, id string) (*Request, error) {
	return s.mutate(ctx, id, System, func(r *Request, _ *Package, now time.Time) (Event, string, error) {
		if r.State == StateApproved {
			r.Executions++
			r.StartedAt = now
		}
		return EventStart, "", nil
	})
}

// Progress records the state of one execution step.
func (s *Service) Progress(ctx context.Context, id string, st Step) (*Request, error) {
	return s.mutate(ctx, id, System, func(r *Request, _ *Package, now time.Time) (Event, string, error) {
		if st.At.IsZero() {
			st.At = now
		}
		if cur := r.Step(st.Name); cur != nil {
			*cur = st
		} else {
			r.Steps = append(r.Steps, st)
		}
		return EventProgress, fmt.Sprintf("%s: %s %s", st.Name, st.Status, st.Detail), nil
	})
}

// Complete finishes execution. An add creates the grant; the duration
// clock starts now. A remove deletes the grant and moves the add request
// it ends to revoked.
func (s *Service) Complete(ctx context.Context, id string) (*Request, error) {
	return s.commitLoop(ctx, id, func(r *Request, now time.Time) (*Request, Change, error) {
		next, rec, err := s.step(r, System, now, func(n *Request, _ *Package) (Event, string, error) {
			if n.Kind == KindAdd {
				n.GrantedAt = now
				if n.Duration > 0 {
					n.GrantedUntil = now.Add(n.Duration)
				}
			}
			return EventComplete, "", nil
		})
		if err != nil {
			return nil, Change{}, err
		}
		c := Change{Requests: []Write{{Prev: r, Next: next}}, Records: []Record{rec}}
		if next.Kind == KindAdd {
			c.PutGrants = []Grant{grantOf(next)}
			return next, c, nil
		}
		c.DeleteGrants = []GrantKey{{Email: next.Target.Email, Package: next.Package}}
		w, rec, err := s.revokeWrite(ctx, next, now)
		if err != nil {
			return nil, Change{}, err
		}
		if w != nil {
			c.Requests = append(c.Requests, *w)
			c.Records = append(c.Records, rec)
		}
		return next, c, nil
	})
}

// revokeWrite returns the write that moves the add request a completed
// remove ends to revoked, or nil when there is none in state completed.
func (s *Service) revokeWrite(ctx context.Context, remove *Request, now time.Time) (*Write, Record, error) {
	if remove.Revokes == "" {
		return nil, Record{}, nil
	}
	add, err := s.store.Get(ctx, remove.Revokes)
	if errors.Is(err, ErrNotFound) {
		return nil, Record{}, nil
	}
	if err != nil {
		return nil, Record{}, err
	}
	if add.State != StateCompleted {
		return nil, Record{}, nil
	}
	why := Sentence{Text: remove.Reason}
	if s, ok := remove.SystemReason(); ok {
		why = s
	} else if why.Text == "" {
		why = Say("removed by "+remove.ID, "reason.removed_by", map[string]string{"ID": remove.ID})
	}
	next, rec, err := s.step(add, System, now, func(*Request, *Package) (Event, string, error) {
		return EventRevoke, why.Text, nil
	})
	if err != nil {
		return nil, Record{}, err
	}
	rec.DetailKey, rec.DetailArgs = why.Key, cloneArgs(why.Args)
	return &Write{Prev: add, Next: next}, rec, nil
}

func grantOf(r *Request) Grant {
	g := Grant{
		Email: r.Target.Email, Package: r.Package, RequestID: r.ID,
		Since: r.GrantedAt, Until: r.GrantedUntil,
		Requester: r.Requester.Label(), Justification: r.Justification,
	}
	for _, d := range r.Decisions {
		if d.Verdict == Approve {
			g.ApprovedBy = append(g.ApprovedBy, d.Approver.Label())
		}
	}
	return g
}

// Fail ends execution with a sentence a person understands.
func (s *Service) Fail(ctx context.Context, id string, reason string) (*Request, error) {
	return s.FailWith(ctx, id, Sentence{Text: reason})
}

// FailWith is Fail with the sentence's message id and arguments, so
// each reader sees it in their language.
func (s *Service) FailWith(ctx context.Context, id string, why Sentence) (*Request, error) {
	return s.mutate(ctx, id, System, func(r *Request, _ *Package, _ time.Time) (Event, string, error) {
		r.Failure = bound(why.Text)
		r.FailureKey, r.FailureArgs = why.Key, cloneArgs(why.Args)
		return EventFail, r.Failure, nil
	})
}

// Retry sends a failed request back to approved so workers run it again.
// Only admins may retry.
func (s *Service) Retry(ctx context.Context, id string, who Actor) (*Request, error) {
	return s.mutate(ctx, id, who, func(r *Request, _ *Package, _ time.Time) (Event, string, error) {
		if !who.IsSystem() && !s.IsAdmin(who) {
			return "", "", fmt.Errorf("%w: only admins can retry %s", ErrNotAllowed, r.ID)
		}
		r.Failure, r.FailureKey, r.FailureArgs = "", "", nil
		return EventRetry, "", nil
	})
}

// Revoke ends a live grant early: it submits a system-approved remove
// request that runs through the workers like any other. Only admins and
// the system may revoke. reason is a person's text, shown as given.
func (s *Service) Revoke(ctx context.Context, email, pkg string, who Actor, reason string) (*Request, error) {
	return s.RevokeWith(ctx, email, pkg, who, Sentence{Text: reason})
}

// RevokeWith is Revoke with a reason the system wrote, stored with its
// message id and arguments so each reader sees it in their language.
func (s *Service) RevokeWith(ctx context.Context, email, pkg string, who Actor, why Sentence) (*Request, error) {
	if !who.IsSystem() && !s.IsAdmin(who) {
		return nil, fmt.Errorf("%w: only admins can revoke access", ErrNotAllowed)
	}
	g, err := s.store.Grant(ctx, strings.ToLower(email), strings.ToLower(pkg))
	if err != nil {
		return nil, err
	}
	if why.Text == "" {
		why = Say("revoked by "+who.Label(), "reason.revoked_by", map[string]string{"Who": who.Label()})
	}
	return s.Submit(ctx, SubmitInput{
		Kind: KindRemove, Target: Target{Email: g.Email}, Package: g.Package,
		Justification: why.Text, Reason: why.Text, ReasonKey: why.Key, ReasonArgs: why.Args,
		Revokes: g.RequestID, Requester: System, Origin: who.Platform,
	})
}

// Adopt records access that was granted outside chataccess (found by an
// access review) as a grant in the ledger, so it is reviewed, expires
// and can be revoked like any other. Only admins may adopt. until may be
// zero for a permanent grant. The audit trail records who adopted it.
func (s *Service) Adopt(ctx context.Context, email, pkg string, who Actor, until time.Time, note string) (*Grant, error) {
	if !s.IsAdmin(who) {
		return nil, fmt.Errorf("%w: only admins can adopt access into the ledger", ErrNotAllowed)
	}
	p, err := s.policy.Package(pkg)
	if err != nil {
		return nil, err
	}
	addr, err := ParseEmail(email)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.Grant(ctx, addr, p.Name); err == nil {
		return nil, fmt.Errorf("%w: %s already holds %s in the ledger", ErrNotAllowed, addr, p.Name)
	} else if !errors.Is(err, ErrNoGrant) {
		return nil, err
	}
	now := s.clock.Now().UTC()
	g := Grant{
		Email: addr, Package: p.Name, Since: now, Until: until, Adopted: true,
		ApprovedBy: []string{who.Label()}, Requester: who.Label(), Justification: bound(note),
	}
	rec := Record{
		Event: EventAdopt, Actor: stripGroups(who), At: now, Package: p.Name, Target: addr,
		Detail: "adopted access granted outside chataccess; " + bound(note),
	}
	if err := s.store.Commit(ctx, Change{PutGrants: []Grant{g}, Records: []Record{rec}}); err != nil {
		return nil, fmt.Errorf("adopt %s/%s: %w", addr, p.Name, err)
	}
	return &g, nil
}
