package workers_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/workers"
)

// hasRole says whether the person holds "DC Agent" in the default
// workspace of the default Marketo instance.
func (r *rig) hasRole(email string) bool {
	role := marketofake.Assignment{RoleID: r.sb.RoleID("DC Agent"), WorkspaceID: r.sb.WorkspaceID()}
	return slices.Contains(r.sb.Marketo.Roles(r.marketoID(email)), role)
}

// completed submits and approves a request for a group and waits for it
// to complete.
func (r *rig) groupCompleted(kind approvals.Kind, group, pkg string) *approvals.Request {
	r.t.Helper()
	req, err := r.groupRequest(kind, group, pkg)
	if err != nil {
		r.t.Fatal(err)
	}
	if req = r.waitState(req.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		r.t.Fatalf("%s %s: %s %q %+v", kind, group, req.State, req.Failure, req.Steps)
	}
	return req
}

// revoked revokes a grant and waits for the removal to complete.
func (r *rig) revoked(key, pkg string) *approvals.Request {
	r.t.Helper()
	rm, err := r.svc.Revoke(r.ctx, key, pkg, root, "no longer needed")
	if err != nil {
		r.t.Fatal(err)
	}
	if rm = r.waitState(rm.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); rm.State != approvals.StateCompleted {
		r.t.Fatalf("revoke %s: %s %q %+v", key, rm.State, rm.Failure, rm.Steps)
	}
	return rm
}

// auditDetails are the details of every audit entry.
func (r *rig) auditDetails() string {
	r.t.Helper()
	var b strings.Builder
	err := r.st.AuditEntries(r.ctx, func(e store.AuditEntry) error {
		var d struct{ Detail string }
		if err := json.Unmarshal([]byte(e.Details), &d); err == nil {
			b.WriteString(d.Detail + "\n")
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return b.String()
}

// TestGroupRemovalKeepsOtherGroupsHolders: bo is in two granted user
// groups; revoking one group's grant leaves bo the Marketo role, since
// "Night Shift" still holds Live Agent (the Admin Console still says bo
// holds it), and later group passes have nothing to repair.
func TestGroupRemovalKeepsOtherGroupsHolders(t *testing.T) {
	r := groupRig(t)
	r.sb.Adobe.AddUserGroup("Night Shift")
	if err := r.sb.Adobe.AddMember("bo@example.com", "Night Shift"); err != nil {
		t.Fatal(err)
	}
	r.start(2)
	r.groupCompleted(approvals.KindAdd, "EMEA Chat Agents", "agent")
	r.groupCompleted(approvals.KindAdd, "Night Shift", "agent")
	if _, err := r.exec.SyncGroups(r.ctx, r.st); err != nil {
		t.Fatal(err)
	}
	rm := r.revoked("group:emea chat agents", "agent")
	if !r.sb.Adobe.Holds("bo@example.com", "Live Agent") {
		t.Fatal("setup: the Admin Console no longer says bo holds Live Agent")
	}
	if !r.hasRole("bo@example.com") {
		t.Fatalf("bo lost the role though Night Shift holds Live Agent: %q", rm.Step(workers.StepMarketo).Detail)
	}
	if !r.hasRole("ada@example.com") {
		t.Error("ada, a direct member of Live Agent, lost the role")
	}
	if d := rm.Step(workers.StepMarketo).Detail; !strings.Contains(d, "2 kept it") {
		t.Errorf("marketo step %q", d)
	}
	sum, err := r.exec.SyncGroups(r.ctx, r.st)
	if err != nil || sum.Joined+sum.Left != 0 || !r.hasRole("bo@example.com") {
		t.Fatalf("pass %+v %v, bo has the role: %v", sum, err, r.hasRole("bo@example.com"))
	}
}

// TestGroupRemovalAskTheAdminConsole: user groups the bot never granted
// count by what the Admin Console says. "Day Shift" was given Live Agent
// by an admin, so bo (also in it) keeps the role; "Book Club" holds
// nothing, and its only member fay, who held Live Agent only through the
// revoked group, loses it (her being a holder says nothing about Book
// Club while the revoked group still holds the profile).
func TestGroupRemovalAskTheAdminConsole(t *testing.T) {
	r := groupRig(t)
	r.sb.Adobe.AddUserGroup("Day Shift")
	r.sb.Adobe.AddUserGroup("Book Club")
	for _, u := range []adobefake.UserSeed{
		{Email: "eve@example.com", Groups: []string{"Day Shift"}},
		{Email: "fay@example.com", Groups: []string{"EMEA Chat Agents", "Book Club"}},
	} {
		if err := r.sb.Adobe.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.sb.Adobe.AddMember("bo@example.com", "Day Shift"); err != nil {
		t.Fatal(err)
	}
	if err := r.sb.Adobe.AssignProfile("Day Shift", "Live Agent"); err != nil {
		t.Fatal(err)
	}
	if err := r.sb.Marketo.AddUser(marketofake.User{EmailAddress: "fay@example.com"}); err != nil {
		t.Fatal(err)
	}
	r.start(2)
	r.groupCompleted(approvals.KindAdd, "EMEA Chat Agents", "agent")
	if !r.hasRole("fay@example.com") || !r.hasRole("bo@example.com") {
		t.Fatal("setup: the members lack the role")
	}
	r.revoked("group:emea chat agents", "agent")
	if !r.hasRole("bo@example.com") {
		t.Error("bo lost the role though Day Shift holds Live Agent")
	}
	if r.hasRole("fay@example.com") {
		t.Error("fay kept the role though no group of hers holds Live Agent any more")
	}
}

// TestPersonalRevokeKeepsGroupHolding: bo holds agent through the
// granted user group and asks for it personally too; revoking the
// personal grant takes bo off the profile directly but leaves the
// Marketo role, and the step and the audit say why.
func TestPersonalRevokeKeepsGroupHolding(t *testing.T) {
	r := groupRig(t)
	r.start(2)
	r.groupCompleted(approvals.KindAdd, "EMEA Chat Agents", "agent")
	if _, err := r.exec.SyncGroups(r.ctx, r.st); err != nil {
		t.Fatal(err)
	}
	id := r.approved(approvals.KindAdd, "bo@example.com", "agent", 0)
	if req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("personal add: %s %q", req.State, req.Failure)
	}
	rm := r.revoked("bo@example.com", "agent")
	if !r.sb.Adobe.Holds("bo@example.com", "Live Agent") || slices.Contains(r.sb.Adobe.Members("Live Agent"), "bo@example.com") {
		t.Fatal("the Admin Console step should take bo's direct membership only")
	}
	if !r.hasRole("bo@example.com") {
		t.Fatalf("bo lost the role though the group holds agent: %q", rm.Step(workers.StepMarketo).Detail)
	}
	want := `kept: still holds agent through user group "EMEA Chat Agents"`
	if st := rm.Step(workers.StepMarketo); st == nil || st.Detail != want || st.DetailKey == "" {
		t.Errorf("marketo step %+v", st)
	}
	if !strings.Contains(r.auditDetails(), want) {
		t.Error("the audit does not say why the role was kept")
	}
	// A person with no group holding the package loses the role as before.
	if err := r.sb.Marketo.AddUser(marketofake.User{EmailAddress: "solo@example.com"}); err != nil {
		t.Fatal(err)
	}
	id = r.approved(approvals.KindAdd, "solo@example.com", "agent", 0)
	if req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("solo add: %s %q", req.State, req.Failure)
	}
	r.revoked("solo@example.com", "agent")
	if r.hasRole("solo@example.com") {
		t.Error("solo kept the role")
	}
}

// TestGroupPassRestoresMissingRole: a member of a group with an active
// grant who lost the role (an admin took it in Marketo) gets it back on
// a later group pass, with an audit entry.
func TestGroupPassRestoresMissingRole(t *testing.T) {
	r := groupRig(t)
	r.start(2)
	req := r.groupCompleted(approvals.KindAdd, "EMEA Chat Agents", "agent")
	if _, err := r.exec.SyncGroups(r.ctx, r.st); err != nil {
		t.Fatal(err)
	}
	mcl, err := marketo.New(r.sb.MarketoConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mcl.RemoveRole(r.ctx, r.marketoID("bo@example.com"), r.sb.RoleID("DC Agent"), r.sb.WorkspaceID()); err != nil || r.hasRole("bo@example.com") {
		t.Fatalf("setup: %v", err)
	}
	if sum, err := r.exec.SyncGroups(r.ctx, r.st); err != nil || sum.Restored != 1 {
		t.Fatalf("pass %+v %v", sum, err)
	}
	if !r.hasRole("bo@example.com") {
		t.Fatal("the group pass did not give bo the role back")
	}
	restored := r.groupAudit(approvals.EventGroupRestore)
	if len(restored) != 1 || !strings.Contains(restored[0], "bo@example.com: ") || !strings.Contains(restored[0], "restored") || !strings.Contains(restored[0], req.ID) {
		t.Errorf("audit %q", restored)
	}
}
