package adobefake_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
)

// groupFixture is the seeded organization plus a shared group with a
// member, the admin groups, and "Chat Agents" holding nothing yet.
func groupFixture(t *testing.T, o adobefake.Options) *fixture {
	t.Helper()
	o.Limits.Disabled = true
	fx := start(t, o)
	fx.s.AddSharedUserGroup("Partner Agents")
	if err := fx.s.AddMember("sam.sales@example.com", "Partner Agents"); err != nil {
		t.Fatal(err)
	}
	fx.s.AddAdminGroups()
	return fx
}

// state renders every group's members and profiles, so a test can see
// that a refused command changed nothing.
func (fx *fixture) state(t *testing.T) string {
	t.Helper()
	_, m, _ := fx.do(t, "GET", "/v2/usermanagement/groups/"+fx.s.OrgID()+"/0", "", nil)
	var lines []string
	for _, g := range m["groups"].([]any) {
		name := g.(map[string]any)["groupName"].(string)
		lines = append(lines, fmt.Sprintf("%s %v %v %v", name, g.(map[string]any)["memberCount"], fx.s.Members(name), fx.s.GroupProfiles(name)))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + fmt.Sprintf("\napplied %d", len(fx.s.Applied()))
}

// members lists a group's member emails through the paged endpoint,
// with directOnly when direct is "true" or "false" (else the default).
func (fx *fixture) members(t *testing.T, group, direct string) []string {
	t.Helper()
	var out []string
	for page := 0; page < 100; page++ {
		p := fmt.Sprintf("/v2/usermanagement/users/%s/%d/%s", fx.s.OrgID(), page, strings.ReplaceAll(group, " ", "%20"))
		if direct != "" {
			p += "?directOnly=" + direct
		}
		st, m, h := fx.do(t, "GET", p, "", nil)
		if st != 200 {
			t.Fatalf("GET %s: %d %v", p, st, m)
		}
		if h.Get("X-Current-Page") != fmt.Sprint(page) {
			return out
		}
		for _, u := range m["users"].([]any) {
			out = append(out, u.(map[string]any)["email"].(string))
		}
		if m["lastPage"] == true {
			return out
		}
	}
	t.Fatal("no last page")
	return nil
}

func TestUserGroupProfileReachesMembers(t *testing.T) {
	fx := groupFixture(t, adobefake.Options{})
	_, m := fx.action(t, `[{"usergroup":"Chat Agents","requestID":"g1","do":[{"add":{"productConfiguration":["Calendar Agent"],"user":["ana.admin@example.com"]}}]}]`, false)
	if m["result"] != "success" || m["completed"] != 1.0 {
		t.Fatalf("add: %v", m)
	}
	if got := fx.s.GroupProfiles("Chat Agents"); !slices.Equal(got, []string{"Calendar Agent"}) {
		t.Fatalf("group profiles %v", got)
	}
	if got := fx.members(t, "Calendar Agent", ""); !slices.Equal(got, []string{"cal.calendar@corp.example.com"}) {
		t.Errorf("direct members (default directOnly=true) %v", got)
	}
	want := []string{"ana.admin@example.com", "cal.calendar@corp.example.com", "lee.agent@example.com"}
	if got := fx.members(t, "Calendar Agent", "false"); !slices.Equal(got, want) {
		t.Errorf("all holders %v, want %v", got, want)
	}
	if !fx.s.Holds("lee.agent@example.com", "Calendar Agent") || fx.s.Holds("sam.sales@example.com", "Calendar Agent") {
		t.Error("Holds disagrees with the group")
	}
	// A user's groups list inherited profiles only with directOnly=false.
	for direct, want := range map[string]bool{"true": false, "false": true} {
		_, m, _ := fx.do(t, "GET", "/v2/usermanagement/users/"+fx.s.OrgID()+"/0/Chat%20Agents?directOnly="+direct, "", nil)
		for _, u := range m["users"].([]any) {
			groups := fmt.Sprint(u.(map[string]any)["groups"])
			if strings.Contains(groups, "Calendar Agent") != want {
				t.Errorf("directOnly=%s: %s groups %s", direct, u.(map[string]any)["email"], groups)
			}
		}
	}
	if used, quota, _ := fx.s.Seats("Calendar Agent"); used != 3 || quota != 25 {
		t.Errorf("seats %d of %d, want 3 of 25 (memberCount counts holders)", used, quota)
	}
	applied := fx.s.Applied()
	if len(applied) != 2 || applied[0].User != "ana.admin@example.com" || applied[0].Profile != "Chat Agents" ||
		applied[1].Group != "Chat Agents" || applied[1].Profile != "Calendar Agent" || applied[1].User != "" || applied[1].RequestID != "g1" {
		t.Errorf("applied %+v", applied)
	}

	_, m = fx.action(t, `[{"usergroup":"Chat Agents","do":[{"remove":{"productConfiguration":["Calendar Agent"]}}]}]`, false)
	if m["result"] != "success" || fx.s.Holds("lee.agent@example.com", "Calendar Agent") {
		t.Fatalf("remove: %v", m)
	}
	if got := fx.members(t, "Calendar Agent", "false"); !slices.Equal(got, []string{"cal.calendar@corp.example.com"}) {
		t.Errorf("after removal %v", got)
	}
}

func TestUserGroupMemberCountDirect(t *testing.T) {
	fx := groupFixture(t, adobefake.Options{MemberCountDirect: true})
	if err := fx.s.AssignProfile("Chat Agents", "Calendar Agent"); err != nil {
		t.Fatal(err)
	}
	if used, _, _ := fx.s.Seats("Calendar Agent"); used != 1 {
		t.Errorf("direct memberCount %d, want 1", used)
	}
}

func TestUserGroupBadInputChangesNothing(t *testing.T) {
	elevenUsers := `"` + strings.Repeat(`ana.admin@example.com","`, 10) + `ana.admin@example.com"`
	tests := []struct{ name, body, code string }{
		{"unknown group", `[{"usergroup":"Nobody","do":[{"add":{"productConfiguration":["Live Agent"]}}]}]`, "error.usergroup.not_found"},
		{"a product profile", `[{"usergroup":"Live Agent","do":[{"add":{"user":["ana.admin@example.com"]}}]}]`, "error.usergroup.not_found"},
		{"org admins", `[{"usergroup":"_org_admin","do":[{"add":{"user":["ana.admin@example.com"]}}]}]`, "error.usergroup.not_found"},
		{"profile admins", `[{"usergroup":"_admin_Live Agent","do":[{"add":{"productConfiguration":["Live Agent"]}}]}]`, "error.usergroup.not_found"},
		{"product admins", `[{"usergroup":"_product_admin_Dynamic Chat","do":[{"add":{"productConfiguration":["Live Agent"]}}]}]`, "error.usergroup.not_found"},
		{"shared: add profile", `[{"usergroup":"Partner Agents","do":[{"add":{"productConfiguration":["Live Agent"]}}]}]`, "error.usergroup.readonly.update_not_allowed"},
		{"shared: add user", `[{"usergroup":"Partner Agents","do":[{"add":{"user":["ana.admin@example.com"]}}]}]`, "error.usergroup.readonly.add_user_not_allowed"},
		{"shared: remove user", `[{"usergroup":"Partner Agents","do":[{"remove":{"user":["sam.sales@example.com"]}}]}]`, "error.usergroup.readonly.remove_user_not_allowed"},
		{"unknown user", `[{"usergroup":"Chat Agents","do":[{"add":{"user":["ghost@example.com"]}}]}]`, "error.user.nonexistent"},
		{"unknown profile", `[{"usergroup":"Chat Agents","do":[{"add":{"productConfiguration":["Nope"]}}]}]`, "error.group.not_found"},
		{"a user group as profile", `[{"usergroup":"Chat Agents","do":[{"add":{"productConfiguration":["Partner Agents"]}}]}]`, "error.group.not_found"},
		{"eleven users", `[{"usergroup":"Chat Agents","do":[{"add":{"user":[` + elevenUsers + `]}}]}]`, "error.command.add_remove.list_too_long"},
		{"no lists", `[{"usergroup":"Chat Agents","do":[{"add":{}}]}]`, "error.usergroup.command.missing.arguments"},
		{"empty name", `[{"usergroup":"Chat Agents","do":[{"add":{"user":[""]}}]}]`, "error.usergroup.user_list.invalid"},
		{"unknown key", `[{"usergroup":"Chat Agents","do":[{"add":{"group":["Live Agent"]}}]}]`, "error.command.add_remove.key.unknown"},
		{"create step", `[{"usergroup":"Chat Agents","do":[{"createUserGroup":{"name":"X"}}]}]`, "error.command.step.unknown"},
		{"good step then bad step", `[{"usergroup":"Chat Agents","do":[{"add":{"productConfiguration":["Live Agent"]}},{"add":{"user":["ghost@example.com"]}}]}]`, "error.user.nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := groupFixture(t, adobefake.Options{})
			before := fx.state(t)
			st, m := fx.action(t, tt.body, false)
			if st != 200 || m["result"] != "error" || firstErrorCode(m) != tt.code {
				t.Fatalf("%d %v, want error %s", st, m, tt.code)
			}
			if after := fx.state(t); after != before {
				t.Errorf("state changed:\nbefore\n%s\nafter\n%s", before, after)
			}
		})
	}
}

func TestUserGroupTestOnlyChangesNothing(t *testing.T) {
	fx := groupFixture(t, adobefake.Options{})
	before := fx.state(t)
	_, m := fx.action(t, `[{"usergroup":"Chat Agents","do":[{"add":{"productConfiguration":["Live Agent"],"user":["ana.admin@example.com"]}}]}]`, true)
	if m["completedInTestMode"] != 1.0 || fx.state(t) != before {
		t.Fatalf("test mode: %v", m)
	}
	_, m = fx.action(t, `[{"usergroup":"Partner Agents","do":[{"add":{"productConfiguration":["Live Agent"]}}]}]`, true)
	if firstErrorCode(m) != "error.usergroup.readonly.update_not_allowed" {
		t.Errorf("test mode checks read-only groups: %v", m)
	}
}

func TestUserGroupMembersArePaged(t *testing.T) {
	fx := groupFixture(t, adobefake.Options{UserPageSize: 2})
	var emails []string
	for i := range 5 {
		emails = append(emails, fmt.Sprintf("m%d@example.com", i))
	}
	fx.s.AddUsers(emails)
	if err := fx.s.AddMembers("Chat Agents", emails); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(emails), "lee.agent@example.com")
	sort.Strings(want)
	if got := fx.members(t, "Chat Agents", ""); !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	_, _, h := fx.do(t, "GET", "/v2/usermanagement/users/"+fx.s.OrgID()+"/0/Chat%20Agents", "", nil)
	if h.Get("X-Page-Count") != "3" || h.Get("X-Total-Count") != "6" {
		t.Errorf("headers %v", h)
	}
}

func TestAdminGroupsAreListed(t *testing.T) {
	fx := groupFixture(t, adobefake.Options{})
	_, m, _ := fx.do(t, "GET", "/v2/usermanagement/groups/"+fx.s.OrgID()+"/0", "", nil)
	types := map[string]string{}
	for _, g := range m["groups"].([]any) {
		types[g.(map[string]any)["groupName"].(string)] = g.(map[string]any)["type"].(string)
	}
	for name, typ := range map[string]string{
		"_org_admin": "SYSADMIN_GROUP", "_admin_Live Agent": "PROFILE_ADMIN_GROUP",
		"_admin_Chat Agents": "USER_ADMIN_GROUP", "_product_admin_Dynamic Chat": "PRODUCT_ADMIN_GROUP",
		"Partner Agents": "USER_GROUP",
	} {
		if types[name] != typ {
			t.Errorf("%s is %q, want %s", name, types[name], typ)
		}
	}
}

func TestGroupSeed(t *testing.T) {
	s := adobefake.New(adobefake.Options{})
	err := s.LoadSeed(strings.NewReader(`
profiles: [{name: Live Agent, product: Dynamic Chat, quota: 2}]
userGroups: [EMEA Chat Agents]
sharedGroups: [Partner Agents]
users:
  - {email: a@example.com, groups: [EMEA Chat Agents]}
  - {email: b@example.com, groups: [Partner Agents]}
groupProfiles: {EMEA Chat Agents: [Live Agent]}
adminGroups: true
`))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Holds("a@example.com", "Live Agent") || s.Holds("b@example.com", "Live Agent") {
		t.Error("group profiles not seeded")
	}
	if used, quota, _ := s.Seats("Live Agent"); used != 1 || quota != 2 {
		t.Errorf("seats %d of %d", used, quota)
	}
	if err := s.LoadSeed(strings.NewReader(`groupProfiles: {Nobody: [Live Agent]}`)); err == nil {
		t.Error("a profile for an unknown group was accepted")
	}
}
