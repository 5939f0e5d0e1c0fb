package adobe

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/failure"
)

func TestChangeUserGroup(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	ctx := context.Background()
	r, err := e.client.ChangeUserGroup(ctx, GroupChange{Group: "Chat Agents", RequestID: "DC-1", AddProfiles: []string{"Calendar Agent"}}, true)
	if err != nil || r.CompletedInTestMode != 1 || e.fake.Holds("lee.agent@example.com", "Calendar Agent") {
		t.Fatalf("test mode: %+v %v", r, err)
	}
	if _, err := e.client.ChangeUserGroup(ctx, GroupChange{Group: "Chat Agents", RequestID: "DC-1", AddProfiles: []string{"Calendar Agent"}}, false); err != nil {
		t.Fatal(err)
	}
	if !e.fake.Holds("lee.agent@example.com", "Calendar Agent") {
		t.Fatal("the group's member does not hold the profile")
	}
	var direct, all []string
	pages, err := e.client.EachMember(ctx, "Calendar Agent", true, func(u User) error { direct = append(direct, u.Email); return nil })
	if err != nil || pages != 1 {
		t.Fatal(pages, err)
	}
	if _, err := e.client.EachMember(ctx, "Calendar Agent", false, func(u User) error { all = append(all, u.Email); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(direct, []string{"cal.calendar@corp.example.com"}) || !slices.Equal(all, []string{"cal.calendar@corp.example.com", "lee.agent@example.com"}) {
		t.Errorf("direct %v all %v", direct, all)
	}
	calls := e.fake.Calls("")
	for _, g := range []string{"_org_admin", "_admin_Live Agent", "_product_admin_Dynamic Chat", " "} {
		if _, err := e.client.ChangeUserGroup(ctx, GroupChange{Group: g, AddProfiles: []string{"Live Agent"}}, false); failure.ReasonOf(err) != failure.ReasonInvalid {
			t.Errorf("%q: %v", g, err)
		}
	}
	if e.fake.Calls("") != calls {
		t.Error("an admin group name reached Adobe")
	}
}

func TestChangeUserGroupRefusals(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	e.fake.AddSharedUserGroup("Partner Agents")
	ctx := context.Background()
	_, err := e.client.ChangeUserGroup(ctx, GroupChange{Group: "Partner Agents", AddProfiles: []string{"Live Agent"}}, false)
	if failure.ReasonOf(err) == "" || !strings.Contains(failure.Human(err), "shared from another organization") || !strings.Contains(failure.Human(err), `"Partner Agents"`) {
		t.Errorf("read-only: %v / %s", err, failure.Human(err))
	}
	_, err = e.client.ChangeUserGroup(ctx, GroupChange{Group: "EMEA Chat Agents", AddProfiles: []string{"Live Agent"}}, false)
	if failure.ReasonOf(err) != failure.ReasonNotFound || !strings.Contains(failure.Human(err), `no user group named "EMEA Chat Agents"`) {
		t.Errorf("unknown: %v / %s", err, failure.Human(err))
	}
	if len(e.fake.Applied()) != 0 {
		t.Errorf("refusals changed %v", e.fake.Applied())
	}
}

func TestIsAdminGroupName(t *testing.T) {
	for name, want := range map[string]bool{
		"_org_admin": true, " _ORG_ADMIN ": true, "_admin_EMEA": true, "_product_admin_Dynamic Chat": true,
		"_developer_Live Agent": true, "_support_admin": true, "EMEA Chat Agents": false, "admin team": false, "_team": false,
	} {
		if IsAdminGroupName(name) != want {
			t.Errorf("%q: %v", name, !want)
		}
	}
}

func TestGroupSeats(t *testing.T) {
	for _, tt := range []struct {
		quota      string
		used, want int
		ok         bool
	}{{"50", 48, 50, true}, {"", 3, 0, false}, {"UNLIMITED", 3, 0, false}, {"-1", 3, 0, false}} {
		used, q, ok := Group{MemberCount: tt.used, LicenseQuota: tt.quota}.Seats()
		if used != tt.used || q != tt.want || ok != tt.ok {
			t.Errorf("%q: %d %d %v", tt.quota, used, q, ok)
		}
	}
}
