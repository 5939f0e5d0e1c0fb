package approvals_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/approvals/approvalstest"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	lead   = approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: "slack"}
	appr1  = approvals.Actor{ID: "UAPP1", Email: "ann@example.com", Platform: "slack"}
	appr2  = approvals.Actor{ID: "UAPP2", Email: "ben@example.com", Platform: "slack"}
	appr3  = approvals.Actor{ID: "UAPP3", Platform: "slack", Groups: []string{"SAPPROVERS"}}
	admin  = approvals.Actor{ID: "UADM", Email: "root@example.com", Platform: "slack"}
	nobody = approvals.Actor{ID: "UNOPE", Email: "eve@example.com", Platform: "slack"}
)

func testPolicy() *approvals.Policy {
	return &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Emails: []string{"root@example.com"}},
		Packages: map[string]*approvals.Package{
			"agent": {
				Name:        "agent",
				Profiles:    []approvals.ProductProfile{{Name: "Live Agent", Product: "Dynamic Chat"}},
				MarketoRole: approvals.MarketoRef{Name: "DC Agent"},
				Approvers: approvals.Audience{
					Emails: []string{"ann@example.com", "ben@example.com", "lead@example.com"},
					Groups: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "SAPPROVERS"}},
				},
				MinApprovals:    2,
				DefaultDuration: 30 * 24 * time.Hour,
				MaxDuration:     90 * 24 * time.Hour,
				ApprovalTimeout: 72 * time.Hour,
			},
			"viewer": {
				Name:           "viewer",
				Approvers:      approvals.Audience{Emails: []string{"ann@example.com"}},
				MinApprovals:   1,
				AllowPermanent: true,
				AutoApprove:    approvals.AutoApprove{Removals: true},
			},
		},
	}
}

type fixture struct {
	svc   *approvals.Service
	st    *approvalstest.Store
	clock *fakeClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := approvalstest.NewStore()
	clock := &fakeClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	return &fixture{svc: approvals.NewService(testPolicy(), st, clock), st: st, clock: clock}
}

func (f *fixture) submit(t *testing.T, in approvals.SubmitInput) *approvals.Request {
	t.Helper()
	if in.Kind == "" {
		in.Kind = approvals.KindAdd
	}
	if in.Package == "" {
		in.Package = "agent"
	}
	if in.Target.Email == "" {
		in.Target.Email = "alice@example.com"
	}
	if in.Justification == "" {
		in.Justification = "covering EMEA"
	}
	if in.Requester.ID == "" {
		in.Requester = lead
	}
	r, err := f.svc.Submit(context.Background(), in)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return r
}

// snapshot captures what bad input must leave untouched.
type snapshot struct {
	version int64
	state   approvals.State
	audit   int
}

func (f *fixture) snap(t *testing.T, id string) snapshot {
	t.Helper()
	var s snapshot
	if id != "" {
		r, err := f.st.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		s.version, s.state = r.Version, r.State
	}
	s.audit = len(f.records(t))
	return s
}

// records returns every record the service committed, oldest first.
func (f *fixture) records(t *testing.T) []approvals.Record {
	t.Helper()
	recs, err := f.st.Records(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// trail returns the events recorded for one request, oldest first.
func (f *fixture) trail(t *testing.T, id string) []approvals.Event {
	t.Helper()
	var evs []approvals.Event
	for _, r := range f.records(t) {
		if r.RequestID == id {
			evs = append(evs, r.Event)
		}
	}
	return evs
}

func TestSubmitRejectsBadInputAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	open := f.submit(t, approvals.SubmitInput{Target: approvals.Target{Email: "dup@example.com"}})
	before := f.snap(t, "")
	restricted := testPolicy()
	restricted.Requesters = approvals.Audience{Emails: []string{"lead@example.com"}}
	for _, tc := range []struct {
		name string
		in   approvals.SubmitInput
		want error
		text string
	}{
		{"unknown package", approvals.SubmitInput{Package: "superuser"}, approvals.ErrUnknownPackage, `unknown package "superuser" (known: agent, viewer)`},
		{"malformed email", approvals.SubmitInput{Target: approvals.Target{Email: "bob@"}}, approvals.ErrInvalidEmail, `"bob@" is not an email`},
		{"duration over max", approvals.SubmitInput{Duration: 120 * 24 * time.Hour}, approvals.ErrDurationTooLong, "allows at most 90d"},
		{"permanent not allowed", approvals.SubmitInput{Permanent: true}, approvals.ErrDurationRequired, "at most 90d"},
		{"empty justification", approvals.SubmitInput{Justification: "   "}, approvals.ErrJustification, "reason is required"},
		{"long justification", approvals.SubmitInput{Justification: strings.Repeat("x", 501)}, approvals.ErrJustification, "501 characters, at most 500"},
		{"duplicate open request", approvals.SubmitInput{Target: approvals.Target{Email: "dup@example.com"}}, approvals.ErrDuplicateRequest, open.ID},
		{"bad kind", approvals.SubmitInput{Kind: "grant"}, approvals.ErrInvalidTransition, "kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.Justification == "" {
				in.Justification = "covering EMEA"
			} else if strings.TrimSpace(in.Justification) == "" {
				in.Justification = " "
			}
			if in.Kind == "" {
				in.Kind = approvals.KindAdd
			}
			if in.Package == "" {
				in.Package = "agent"
			}
			if in.Target.Email == "" {
				in.Target.Email = "alice@example.com"
			}
			in.Requester = lead
			r, err := f.svc.Submit(ctx, in)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("Submit = %v, %v; want %v containing %q", r, err, tc.want, tc.text)
			}
			if after := f.snap(t, ""); after != before {
				t.Fatalf("ledger changed: %+v -> %+v", before, after)
			}
		})
	}
	t.Run("requester not allowed", func(t *testing.T) {
		svc := approvals.NewService(restricted, f.st, f.clock)
		_, err := svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent", Target: approvals.Target{Email: "x@example.com"}, Justification: "x", Requester: nobody})
		if !errors.Is(err, approvals.ErrNotRequester) {
			t.Fatalf("err = %v", err)
		}
		if after := f.snap(t, ""); after != before {
			t.Fatalf("ledger changed: %+v -> %+v", before, after)
		}
	})
}

func TestDecisionErrorsChangeNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.submit(t, approvals.SubmitInput{})
	if _, err := f.svc.Approve(ctx, r.ID, appr1, ""); err != nil {
		t.Fatal(err)
	}
	closed := f.submit(t, approvals.SubmitInput{Target: approvals.Target{Email: "carol@example.com"}})
	if _, err := f.svc.Deny(ctx, closed.ID, appr1, "no"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
		id   string
		want error
	}{
		{"self approval", func() error { _, err := f.svc.Approve(ctx, r.ID, lead, ""); return err }, r.ID, approvals.ErrSelfApproval},
		{"not an approver", func() error { _, err := f.svc.Approve(ctx, r.ID, nobody, ""); return err }, r.ID, approvals.ErrNotApprover},
		{"admin is not an approver", func() error { _, err := f.svc.Approve(ctx, r.ID, admin, ""); return err }, r.ID, approvals.ErrNotApprover},
		{"same approver twice", func() error { _, err := f.svc.Approve(ctx, r.ID, appr1, ""); return err }, r.ID, approvals.ErrAlreadyDecided},
		{"same approver denies after approving", func() error { _, err := f.svc.Deny(ctx, r.ID, appr1, ""); return err }, r.ID, approvals.ErrAlreadyDecided},
		{"approve closed", func() error { _, err := f.svc.Approve(ctx, closed.ID, appr2, ""); return err }, closed.ID, approvals.ErrRequestClosed},
		{"deny closed", func() error { _, err := f.svc.Deny(ctx, closed.ID, appr2, ""); return err }, closed.ID, approvals.ErrRequestClosed},
		{"cancel closed", func() error { _, err := f.svc.Cancel(ctx, closed.ID, lead); return err }, closed.ID, approvals.ErrRequestClosed},
		{"cancel by stranger", func() error { _, err := f.svc.Cancel(ctx, r.ID, nobody); return err }, r.ID, approvals.ErrNotAllowed},
		{"approve missing", func() error { _, err := f.svc.Approve(ctx, "DC-999999", appr1, ""); return err }, "", approvals.ErrNotFound},
		{"deny missing", func() error { _, err := f.svc.Deny(ctx, "DC-999999", appr1, ""); return err }, "", approvals.ErrNotFound},
		{"cancel missing", func() error { _, err := f.svc.Cancel(ctx, "DC-999999", lead); return err }, "", approvals.ErrNotFound},
		{"expire before deadline", func() error { _, err := f.svc.Expire(ctx, r.ID); return err }, r.ID, approvals.ErrNotAllowed},
		{"retry by non-admin", func() error { _, err := f.svc.Retry(ctx, r.ID, lead); return err }, r.ID, approvals.ErrNotAllowed},
		{"complete pending", func() error { _, err := f.svc.Complete(ctx, r.ID); return err }, r.ID, approvals.ErrInvalidTransition},
		{"revoke by non-admin", func() error { _, err := f.svc.Revoke(ctx, "alice@example.com", "agent", lead, ""); return err }, "", approvals.ErrNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snap(t, tc.id)
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if after := f.snap(t, tc.id); after != before {
				t.Fatalf("ledger changed: %+v -> %+v", before, after)
			}
		})
	}
}

func TestApprovalFlowAndGrantClockStartsAtCompletion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.submit(t, approvals.SubmitInput{Duration: 30 * 24 * time.Hour})
	if r.State != approvals.StatePending || !strings.HasPrefix(r.ID, "DC-") {
		t.Fatalf("submitted %+v", r)
	}
	r, err := f.svc.Approve(ctx, r.ID, appr1, "ok")
	if err != nil || r.State != approvals.StatePending || r.Approvals() != 1 {
		t.Fatalf("first approval: %v %+v", err, r)
	}
	// A group member counts as an approver.
	r, err = f.svc.Approve(ctx, r.ID, appr3, "")
	if err != nil || r.State != approvals.StateApproved {
		t.Fatalf("second approval: %v %+v", err, r)
	}
	f.clock.Add(3 * time.Hour) // execution happens later than approval
	if r, err = f.svc.StartExecution(ctx, r.ID); err != nil || r.State != approvals.StateExecuting || r.Executions != 1 {
		t.Fatalf("start: %v %+v", err, r)
	}
	if r, err = f.svc.Progress(ctx, r.ID, approvals.Step{Name: "adobe", Status: approvals.StepDone}); err != nil || r.Step("adobe").Status != approvals.StepDone {
		t.Fatalf("progress: %v", err)
	}
	grantedAt := f.clock.Now()
	if r, err = f.svc.Complete(ctx, r.ID); err != nil || r.State != approvals.StateCompleted {
		t.Fatalf("complete: %v %+v", err, r)
	}
	g, err := f.st.Grant(ctx, "alice@example.com", "agent")
	if err != nil {
		t.Fatal(err)
	}
	if !g.Since.Equal(grantedAt) || !g.Until.Equal(grantedAt.Add(30*24*time.Hour)) {
		t.Fatalf("grant window %v..%v, want from %v", g.Since, g.Until, grantedAt)
	}
	if len(g.ApprovedBy) != 2 {
		t.Fatalf("approved by %v", g.ApprovedBy)
	}
	exp, err := f.st.ExpiringBefore(ctx, grantedAt.Add(31*24*time.Hour), 10)
	if err != nil || len(exp) != 1 {
		t.Fatalf("expiring: %v %v", exp, err)
	}

	// Revoke: a system-approved remove that ends the add request.
	rm, err := f.svc.Revoke(ctx, "alice@example.com", "agent", admin, "left the team")
	if err != nil || rm.State != approvals.StateApproved || rm.Revokes != r.ID {
		t.Fatalf("revoke: %v %+v", err, rm)
	}
	if _, err = f.svc.StartExecution(ctx, rm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = f.svc.Complete(ctx, rm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Grant(ctx, "alice@example.com", "agent"); !errors.Is(err, approvals.ErrNoGrant) {
		t.Fatalf("grant still there: %v", err)
	}
	add, _ := f.st.Get(ctx, r.ID)
	if add.State != approvals.StateRevoked {
		t.Fatalf("add request is %s, want revoked", add.State)
	}
	// Every step of both requests is in the trail, in order. (That the
	// Redis trail's hash chain verifies is the store's own test.)
	for id, want := range map[string][]approvals.Event{
		r.ID:  {approvals.EventSubmit, approvals.EventVote, approvals.EventApprove, approvals.EventStart, approvals.EventProgress, approvals.EventComplete, approvals.EventRevoke},
		rm.ID: {approvals.EventApprove, approvals.EventStart, approvals.EventComplete},
	} {
		if got := f.trail(t, id); !slices.Equal(got, want) {
			t.Fatalf("audit trail of %s: %v, want %v", id, got, want)
		}
	}
}

func TestAutoApproveRemovalAndFailRetry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.submit(t, approvals.SubmitInput{Kind: approvals.KindRemove, Package: "viewer"})
	if r.State != approvals.StateApproved || len(r.Decisions) != 1 || !r.Decisions[0].Approver.IsSystem() {
		t.Fatalf("auto-approve: %+v", r)
	}
	if _, err := f.svc.StartExecution(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ = f.svc.Fail(ctx, r.ID, "Adobe says the user does not exist"); r.State != approvals.StateFailed {
		t.Fatalf("fail: %+v", r)
	}
	// The failed request no longer blocks a new one.
	f.submit(t, approvals.SubmitInput{Kind: approvals.KindRemove, Package: "viewer", Target: approvals.Target{Email: "alice@example.com"}})
	r, err := f.svc.Retry(ctx, r.ID, admin)
	if err != nil || r.State != approvals.StateApproved || r.Failure != "" {
		t.Fatalf("retry: %v %+v", err, r)
	}
}

func TestExpireAfterDeadline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.submit(t, approvals.SubmitInput{})
	f.clock.Add(73 * time.Hour)
	if _, err := f.svc.Approve(ctx, r.ID, appr1, ""); !errors.Is(err, approvals.ErrRequestClosed) {
		t.Fatalf("approve after deadline: %v", err)
	}
	r, err := f.svc.Expire(ctx, r.ID)
	if err != nil || r.State != approvals.StateExpired {
		t.Fatalf("expire: %v %+v", err, r)
	}
	// The expired request frees the slot for a new one.
	f.submit(t, approvals.SubmitInput{})
}

func TestCancelByRequesterAndAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.submit(t, approvals.SubmitInput{})
	if r, err := f.svc.Cancel(ctx, r.ID, lead); err != nil || r.State != approvals.StateCancelled {
		t.Fatalf("cancel: %v", err)
	}
	r = f.submit(t, approvals.SubmitInput{})
	if r, err := f.svc.Cancel(ctx, r.ID, admin); err != nil || r.State != approvals.StateCancelled {
		t.Fatalf("admin cancel: %v", err)
	}
}

func TestRemindOncePerInterval(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.submit(t, approvals.SubmitInput{})
	if _, err := f.svc.Remind(ctx, r.ID, time.Hour); !errors.Is(err, approvals.ErrNotAllowed) {
		t.Fatalf("remind too early: %v", err)
	}
	f.clock.Add(time.Hour)
	if _, err := f.svc.Remind(ctx, r.ID, time.Hour); err != nil {
		t.Fatalf("remind: %v", err)
	}
	if _, err := f.svc.Remind(ctx, r.ID, time.Hour); !errors.Is(err, approvals.ErrNotAllowed) {
		t.Fatalf("second remind in the same interval: %v", err)
	}
}

func TestAdoptGrant(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Adopt(ctx, "zed@example.com", "agent", lead, time.Time{}, "found in review"); !errors.Is(err, approvals.ErrNotAllowed) {
		t.Fatalf("non-admin adopt: %v", err)
	}
	g, err := f.svc.Adopt(ctx, "Zed@Example.com", "agent", admin, time.Time{}, "found in review")
	if err != nil || !g.Adopted || g.Email != "zed@example.com" {
		t.Fatalf("adopt: %+v %v", g, err)
	}
	if _, err := f.st.Grant(ctx, "zed@example.com", "agent"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Adopt(ctx, "zed@example.com", "agent", admin, time.Time{}, ""); !errors.Is(err, approvals.ErrNotAllowed) {
		t.Fatalf("second adopt: %v", err)
	}
	// An adopted grant can be revoked like any other.
	if r, err := f.svc.Revoke(ctx, "zed@example.com", "agent", admin, "not needed"); err != nil || r.State != approvals.StateApproved {
		t.Fatalf("revoke adopted: %v", err)
	}
	recs := f.records(t)
	if len(recs) != 2 {
		t.Fatalf("audit trail: %+v, want the adoption and the revoke", recs)
	}
	if a := recs[0]; a.Event != approvals.EventAdopt || a.Target != "zed@example.com" || a.Package != "agent" || !a.Actor.Same(admin) {
		t.Fatalf("adoption record: %+v", a)
	}
	if rv := recs[1]; rv.Event != approvals.EventApprove || rv.Target != "zed@example.com" || rv.To != approvals.StateApproved {
		t.Fatalf("revoke record: %+v", rv)
	}
}
