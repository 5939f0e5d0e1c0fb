package reviews_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/reviews"
)

// TestReviewPerInstance: a package on two subscriptions is compared with
// each instance's role holders; a person in both profiles who lacks the
// role on one instance is a finding, and so is a role on an instance
// whose profile the person lacks. An instance with no port is a note.
func TestReviewPerInstance(t *testing.T) {
	f := newFixture(t)
	pol := f.svc.Policy()
	base := *pol.Packages["agent"]
	two := base
	two.Name = "two"
	two.Profiles = []approvals.ProductProfile{{Name: "Live Agent"}, {Name: "Live Agent (EMEA)", Subscription: "emea"}}
	two.Subscriptions = []approvals.Subscription{
		{Instance: "default", Profiles: two.Profiles[:1], Role: base.MarketoRole, Workspace: base.MarketoWorkspace},
		{Instance: "emea", Profiles: two.Profiles[1:], Role: base.MarketoRole, Workspace: base.MarketoWorkspace},
	}
	pol.Packages["two"] = &two
	f.adobe.add("Live Agent", "ann@example.com", "bob@example.com", "cat@example.com")
	f.adobe.add("Live Agent (EMEA)", "ann@example.com", "bob@example.com")
	agent := role("DC Agent")
	f.mkto.users = []reviews.MarketoUser{{Email: "ann@example.com", Roles: []reviews.RoleAssignment{agent}},
		{Email: "bob@example.com", Roles: []reviews.RoleAssignment{agent}}, {Email: "cat@example.com", Roles: []reviews.RoleAssignment{agent}}}
	emea := &fakeMarketo{users: []reviews.MarketoUser{{Email: "ann@example.com", Roles: []reviews.RoleAssignment{agent}},
		{Email: "cat@example.com", Roles: []reviews.RoleAssignment{agent}}}}
	rv := reviews.New(reviews.Deps{Access: f.svc, Store: f.st, Adobe: f.adobe, Marketo: f.mkto, Notifier: f.notes, Clock: f.clock,
		MarketoInstances: map[string]reviews.Marketo{"EMEA": emea}})
	c, err := rv.Start(f.ctx, reviews.Schedule{Name: "q", Packages: []string{"two"}}, approvals.System, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	items := f.items(c.ID)
	want := map[string][]reviews.FindingKind{
		"ann@example.com": {reviews.OutsideBot},
		"bob@example.com": {reviews.OutsideBot, reviews.ProfileWithoutRole}, // no role on emea
		"cat@example.com": {reviews.OutsideBot, reviews.RoleWithoutProfile}, // emea role, no EMEA profile
	}
	for e, kinds := range want {
		it := itemOf(items, e, "two")
		if it == nil || !slices.Equal(it.Findings, kinds) || !it.InMarketo {
			t.Errorf("%s: %+v, want %v", e, it, kinds)
		}
	}
	if len(c.Notes) != 0 {
		t.Errorf("notes %v", c.Notes)
	}

	// Without emea's port, only the default instance is compared, and
	// the campaign says so.
	c, err = f.rv.Start(f.ctx, reviews.Schedule{Name: "q2", Packages: []string{"two"}}, approvals.System, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if it := itemOf(f.items(c.ID), "bob@example.com", "two"); it == nil || slices.Contains(it.Findings, reviews.ProfileWithoutRole) {
		t.Errorf("bob without emea's port: %+v", it)
	}
	if len(c.Notes) != 1 || !contains(c.Notes[0], `Marketo instance "emea" is not configured here`) {
		t.Errorf("notes %v", c.Notes)
	}
	if len(c.NoteSentences) != 1 || c.NoteSentences[0].Key != "reviewnote.instance_unconfigured" || c.NoteSentences[0].Args["Instance"] != `"emea"` {
		t.Errorf("note sentences %+v", c.NoteSentences)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
