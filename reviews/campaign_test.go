package reviews_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/reviews"
)

// seed builds the three ledgers:
//
//	alice  agent: profile, role, grant            (clean)
//	ben    agent: profile, role, grant            (a reviewer of agent)
//	carl   agent: profile, role, no grant         (granted outside chataccess)
//	dora   agent: grant only                      (missing from the Admin Console)
//	erin   agent: role only                       (role without profile)
//	ann    admin: profile, role, adopted grant    (the only approver of admin)
//	mo     Marketo admin, nothing else
func seed(f *fixture) {
	f.t.Helper()
	f.adobe.add("Live Agent", "alice@example.com", "ben@example.com", "carl@example.com")
	f.adobe.add("Marketing Admin", "ann@example.com")
	f.grant("alice@example.com", "agent")
	f.grant("ben@example.com", "agent")
	f.grant("dora@example.com", "agent")
	if _, err := f.svc.Adopt(f.ctx, "ann@example.com", "admin", actor("UROOT"), time.Time{}, "set up before chataccess"); err != nil {
		f.t.Fatal(err)
	}
	login := t0.Add(-72 * time.Hour)
	f.mkto.users = []reviews.MarketoUser{
		{Email: "alice@example.com", Roles: []reviews.RoleAssignment{role("DC Agent")}, LastLogin: login},
		{Email: "ben@example.com", Roles: []reviews.RoleAssignment{role("DC Agent")}},
		{Email: "carl@example.com", Roles: []reviews.RoleAssignment{role("DC Agent")}},
		{Email: "erin@example.com", Roles: []reviews.RoleAssignment{role("DC Agent")}},
		{Email: "ann@example.com", Roles: []reviews.RoleAssignment{role("DC Admin")}},
		{Email: "mo@example.com", Roles: []reviews.RoleAssignment{{RoleName: "Admin"}}, Admin: true},
	}
}

func TestCampaignSnapshotAndDrift(t *testing.T) {
	f := newFixture(t)
	seed(f)
	c, err := f.rv.Start(f.ctx, reviews.Schedule{Name: "q"}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "R-1" || c.Items != 6 || !slices.Equal(c.MarketoAdmins, []string{"mo@example.com"}) {
		t.Fatalf("campaign %+v", c)
	}
	items := f.items(c.ID)
	want := map[string][]reviews.FindingKind{
		"alice@example.com/agent": nil,
		"ben@example.com/agent":   nil,
		"carl@example.com/agent":  {reviews.OutsideBot},
		"dora@example.com/agent":  {reviews.MissingInAdobe},
		"erin@example.com/agent":  {reviews.RoleWithoutProfile},
		"ann@example.com/admin":   nil,
	}
	for _, it := range items {
		k := it.Email + "/" + it.Package
		w, ok := want[k]
		if !ok || !slices.Equal(it.Findings, w) {
			t.Errorf("%s: findings %v, want %v (known %v)", k, it.Findings, w, ok)
		}
	}
	alice := itemOf(items, "alice@example.com", "agent")
	if alice.Grant == nil || alice.Grant.Justification != "covering EMEA" || !slices.Equal(alice.Grant.ApprovedBy, []string{"ann@example.com"}) ||
		!alice.LastLogin.Equal(t0.Add(-72*time.Hour)) || !alice.InMarketo || !slices.Equal(alice.Profiles, []string{"Live Agent"}) {
		t.Fatalf("alice evidence %+v grant %+v", alice, alice.Grant)
	}
	if f.adobe.reads != 2 {
		t.Fatalf("profile reads %d, want one per distinct profile", f.adobe.reads)
	}
	if f.notes.sent[c.ID] != 1 {
		t.Fatalf("review messages sent %d times", f.notes.sent[c.ID])
	}
}

func TestSelfReviewIsNeverAssigned(t *testing.T) {
	f := newFixture(t)
	seed(f)
	c, err := f.rv.Start(f.ctx, reviews.Schedule{Name: "q"}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	items := f.items(c.ID)
	for _, it := range items {
		if len(it.Assignees) == 0 {
			t.Errorf("item %d (%s) has no reviewer", it.Index, it.Email)
		}
		for _, a := range it.Assignees {
			if strings.EqualFold(c.Reviewers[a].Email, it.Email) {
				t.Errorf("item %d of %s is assigned to its holder", it.Index, it.Email)
			}
		}
	}
	ben := itemOf(items, "ben@example.com", "agent")
	if len(ben.Assignees) != 1 || c.Reviewers[ben.Assignees[0]].ID != "UANN" {
		t.Fatalf("ben's item goes to %v", ben.Assignees)
	}
	ann := itemOf(items, "ann@example.com", "admin")
	if len(ann.Assignees) != 1 || c.Reviewers[ann.Assignees[0]].ID != "UROOT" {
		t.Fatalf("ann's item (she is admin's only approver) goes to %v, want the admins", ann.Assignees)
	}
	// Even an admin clicking their own item is refused, and nothing is recorded.
	if _, err := f.rv.Decide(f.ctx, c.ID, ben.Index, actor("UBEN"), reviews.Keep); !errors.Is(err, reviews.ErrSelfReview) {
		t.Fatalf("self decide: %v", err)
	}
	if _, err := f.rv.Decide(f.ctx, c.ID, ann.Index, actor("UANN"), reviews.Keep); !errors.Is(err, reviews.ErrSelfReview) {
		t.Fatalf("self decide: %v", err)
	}
	if _, err := f.rv.Decide(f.ctx, c.ID, ann.Index, actor("ULEAD"), reviews.Revoke); !errors.Is(err, reviews.ErrNotReviewer) {
		t.Fatalf("stranger decide: %v", err)
	}
	for _, it := range f.items(c.ID) {
		if it.Decision != nil {
			t.Fatalf("refused click recorded %+v", it.Decision)
		}
	}
}

func TestDecisionRecordedOnce(t *testing.T) {
	f := newFixture(t)
	seed(f)
	c, err := f.rv.Start(f.ctx, reviews.Schedule{Name: "q"}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	alice := itemOf(f.items(c.ID), "alice@example.com", "agent")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, already := 0, 0
	for i := range 8 {
		who, v := actor("UANN"), reviews.Keep
		if i%2 == 1 {
			who, v = actor("UBEN"), reviews.Revoke
		}
		wg.Go(func() {
			_, err := f.rv.Decide(f.ctx, c.ID, alice.Index, who, v)
			mu.Lock()
			defer mu.Unlock()
			var de *reviews.DecidedError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &de):
				already++
			default:
				t.Errorf("decide: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || already != 7 {
		t.Fatalf("wins %d, already decided %d", wins, already)
	}
	_, err = f.rv.Decide(f.ctx, c.ID, alice.Index, actor("UROOT"), reviews.Keep)
	var de *reviews.DecidedError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "already decided") || (de.Decision.By.ID != "UANN" && de.Decision.By.ID != "UBEN") {
		t.Fatalf("late click: %v", err)
	}
	// A revoke (if it won) submitted exactly one remove request.
	removes := f.removes()
	if de.Decision.Verdict == reviews.Revoke && len(removes) != 1 || de.Decision.Verdict == reviews.Keep && len(removes) != 0 {
		t.Fatalf("verdict %s, removes %d", de.Decision.Verdict, len(removes))
	}
	// Its reason names the review and the reviewer with its message id.
	for _, r := range removes {
		why, ok := r.SystemReason()
		if !ok || why.Key != "reason.review_revoked" || why.Args["Review"] != c.ID || why.Args["Who"] != "ben@example.com" {
			t.Errorf("remove reason %q %q %v, want it with its message id", r.Reason, r.ReasonKey, r.ReasonArgs)
		}
	}
}

// removes lists the remove requests in the ledger.
func (f *fixture) removes() []*approvals.Request {
	f.t.Helper()
	all, err := f.st.List(f.ctx, approvals.AllRequests(), 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []*approvals.Request
	for _, r := range all {
		if r.Kind == approvals.KindRemove {
			out = append(out, r)
		}
	}
	return out
}

func TestDeadlineRevokeRemovesExactlyTheUnreviewed(t *testing.T) {
	f := newFixture(t)
	seed(f)
	sched := reviews.Schedule{Name: "q", Deadline: 7 * 24 * time.Hour, OnNoResponse: reviews.NoResponseRevoke}
	c, err := f.rv.Start(f.ctx, sched, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	items := f.items(c.ID)
	if _, err := f.rv.Decide(f.ctx, c.ID, itemOf(items, "alice@example.com", "agent").Index, actor("UANN"), reviews.Keep); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rv.Decide(f.ctx, c.ID, itemOf(items, "ann@example.com", "admin").Index, actor("UROOT"), reviews.Keep); err != nil {
		t.Fatal(err)
	}
	// Before the deadline nothing happens.
	if err := f.rv.Sweep(f.ctx, t0.Add(6*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.removes()); n != 0 {
		t.Fatalf("%d removes before the deadline", n)
	}
	f.clock.Add(7 * 24 * time.Hour)
	// Two replicas sweep at once: still one removal each.
	other := f.replica("r2", sched)
	var wg sync.WaitGroup
	for _, rv := range []*reviews.Reviews{f.rv, other} {
		wg.Go(func() {
			if err := rv.Sweep(f.ctx, f.clock.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := map[string]*approvals.Request{}
	for _, r := range f.removes() {
		if got[r.Target.Email] != nil {
			t.Fatalf("two removes for %s", r.Target.Email)
		}
		got[r.Target.Email] = r
	}
	want := []string{"ben@example.com", "carl@example.com", "dora@example.com", "erin@example.com"}
	for _, e := range want {
		r := got[e]
		if r == nil {
			t.Fatalf("no remove for unreviewed %s (got %v)", e, got)
		}
		if r.State != approvals.StateApproved || !r.Requester.IsSystem() || !strings.Contains(r.Reason, "review "+c.ID) ||
			len(r.Decisions) != 1 || !r.Decisions[0].Approver.IsSystem() {
			t.Errorf("remove for %s: state %s requester %+v reason %q decisions %+v", e, r.State, r.Requester, r.Reason, r.Decisions)
		}
		if why, ok := r.SystemReason(); !ok || why.Key != "reason.review_no_decision" || why.Args["Review"] != c.ID {
			t.Errorf("remove for %s: reason %q %q %v, want it with its message id", e, r.Reason, r.ReasonKey, r.ReasonArgs)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("removes for %d users, want %d", len(got), len(want))
	}
	if got["ben@example.com"].Revokes == "" || got["carl@example.com"].Revokes != "" {
		t.Errorf("a grant's remove names it; outside access has none: %q %q", got["ben@example.com"].Revokes, got["carl@example.com"].Revokes)
	}
	closed, err := f.st.Review(f.ctx, c.ID)
	if err != nil || closed.Open() {
		t.Fatalf("campaign after deadline: %+v %v", closed, err)
	}
	if len(f.notes.closed) != 1 {
		t.Fatalf("summaries %d", len(f.notes.closed))
	}
	s := f.notes.closed[0]
	if s.Kept != 2 || s.Revoked != 0 || s.Unreviewed != 4 || s.AutoRevoked != 4 || s.Drift != 3 {
		t.Fatalf("summary %+v", s)
	}
	for _, it := range f.items(c.ID) {
		if it.Decision == nil || (it.Decision.Verdict == reviews.Revoke && it.Decision.RequestID == "") {
			t.Errorf("item %s: %+v", it.Email, it.Decision)
		}
	}
	if _, err := f.rv.Decide(f.ctx, c.ID, 1, actor("UROOT"), reviews.Keep); !errors.Is(err, reviews.ErrAlreadyDone) && !errors.Is(err, reviews.ErrClosed) {
		t.Fatalf("decide after close: %v", err)
	}
}

func TestDeadlineEscalateThenKeep(t *testing.T) {
	f := newFixture(t)
	seed(f)
	sched := reviews.Schedule{Name: "q", Deadline: 48 * time.Hour, OnNoResponse: reviews.NoResponseEscalate}
	c, err := f.rv.Start(f.ctx, sched, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(48 * time.Hour)
	if err := f.rv.Sweep(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	esc, _ := f.st.Review(f.ctx, c.ID)
	if !esc.Open() || !esc.Escalated || !esc.Deadline.Equal(f.clock.Now().Add(48*time.Hour)) {
		t.Fatalf("escalated campaign %+v", esc)
	}
	for _, it := range f.items(c.ID) {
		for _, a := range it.Assignees {
			if esc.Reviewers[a].ID != "UROOT" {
				t.Fatalf("item %s still with %s", it.Email, esc.Reviewers[a].ID)
			}
		}
	}
	if len(f.removes()) != 0 {
		t.Fatal("escalation removed access")
	}
	f.clock.Add(48 * time.Hour)
	if err := f.rv.Sweep(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	closed, _ := f.st.Review(f.ctx, c.ID)
	if closed.Open() || len(f.notes.closed) != 1 || f.notes.closed[0].Unreviewed != 6 || len(f.removes()) != 0 {
		t.Fatalf("after second deadline: %+v %+v", closed, f.notes.closed)
	}
}

func TestRemindersOncePerSlot(t *testing.T) {
	f := newFixture(t)
	seed(f)
	sched := reviews.Schedule{Name: "q", Deadline: 7 * 24 * time.Hour, ReminderInterval: 24 * time.Hour, OnNoResponse: reviews.NoResponseKeep}
	if _, err := f.rv.Start(f.ctx, sched, approvals.System, time.Time{}); err != nil {
		t.Fatal(err)
	}
	other := f.replica("r2", sched)
	for _, at := range []time.Duration{time.Hour, 25 * time.Hour, 26 * time.Hour, 49 * time.Hour} {
		for _, rv := range []*reviews.Reviews{f.rv, other} {
			if err := rv.Sweep(f.ctx, t0.Add(at)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(f.notes.reminded) != 2 {
		t.Fatalf("reminders %v, want one at 25h and one at 49h", f.notes.reminded)
	}
	if f.notes.reminded[0][0] == 0 {
		t.Fatalf("pending %v", f.notes.reminded[0])
	}
}

func TestStartReviewRules(t *testing.T) {
	f := newFixture(t)
	seed(f)
	if _, err := f.rv.StartReview(f.ctx, "agent", actor("UANN")); !errors.Is(err, reviews.ErrNotAdmin) {
		t.Fatalf("non-admin: %v", err)
	}
	if _, err := f.rv.StartReview(f.ctx, "nope", actor("UROOT")); !errors.Is(err, approvals.ErrUnknownPackage) {
		t.Fatalf("unknown package: %v", err)
	}
	msg, err := f.rv.StartReview(f.ctx, "agent", actor("UROOT"))
	if err != nil || !strings.Contains(msg.Text, "Review R-1 started for agent: 5 holders") ||
		msg.Key != "reviewstart.started" || msg.Args["Count"] != "5" || msg.Args["DeadlineDateTime"] == "" {
		t.Fatalf("start: %q %v", msg, err)
	}
	if _, err := f.rv.StartReview(f.ctx, "", actor("UROOT")); !errors.Is(err, reviews.ErrAlreadyOpen) {
		t.Fatalf("overlapping start: %v", err)
	}
}

func TestDriftFixes(t *testing.T) {
	f := newFixture(t)
	seed(f)
	c, err := f.rv.Start(f.ctx, reviews.Schedule{Name: "q"}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	items := f.items(c.ID)
	carl, erin, alice := itemOf(items, "carl@example.com", "agent"), itemOf(items, "erin@example.com", "agent"), itemOf(items, "alice@example.com", "agent")
	if _, err := f.rv.Adopt(f.ctx, c.ID, carl.Index, actor("UANN")); !errors.Is(err, reviews.ErrNotAdmin) {
		t.Fatalf("non-admin adopt: %v", err)
	}
	if _, err := f.rv.Adopt(f.ctx, c.ID, alice.Index, actor("UROOT")); !errors.Is(err, reviews.ErrNoDrift) {
		t.Fatalf("adopt without drift: %v", err)
	}
	if _, err := f.rv.Adopt(f.ctx, c.ID, carl.Index, actor("UROOT")); err != nil {
		t.Fatal(err)
	}
	if g, err := f.st.Grant(f.ctx, "carl@example.com", "agent"); err != nil || !g.Adopted {
		t.Fatalf("adopted grant %+v %v", g, err)
	}
	var fe *reviews.FixedError
	if _, err := f.rv.OpenRemove(f.ctx, c.ID, carl.Index, actor("UROOT")); !errors.As(err, &fe) || fe.Fix.Action != reviews.FixAdopt {
		t.Fatalf("second fix: %v", err)
	}
	it, err := f.rv.OpenRemove(f.ctx, c.ID, erin.Index, actor("UROOT"))
	if err != nil || it.Fix.RequestID == "" {
		t.Fatalf("open remove: %+v %v", it, err)
	}
	r, err := f.st.Get(f.ctx, it.Fix.RequestID)
	if err != nil || r.Kind != approvals.KindRemove || r.State != approvals.StatePending || r.Requester.ID != "UROOT" {
		t.Fatalf("remove request %+v %v", r, err)
	}
}

// TestUnresolvedRoleIsANoteNotDrift: when a package's Marketo role does
// not exist (yet), its holders are not compared with Marketo and the
// campaign says why, instead of reporting every holder as drift; the
// other packages are compared as usual.
func TestUnresolvedRoleIsANoteNotDrift(t *testing.T) {
	f := newFixture(t)
	seed(f)
	f.mkto.roles = []marketo.Role{{ID: 1, Name: "Admin"}, {ID: 102, Name: "DC Admin"}}
	c, err := f.rv.Start(f.ctx, reviews.Schedule{Name: "q"}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "The Marketo role of agent could not be resolved") ||
		!strings.Contains(c.Notes[0], `Marketo has no role named "DC Agent"`) {
		t.Fatalf("notes %q", c.Notes)
	}
	items := f.items(c.ID)
	want := map[string][]reviews.FindingKind{
		"alice@example.com/agent": nil,
		"ben@example.com/agent":   nil,
		"carl@example.com/agent":  {reviews.OutsideBot},
		"dora@example.com/agent":  {reviews.MissingInAdobe},
		"ann@example.com/admin":   nil,
	}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d (erin holds only the unresolved role)", len(items), len(want))
	}
	for _, it := range items {
		k := it.Email + "/" + it.Package
		if w, ok := want[k]; !ok || !slices.Equal(it.Findings, w) || (it.Package == "agent" && it.InMarketo) {
			t.Errorf("%s: findings %v in Marketo %v, want %v (known %v)", k, it.Findings, it.InMarketo, w, ok)
		}
	}
	if ann := itemOf(items, "ann@example.com", "admin"); !ann.InMarketo {
		t.Error("the admin package was not compared with Marketo")
	}
}
