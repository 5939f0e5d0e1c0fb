package workers_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/store"
)

// groupAudit returns the details of the audit entries of event ev.
func (r *rig) groupAudit(ev approvals.Event) []string {
	r.t.Helper()
	var out []string
	err := r.st.AuditEntries(r.ctx, func(e store.AuditEntry) error {
		if e.Action == string(ev) {
			var d struct{ Target, Detail string }
			if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
				return err
			}
			out = append(out, d.Target+": "+d.Detail)
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// TestGroupPass: after a group's grant, the pass takes a member
// snapshot (once a slot across replicas), then brings later joiners and
// leavers in line: a joiner gets the role, a leaver loses it, a leaver
// who holds the package directly keeps it; each with an audit entry.
func TestGroupPass(t *testing.T) {
	r := groupRig(t)
	r.start(2)
	req, err := r.groupRequest(approvals.KindAdd, "EMEA Chat Agents", "agent")
	if err != nil {
		t.Fatal(err)
	}
	if req = r.waitState(req.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("add: %s %q", req.State, req.Failure)
	}
	sum, ran, err := r.exec.GroupPass(r.ctx, r.st, 24*time.Hour)
	if err != nil || !ran || sum.Grants != 1 {
		t.Fatalf("first pass: %+v %v %v", sum, ran, err)
	}
	if _, ran, err := r.exec.GroupPass(r.ctx, r.st, 24*time.Hour); ran || err != nil {
		t.Fatalf("the slot ran twice: %v %v", ran, err)
	}
	if snap := r.groupAudit(approvals.EventGroupSnapshot); len(snap) != 1 || !strings.Contains(snap[0], "3 members, 2 with the Marketo role") {
		t.Fatalf("snapshot audit %q", snap)
	}
	if m, _, _ := r.st.GroupMembers(r.ctx, "group:emea chat agents", "agent"); !slices.Equal(m, []string{"ada@example.com", "bo@example.com"}) {
		t.Fatalf("snapshot %v", m)
	}
	role := marketofake.Assignment{RoleID: r.sb.RoleID("DC Agent"), WorkspaceID: r.sb.WorkspaceID()}
	has := func(email string) bool { return slices.Contains(r.sb.Marketo.Roles(r.marketoID(email)), role) }

	// dee joins; bo and ada (a direct member of Live Agent) leave.
	if err := r.sb.Adobe.AddUser(adobefake.UserSeed{Email: "dee@example.com", Groups: []string{"EMEA Chat Agents"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.sb.Marketo.AddUser(marketofake.User{EmailAddress: "dee@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := r.sb.Adobe.RemoveMembers("EMEA Chat Agents", []string{"bo@example.com", "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	sum, err = r.exec.SyncGroups(r.ctx, r.st)
	if err != nil || sum.Joined != 1 || sum.Left != 2 {
		t.Fatalf("pass: %+v %v", sum, err)
	}
	if !has("dee@example.com") || has("bo@example.com") || !has("ada@example.com") {
		t.Fatalf("roles: dee %v bo %v ada %v", has("dee@example.com"), has("bo@example.com"), has("ada@example.com"))
	}
	joins := r.groupAudit(approvals.EventGroupJoin)
	if len(joins) != 1 || !strings.HasPrefix(joins[0], "dee@example.com: joined user group") || !strings.Contains(joins[0], `role "DC Agent" assigned`) ||
		!strings.Contains(joins[0], req.ID) {
		t.Errorf("join audit %q", joins)
	}
	leaves := strings.Join(r.groupAudit(approvals.EventGroupLeave), "\n")
	if !strings.Contains(leaves, `bo@example.com: left user group "emea chat agents", which holds agent (granted by `+req.ID+`): Marketo role "DC Agent" removed`) ||
		!strings.Contains(leaves, "ada@example.com: left user group") || !strings.Contains(leaves, "kept the Marketo role (they hold the package another way)") {
		t.Errorf("leave audit %q", leaves)
	}
	if m, _, _ := r.st.GroupMembers(r.ctx, "group:emea chat agents", "agent"); !slices.Equal(m, []string{"dee@example.com"}) {
		t.Fatalf("snapshot %v", m)
	}
	// Nothing moved: nothing happens.
	if sum, err := r.exec.SyncGroups(r.ctx, r.st); err != nil || sum.Joined+sum.Left != 0 {
		t.Fatalf("idle pass %+v %v", sum, err)
	}

	// The removal deletes the snapshot with the grant.
	rm, err := r.svc.Revoke(r.ctx, "group:emea chat agents", "agent", root, "team disbanded")
	if err != nil {
		t.Fatal(err)
	}
	if rm = r.waitState(rm.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); rm.State != approvals.StateCompleted {
		t.Fatalf("remove: %s %q", rm.State, rm.Failure)
	}
	if _, taken, err := r.st.GroupMembers(r.ctx, "group:emea chat agents", "agent"); taken || err != nil {
		t.Fatalf("snapshot kept after removal: %v", err)
	}
}
