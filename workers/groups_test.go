package workers_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/vendormap"
	"github.com/chataccess/chataccess/workers"
)

// groupRequest submits and approves a request for a user group.
func (r *rig) groupRequest(kind approvals.Kind, group, pkg string) (*approvals.Request, error) {
	req, err := r.svc.Submit(r.ctx, approvals.SubmitInput{Kind: kind, Target: approvals.Target{Group: group}, Package: pkg,
		Justification: "new EMEA team", Duration: 90 * 24 * time.Hour, Requester: lead})
	if err != nil {
		return nil, err
	}
	if req.State == approvals.StatePending {
		_, err = r.svc.Approve(r.ctx, req.ID, ann, "")
	}
	return req, err
}

// groupRig has "EMEA Chat Agents" (ada, bo, cy; ada also a direct member
// of Live Agent; ada and bo in Marketo) and a shared read-only group.
func groupRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t, rigOptions{})
	r.sb.Adobe.AddUserGroup("EMEA Chat Agents")
	r.sb.Adobe.AddSharedUserGroup("Partner Agents")
	r.sb.Adobe.AddAdminGroups()
	for _, u := range []adobefake.UserSeed{
		{Email: "ada@example.com", Groups: []string{"EMEA Chat Agents", "Live Agent"}},
		{Email: "bo@example.com", Groups: []string{"EMEA Chat Agents"}},
		{Email: "cy@example.com", Groups: []string{"EMEA Chat Agents"}},
		{Email: "pat@example.com", Groups: []string{"Partner Agents"}},
	} {
		if err := r.sb.Adobe.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []string{"ada@example.com", "bo@example.com"} {
		if err := r.sb.Marketo.AddUser(marketofake.User{EmailAddress: e}); err != nil {
			t.Fatal(err)
		}
	}
	r.svc.Policy().Packages["agent"].AllowGroupTargets = true
	return r
}

// TestGroupTarget: the profile is added to the group, every member with
// a Marketo user gets the role (read from the group's paged member
// listing), the one not in Marketo is named; the grant records the
// group. The removal takes the profile off the group and the role from
// members who do not hold the package another way.
func TestGroupTarget(t *testing.T) {
	r := groupRig(t)
	r.start(2)
	req, err := r.groupRequest(approvals.KindAdd, "emea chat agents", "agent")
	if err != nil {
		t.Fatal(err)
	}
	if req.Target.Group != "emea chat agents" || req.Target.Email != "group:emea chat agents" {
		t.Fatalf("target %+v", req.Target)
	}
	req = r.waitState(req.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted {
		t.Fatalf("add: %s %q %+v", req.State, req.Failure, req.Steps)
	}
	if got := r.sb.Adobe.GroupProfiles("EMEA Chat Agents"); !slices.Equal(got, []string{"Live Agent"}) {
		t.Fatalf("group profiles %v", got)
	}
	role := marketofake.Assignment{RoleID: r.sb.RoleID("DC Agent"), WorkspaceID: r.sb.WorkspaceID()}
	for _, e := range []string{"ada@example.com", "bo@example.com"} {
		if !slices.Contains(r.sb.Marketo.Roles(r.marketoID(e)), role) {
			t.Errorf("%s lacks the role", e)
		}
	}
	if st := req.Step(workers.StepMarketo); !strings.Contains(st.Detail, "role assigned to 2 of 3 members") || !strings.Contains(st.Detail, "cy@example.com") {
		t.Errorf("marketo step %q", st.Detail)
	}
	if g, err := r.st.Grant(r.ctx, "group:emea chat agents", "agent"); err != nil || g.RequestID != req.ID {
		t.Fatalf("grant %+v %v", g, err)
	}

	rm, err := r.svc.Revoke(r.ctx, "group:emea chat agents", "agent", root, "team disbanded")
	if err != nil {
		t.Fatal(err)
	}
	if rm.Target.Group == "" {
		t.Fatalf("removal target %+v", rm.Target)
	}
	if rm = r.waitState(rm.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); rm.State != approvals.StateCompleted {
		t.Fatalf("remove: %s %q %+v", rm.State, rm.Failure, rm.Steps)
	}
	if got := r.sb.Adobe.GroupProfiles("EMEA Chat Agents"); len(got) != 0 {
		t.Fatalf("group profiles after removal %v", got)
	}
	if slices.Contains(r.sb.Marketo.Roles(r.marketoID("bo@example.com")), role) {
		t.Error("bo kept the role")
	}
	if !slices.Contains(r.sb.Marketo.Roles(r.marketoID("ada@example.com")), role) {
		t.Error("ada, a direct member of Live Agent, lost the role")
	}
}

// TestGroupTargetBadInput: an admin group, a package that does not allow
// groups, a group that does not exist and a read-only shared group each
// end with a clear sentence, and nothing changed in either system.
func TestGroupTargetBadInput(t *testing.T) {
	r := groupRig(t)
	r.start(2)
	r.svc.Policy().Packages["short"].AllowGroupTargets = false
	for group, pkg := range map[string]string{"_org_admin": "agent", "_admin_Live Agent": "agent", "_product_admin_Dynamic Chat": "agent", "EMEA Chat Agents": "short"} {
		_, err := r.groupRequest(approvals.KindAdd, group, pkg)
		var ge *approvals.GroupTargetError
		if !errors.As(err, &ge) || !errors.Is(err, approvals.ErrGroupTarget) {
			t.Errorf("%s/%s: %v", group, pkg, err)
		}
	}
	for group, want := range map[string]string{
		"Nobody Here":    `The Admin Console has no user group named "Nobody Here"`,
		"Partner Agents": `user group "Partner Agents" is shared from another organization and read-only here`,
	} {
		req, err := r.groupRequest(approvals.KindAdd, group, "agent")
		if err != nil {
			t.Fatal(err)
		}
		req = r.waitState(req.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
		if req.State != approvals.StateFailed || !strings.Contains(req.Failure, want) {
			t.Errorf("%s: %s %q", group, req.State, req.Failure)
		}
	}
	if len(r.sb.Adobe.Applied()) != 0 || len(r.sb.Marketo.Applied()) != 0 || len(r.sb.Adobe.GroupProfiles("Partner Agents")) != 0 {
		t.Fatalf("something changed: adobe %+v marketo %+v", r.sb.Adobe.Applied(), r.sb.Marketo.Applied())
	}
}

// TestGroupTargetInspected: with the inspector, a request for a group
// says how many members it has now, and an unknown or read-only group is
// refused when requested, with nothing stored and nothing changed.
func TestGroupTargetInspected(t *testing.T) {
	r := groupRig(t)
	acl, err := adobe.New(r.sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	console := workers.AdobeConsole{Client: acl, Snapshots: &workers.Snapshots{}, Resolver: vendormap.New(vendormap.Config{Adobe: acl})}
	r.svc.WithInspector(&workers.Inspector{Adobe: console}, 0)
	req, err := r.svc.Submit(r.ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Group: "EMEA Chat Agents"},
		Package: "agent", Justification: "new EMEA team", Requester: lead})
	if err != nil || req.Preview == nil || req.Preview.GroupMembers != 3 {
		t.Fatalf("%v %+v", err, req)
	}
	for group, want := range map[string]string{
		"Nobody Here":    `no user group named "Nobody Here"`,
		"Partner Agents": "shared from another organization",
	} {
		_, err := r.svc.Submit(r.ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Group: group},
			Package: "agent", Justification: "x", Requester: lead})
		if !errors.Is(err, approvals.ErrGroupTarget) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", group, err)
		}
		if reqs, _ := r.st.List(r.ctx, approvals.ByTarget(approvals.GroupKey(group)), 10); len(reqs) != 0 {
			t.Errorf("%s: a request was stored", group)
		}
	}
	if len(r.sb.Adobe.Applied()) != 0 {
		t.Fatalf("the checks changed something: %+v", r.sb.Adobe.Applied())
	}
}
