package workers_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/workers"
)

// subsRig is a rig with a second Marketo subscription, emea, linked to
// the Admin Console as the real one is (a person appears in an instance
// only once they hold its Marketo Engage profile), and packages:
//
//   - two: Live Agent on the default subscription and Live Agent (EMEA)
//     on emea, adding each subscription's Marketo Engage profile;
//   - noengage: Live Agent, adding no Marketo Engage profile, with the
//     default instance's named as a hint;
//   - nohint: the same without the hint.
func subsRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	o.sandbox.Instances = []sandbox.Instance{{Name: "emea", MunchkinID: "222-BBB-222"}}
	o.sandbox.EngageLink = true
	r := newRig(t, o)
	r.sb.Adobe.AddProfile("Live Agent (EMEA)", "Dynamic Chat", 100)
	mcl, err := marketo.New(r.sb.MarketoConfigFor("emea"))
	if err != nil {
		t.Fatal(err)
	}
	r.exec.WithMarketo("emea", &workers.MarketoUsers{Client: mcl, Instance: "emea", DirectoryTTL: 10 * time.Millisecond})
	base := *testPolicy().Packages["agent"]
	two := base
	two.Name = "two"
	two.Profiles = []approvals.ProductProfile{{Name: "Live Agent", Product: "Dynamic Chat"}, {Name: "Live Agent (EMEA)", Product: "Dynamic Chat", Subscription: "emea"}}
	two.Subscriptions = []approvals.Subscription{
		{Instance: "default", Profiles: two.Profiles[:1], Role: base.MarketoRole, Workspace: base.MarketoWorkspace, EngageProfile: sandbox.EngageProfile("default")},
		{Instance: "emea", Profiles: two.Profiles[1:], Role: base.MarketoRole, Workspace: base.MarketoWorkspace, EngageProfile: sandbox.EngageProfile("emea")},
	}
	noengage := base
	noengage.Name = "noengage"
	noengage.Subscriptions = []approvals.Subscription{{Instance: "default", Profiles: base.Profiles, Role: base.MarketoRole,
		Workspace: base.MarketoWorkspace, EngageProfileHint: sandbox.EngageProfile("default")}}
	nohint := base
	nohint.Name = "nohint"
	pol := r.svc.Policy()
	pol.Packages["two"], pol.Packages["noengage"], pol.Packages["nohint"] = &two, &noengage, &nohint
	return r
}

// TestTwoSubscriptions: a request for a package on two subscriptions
// gives the person both profiles and both Marketo Engage profiles in one
// Admin Console call, then the role on each Marketo instance, each in
// its own step; the removal takes both roles and both profiles back and
// leaves the Marketo Engage profiles alone.
func TestTwoSubscriptions(t *testing.T) {
	r := subsRig(t, rigOptions{})
	r.start(4)
	id := r.approved(approvals.KindAdd, "nia@example.com", "two", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted {
		t.Fatalf("add: %s %q %+v", req.State, req.Failure, req.Steps)
	}
	for _, st := range []string{workers.StepAdobe, workers.StepAdobeSync, workers.StepMarketo, workers.StepMarketoOn("emea")} {
		if s := req.Step(st); s == nil || s.Status != approvals.StepDone {
			t.Fatalf("step %s: %+v", st, s)
		}
	}
	for _, p := range []string{"Live Agent", "Live Agent (EMEA)", sandbox.EngageProfile("default"), sandbox.EngageProfile("emea")} {
		if !r.sb.Adobe.Holds("nia@example.com", p) {
			t.Errorf("nia does not hold %q", p)
		}
	}
	actions := 0
	for _, rec := range r.sb.Adobe.Requests() {
		if rec.Kind == adobefake.KindAction {
			actions++
		}
	}
	if actions != 1 {
		t.Errorf("%d Admin Console action calls, want one for both subscriptions", actions)
	}
	role := marketofake.Assignment{RoleID: r.sb.RoleID("DC Agent"), WorkspaceID: r.sb.WorkspaceID()}
	for _, in := range []string{"default", "emea"} {
		u, ok := r.sb.Instance(in).User("nia@example.com")
		if !ok || !slices.Contains(u.Roles, role) {
			t.Fatalf("%s: nia %+v (in Marketo: %v)", in, u, ok)
		}
	}

	rm, err := r.svc.Revoke(r.ctx, "nia@example.com", "two", root, "moved on")
	if err != nil {
		t.Fatal(err)
	}
	if req := r.waitState(rm.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("remove: %s %q", req.State, req.Failure)
	}
	for _, in := range []string{"default", "emea"} {
		if u, _ := r.sb.Instance(in).User("nia@example.com"); slices.Contains(u.Roles, role) {
			t.Errorf("%s: role still held", in)
		}
	}
	if r.sb.Adobe.Holds("nia@example.com", "Live Agent") || r.sb.Adobe.Holds("nia@example.com", "Live Agent (EMEA)") {
		t.Error("a Dynamic Chat profile is still held")
	}
	if !r.sb.Adobe.Holds("nia@example.com", sandbox.EngageProfile("emea")) {
		t.Error("the removal took the Marketo Engage profile, which may serve more than Dynamic Chat")
	}
}

// TestNotInMarketoFailsAtOnce: the package adds no Marketo Engage
// profile and the person does not hold the default instance's, so
// nothing will bring them into Marketo. The step fails at once (not
// after two hours) with a sentence naming the profile an admin must
// add; Marketo is not touched and the Admin Console add is rolled back.
func TestNotInMarketoFailsAtOnce(t *testing.T) {
	r := subsRig(t, rigOptions{sandbox: sandbox.Options{UserLag: 1500 * time.Millisecond}})
	r.start(2)
	start := time.Now()
	id := r.approved(approvals.KindAdd, "otto@example.com", "noengage", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateFailed || time.Since(start) > 10*time.Second {
		t.Fatalf("%s after %s: %q", req.State, time.Since(start), req.Failure)
	}
	for _, want := range []string{"otto@example.com is not a user of Marketo", `"Marketo Engage"`, "an admin must give them", "rolled back"} {
		if !strings.Contains(req.Failure, want) {
			t.Errorf("failure %q lacks %q", req.Failure, want)
		}
	}
	if len(r.sb.Marketo.Applied()) != 0 {
		t.Errorf("Marketo changed: %+v", r.sb.Marketo.Applied())
	}
	if r.sb.Adobe.Holds("otto@example.com", "Live Agent") {
		t.Error("the Admin Console add was not rolled back")
	}

	// Someone who holds the Marketo Engage profile but is not in Marketo
	// yet (the Admin Console's lag) is waited for.
	if err := r.sb.Adobe.AddUser(adobefake.UserSeed{Email: "pia@example.com", Groups: []string{sandbox.EngageProfile("default")}}); err != nil {
		t.Fatal(err)
	}
	id = r.approved(approvals.KindAdd, "pia@example.com", "noengage", 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := r.st.Get(r.ctx, id)
		if st := req.Step(workers.StepMarketo); st != nil && st.Status == approvals.StepWaiting {
			break
		}
		if req.State.Terminal() || time.Now().After(deadline) {
			t.Fatalf("pia: %s %q %+v", req.State, req.Failure, req.Steps)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("pia: %s %q", req.State, req.Failure)
	}
}

// TestNotInMarketoWithoutHint: nothing names the Marketo Engage
// profile, so the step waits as it always did; when the wait runs out
// the failure says what is missing.
func TestNotInMarketoWithoutHint(t *testing.T) {
	r := subsRig(t, rigOptions{saga: workers.SagaConfig{UserPollTimeout: 300 * time.Millisecond, UserPollMax: 50 * time.Millisecond}})
	r.start(2)
	id := r.approved(approvals.KindAdd, "quin@example.com", "nohint", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateFailed || !strings.Contains(req.Failure, "the subscription's Marketo Engage product profile") {
		t.Fatalf("%s %q", req.State, req.Failure)
	}
}
