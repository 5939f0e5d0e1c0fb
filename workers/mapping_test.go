package workers_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/workers"
)

// TestRoleCreatedAfterFailureRetrySucceeds is the field report: the
// package names a Marketo role that does not exist yet, so the add
// fails with a sentence that says so. The admin creates the role and
// presses Retry: the same workers, without a restart, find the role and
// finish; a new request for another package with that role works too.
func TestRoleCreatedAfterFailureRetrySucceeds(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(2)
	id := r.approved(approvals.KindAdd, "gina@example.com", "broken", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateFailed, approvals.StateCompleted)
	const sentence = `Marketo has no role named "No Such Role"; create it with the "Access Dynamic Chat" permission or fix the policy file`
	if req.State != approvals.StateFailed || !strings.Contains(req.Failure, sentence) {
		t.Fatalf("first attempt: %s %q", req.State, req.Failure)
	}

	role, err := r.sb.Marketo.CreateRole("No Such Role")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Retry(r.ctx, id, root); err != nil {
		t.Fatal(err)
	}
	req = r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted {
		t.Fatalf("retry: %s %q (steps %+v)", req.State, req.Failure, req.Steps)
	}
	if !slices.Contains(r.sb.Marketo.Roles(r.marketoID("gina@example.com")), marketofake.Assignment{RoleID: role.ID, WorkspaceID: r.sb.WorkspaceID()}) {
		t.Fatalf("gina's roles %v lack the new role %d", r.sb.Marketo.Roles(r.marketoID("gina@example.com")), role.ID)
	}
	id2 := r.approved(approvals.KindAdd, "hank@example.com", "alerty", 0)
	if req := r.waitState(id2, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("new request: %s %q", req.State, req.Failure)
	}
}

// TestRoleRecreatedUnderNewID: a role was listed (and kept) under one id,
// then deleted and created again under another. Marketo refuses the old
// id; the workers drop what they kept, resolve the name again and assign
// the new id, in the same attempt.
func TestRoleRecreatedUnderNewID(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(2)
	id := r.approved(approvals.KindAdd, "ivy@example.com", "agent", 0) // keeps the role listing
	if req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("warm-up: %s %q", req.State, req.Failure)
	}
	if err := r.sb.Marketo.DeleteRole(r.sb.RoleID("DC Admin")); err != nil {
		t.Fatal(err)
	}
	role, err := r.sb.Marketo.CreateRole("DC Admin")
	if err != nil {
		t.Fatal(err)
	}
	id = r.approved(approvals.KindAdd, "jon@example.com", "short", time.Hour)
	req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted {
		t.Fatalf("%s %q", req.State, req.Failure)
	}
	if got := r.marketoChanges(); got["add "+r.marketoID("jon@example.com")+" "+itoa(role.ID)] != 1 {
		t.Fatalf("role changes %v, want jon given role %d", got, role.ID)
	}
}

// TestMembershipMissIsReadAgain: a confirmation that found the user
// missing reads the profile again on its next attempt, rather than
// answering from the listing it read before (Adobe's sync lag ends
// between the two).
func TestMembershipMissIsReadAgain(t *testing.T) {
	r := newRig(t, rigOptions{})
	acl, err := adobe.New(r.sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	console := workers.AdobeConsole{Client: acl, Snapshots: &workers.Snapshots{}}
	since := time.Now()
	missing, err := console.Missing(r.ctx, "kim@example.com", []string{"Live Agent"}, since)
	if err != nil || !slices.Equal(missing, []string{"Live Agent"}) {
		t.Fatalf("before: %v, %v", missing, err)
	}
	if err := r.sb.Adobe.AddUser(adobefake.UserSeed{Email: "kim@example.com", Groups: []string{"Live Agent"}}); err != nil {
		t.Fatal(err)
	}
	missing, err = console.Missing(r.ctx, "kim@example.com", []string{"Live Agent"}, since)
	if err != nil || len(missing) != 0 {
		t.Fatalf("after the sync: %v, %v", missing, err)
	}
	// A hit is shared: confirming again reads nothing.
	reads := r.sb.Adobe.Calls(adobefake.KindUsers)
	if _, err := console.Missing(r.ctx, "kim@example.com", []string{"Live Agent"}, since); err != nil || r.sb.Adobe.Calls(adobefake.KindUsers) != reads {
		t.Fatalf("a hit read again (%v)", err)
	}
}

// TestUserMissIsReadAgain: "no such Marketo user" is never answered from
// a scan older than the question; scans stay DirectoryTTL apart.
func TestUserMissIsReadAgain(t *testing.T) {
	r := newRig(t, rigOptions{})
	mcl, err := marketo.New(r.sb.MarketoConfig())
	if err != nil {
		t.Fatal(err)
	}
	m := &workers.MarketoUsers{Client: mcl, DirectoryTTL: 200 * time.Millisecond}
	if _, err := m.FindUser(r.ctx, "lee@example.com"); !errors.Is(err, workers.ErrUserNotFound) {
		t.Fatalf("before: %v", err)
	}
	if err := r.sb.Marketo.AddUser(marketofake.User{EmailAddress: "lee@example.com"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	id, err := m.FindUser(r.ctx, "LEE@example.com")
	if err != nil || id != "lee@example.com" {
		t.Fatalf("after: %q, %v", id, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %s", took)
	}
	calls := r.sb.Marketo.Stats().Calls
	if _, err := m.FindUser(r.ctx, "lee@example.com"); err != nil || r.sb.Marketo.Stats().Calls != calls {
		t.Fatalf("a hit scanned again (%v)", err)
	}
	ctx, cancel := context.WithTimeout(r.ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := m.FindUser(ctx, "nobody@example.com"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a miss within DirectoryTTL of a scan waits for the next one: %v", err)
	}
}

// TestDirectoryBounds: a found id is used for DirectoryMaxAge only, and
// a directory longer than MaxDirectory answers its lookup and is not
// kept.
func TestDirectoryBounds(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, e := range []string{"mia@example.com", "ned@example.com"} {
		if err := r.sb.Marketo.AddUser(marketofake.User{EmailAddress: e}); err != nil {
			t.Fatal(err)
		}
	}
	mcl, err := marketo.New(r.sb.MarketoConfig())
	if err != nil {
		t.Fatal(err)
	}
	scans := func() int { return r.sb.Marketo.Stats().Calls }
	find := func(m *workers.MarketoUsers) {
		t.Helper()
		if id, err := m.FindUser(r.ctx, "mia@example.com"); err != nil || id != "mia@example.com" {
			t.Fatalf("find: %q, %v", id, err)
		}
	}
	aged := &workers.MarketoUsers{Client: mcl, DirectoryTTL: time.Millisecond, DirectoryMaxAge: 20 * time.Millisecond}
	find(aged)
	before := scans()
	find(aged)
	if scans() != before {
		t.Fatal("a fresh hit scanned")
	}
	time.Sleep(30 * time.Millisecond)
	find(aged)
	if scans() == before {
		t.Fatal("a hit older than DirectoryMaxAge did not scan")
	}
	small := &workers.MarketoUsers{Client: mcl, DirectoryTTL: time.Millisecond, MaxDirectory: 1}
	find(small)
	before = scans()
	find(small)
	if scans() == before {
		t.Fatal("a directory over MaxDirectory was kept")
	}
}
