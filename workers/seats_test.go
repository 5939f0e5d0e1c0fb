package workers_test

import (
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
