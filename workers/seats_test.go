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
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/vendormap"
	"github.com/chataccess/chataccess/workers"
)

// TestSeatsRefusedBeforeTheAdd: the profile filled up while the request
// waited; with seats: refuse the saga stops before the Admin Console
// change, says which profile is full, and nothing changed anywhere.
func TestSeatsRefusedBeforeTheAdd(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.sb.Adobe.AddUser(adobefake.UserSeed{Email: "seated@example.com", Groups: []string{"Live Agent"}}); err != nil {
		t.Fatal(err)
	}
	r.sb.Marketo.SyncFromAdobe("seated@example.com", "Seated", "User")
	if err := r.sb.Adobe.SetQuota("Live Agent", 1); err != nil {
		t.Fatal(err)
	}
	r.svc.Policy().Packages["agent"].Seats = approvals.SeatsRefuse
	r.start(2)
	id := r.approved(approvals.KindAdd, "late@example.com", "agent", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateFailed, approvals.StateCompleted)
	if req.State != approvals.StateFailed || !strings.Contains(req.Failure, `"Live Agent" has 1 of 1 seats used`) {
		t.Fatalf("%s %q", req.State, req.Failure)
	}
	if len(r.sb.Adobe.Applied()) != 0 || len(r.sb.Marketo.Applied()) != 0 {
		t.Fatalf("something changed: adobe %+v marketo %+v", r.sb.Adobe.Applied(), r.sb.Marketo.Applied())
	}
	// Someone who already holds the profile takes no seat.
	id = r.approved(approvals.KindAdd, "seated@example.com", "agent", 0)
	if req := r.waitState(id, 20*time.Second, approvals.StateFailed, approvals.StateCompleted); req.State != approvals.StateCompleted {
		t.Fatalf("holder: %s %q", req.State, req.Failure)
	}
}

// TestInspectorPreview: when an add is requested the approvals Service
// asks the vendors: seats of each profile and whether the person is in
// Marketo, with the Marketo Engage profile that would bring them in.
func TestInspectorPreview(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.sb.Adobe.SetQuota("Live Agent", 2); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"a1@example.com", "a2@example.com"} {
		if err := r.sb.Adobe.AddUser(adobefake.UserSeed{Email: e, Groups: []string{"Live Agent"}}); err != nil {
			t.Fatal(err)
		}
	}
	acl, err := adobe.New(r.sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	mcl, err := marketo.New(r.sb.MarketoConfig())
	if err != nil {
		t.Fatal(err)
	}
	console := workers.AdobeConsole{Client: acl, Snapshots: &workers.Snapshots{}, Resolver: vendormap.New(vendormap.Config{Adobe: acl})}
	r.svc.WithInspector(&workers.Inspector{Adobe: console, Marketo: map[string]workers.Marketo{"default": &workers.MarketoUsers{Client: mcl}}}, 0)
	pkg := r.svc.Policy().Packages["agent"]
	pkg.Subscriptions = []approvals.Subscription{{Instance: "default", Profiles: pkg.Profiles, Role: pkg.MarketoRole, Workspace: pkg.MarketoWorkspace,
		EngageProfileHint: "Marketo Engage"}}
	req, err := r.svc.Submit(r.ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: "newbie@example.com"},
		Package: "agent", Justification: "new team", Requester: lead})
	if err != nil {
		t.Fatal(err)
	}
	p := req.Preview
	if p == nil || len(p.Seats) != 1 || p.Seats[0].Used != 2 || p.Seats[0].Quota != 2 || !p.Seats[0].Over() ||
		len(p.Marketo) != 1 || p.Marketo[0].Present || p.Marketo[0].EngageProfile != "Marketo Engage" || p.Marketo[0].Adds || len(p.Notes) != 0 {
		t.Fatalf("preview %+v", p)
	}
}

// groupChangeCalls counts the user-group action calls Adobe received
// that were not test-only.
func (r *rig) groupChangeCalls() int {
	n := 0
	for _, q := range r.sb.Adobe.Requests() {
		if q.Kind == adobefake.KindAction && strings.Contains(string(q.Body), `"usergroup"`) && !strings.Contains(q.Query, "testOnly=true") {
			n++
		}
	}
	return n
}

// TestGroupSeats: an add for a user group takes one seat per member who
// does not hold the profile yet (ada holds Live Agent directly, so the
// three members of "EMEA Chat Agents" take two). The card's preview
// says so; seats: refuse refuses the add when requested and again right
// before the Admin Console change, with nothing changed.
func TestGroupSeats(t *testing.T) {
	r := groupRig(t)
	if err := r.sb.Adobe.SetQuota("Live Agent", 2); err != nil {
		t.Fatal(err)
	}
	acl, err := adobe.New(r.sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	console := workers.AdobeConsole{Client: acl, Snapshots: &workers.Snapshots{}, Resolver: vendormap.New(vendormap.Config{Adobe: acl})}
	r.svc.WithInspector(&workers.Inspector{Adobe: console}, 0)
	submit := func() (*approvals.Request, error) {
		return r.svc.Submit(r.ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Group: "EMEA Chat Agents"},
			Package: "agent", Justification: "new EMEA team", Requester: lead})
	}
	warned, err := submit()
	if err != nil {
		t.Fatal(err)
	}
	p := warned.Preview
	if p == nil || len(p.Seats) != 1 || p.Seats[0].Used != 1 || p.Seats[0].Quota != 2 || p.Seats[0].Taken() != 2 || len(p.Over()) != 1 || p.GroupMembers != 3 {
		t.Fatalf("preview %+v", p)
	}

	r.svc.Policy().Packages["agent"].Seats = approvals.SeatsRefuse
	if _, err := submit(); !errors.Is(err, approvals.ErrNoSeats) {
		t.Fatalf("refuse when requested: %v", err)
	}
	if reqs, _ := r.st.List(r.ctx, approvals.ByTarget(approvals.GroupKey("EMEA Chat Agents")), 10); len(reqs) != 1 {
		t.Fatalf("%d requests stored", len(reqs))
	}
	holders, roles := r.sb.Adobe.Holders("Live Agent"), r.sb.Marketo.Roles(r.marketoID("bo@example.com"))
	r.start(2)
	if _, err := r.svc.Approve(r.ctx, warned.ID, ann, ""); err != nil {
		t.Fatal(err)
	}
	req := r.waitState(warned.ID, 20*time.Second, approvals.StateFailed, approvals.StateCompleted)
	if req.State != approvals.StateFailed || !strings.Contains(req.Failure, `"Live Agent" has 1 of 2 seats used and this add takes 2`) {
		t.Fatalf("refuse before the change: %s %q", req.State, req.Failure)
	}
	if got := r.sb.Adobe.Holders("Live Agent"); !slices.Equal(got, holders) || len(r.sb.Adobe.GroupProfiles("EMEA Chat Agents")) != 0 ||
		r.groupChangeCalls() != 0 || len(r.sb.Adobe.Applied()) != 0 || len(r.sb.Marketo.Applied()) != 0 ||
		!slices.Equal(r.sb.Marketo.Roles(r.marketoID("bo@example.com")), roles) {
		t.Fatalf("something changed: holders %v, group calls %d, adobe %+v, marketo %+v", got, r.groupChangeCalls(), r.sb.Adobe.Applied(), r.sb.Marketo.Applied())
	}

}

// TestGroupSeatsFit: with a seat for every member who lacks the profile
// the add for the group goes through and fills the profile exactly.
func TestGroupSeatsFit(t *testing.T) {
	r := groupRig(t)
	if err := r.sb.Adobe.SetQuota("Live Agent", 3); err != nil {
		t.Fatal(err)
	}
	r.svc.Policy().Packages["agent"].Seats = approvals.SeatsRefuse
	r.start(2)
	req := r.groupCompleted(approvals.KindAdd, "EMEA Chat Agents", "agent")
	if used, quota, _ := r.sb.Adobe.Seats("Live Agent"); used != 3 || quota != 3 || req.Failure != "" {
		t.Fatalf("seats %d of %d", used, quota)
	}
}

// TestGroupSeatsUpperBound: when the group's members cannot be read,
// every member (memberCount) counts as taking a seat, and the card says
// so.
func TestGroupSeatsUpperBound(t *testing.T) {
	r := groupRig(t)
	if err := r.sb.Adobe.SetQuota("Live Agent", 3); err != nil {
		t.Fatal(err)
	}
	acl, err := adobe.New(r.sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	console := workers.AdobeConsole{Client: acl, Snapshots: &workers.Snapshots{}, Resolver: vendormap.New(vendormap.Config{Adobe: acl})}
	r.svc.WithInspector(&workers.Inspector{Adobe: console}, 0)
	r.sb.Adobe.FailNext(adobefake.KindUsers, 1, 403)
	req, err := r.svc.Submit(r.ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Group: "EMEA Chat Agents"},
		Package: "agent", Justification: "new EMEA team", Requester: lead})
	if err != nil {
		t.Fatal(err)
	}
	p := req.Preview
	if len(p.Seats) != 1 || p.Seats[0].Taken() != 3 || len(p.Over()) != 1 || len(p.NoteSentences) != 1 || p.NoteSentences[0].Key != "holdings.seats_bound" ||
		!strings.Contains(p.Notes[0], "all 3 of them are counted as taking a seat") {
		t.Fatalf("preview %+v", p)
	}
}
