package adobe

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
)

func TestProductProfilesFindsDynamicChat(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	got, err := e.client.ProductProfiles(context.Background(), DefaultProductName)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range got {
		names = append(names, g.GroupName)
		if g.Type != GroupTypeProductProfile || g.ProductName != "Dynamic Chat" || g.LicenseQuota == "" {
			t.Errorf("profile %+v", g)
		}
	}
	sort.Strings(names)
	want := "[Calendar Agent Live Agent Marketing Admin Marketing User Sales Admin]"
	if fmt.Sprint(names) != want {
		t.Errorf("profiles %v, want %s", names, want)
	}
}

func TestPagingWalksEveryPage(t *testing.T) {
	for _, lower := range []bool{false, true} {
		t.Run(fmt.Sprintf("lowercase headers %v", lower), func(t *testing.T) {
			e := newEnv(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}, UserPageSize: 3, GroupPageSize: 2, LowercaseHeaders: lower}, nil)
			for i := range 10 {
				if err := e.fake.AddUser(adobefake.UserSeed{Email: fmt.Sprintf("bulk%02d@example.com", i), Groups: []string{"Live Agent"}}); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			var members []string
			if err := e.client.GroupMembers(ctx, "Live Agent", func(u User) error { members = append(members, u.Email); return nil }); err != nil {
				t.Fatal(err)
			}
			if want := e.fake.Members("Live Agent"); fmt.Sprint(members) != fmt.Sprint(want) {
				t.Errorf("members\n got %v\nwant %v", members, want)
			}
			all := 0
			if err := e.client.EachUser(ctx, "", func(User) error { all++; return nil }); err != nil {
				t.Fatal(err)
			}
			if all != 15 {
				t.Errorf("all users = %d, want 15", all)
			}
			groups := 0
			if err := e.client.EachGroup(ctx, func(Group) error { groups++; return nil }); err != nil {
				t.Fatal(err)
			}
			if groups != 7 {
				t.Errorf("groups = %d, want 7", groups)
			}
			p, err := e.client.UsersPage(ctx, "", 1)
			if err != nil {
				t.Fatal(err)
			}
			if p.Info != (PageInfo{Current: 1, Count: 5, Total: 15, Size: 3}) || p.LastPage {
				t.Errorf("page info %+v last %v", p.Info, p.LastPage)
			}
			// Past the end the users endpoint repeats the last page.
			p, err = e.client.UsersPage(ctx, "", 99)
			if err != nil || !p.LastPage || p.Info.Current != 4 {
				t.Errorf("past end: %+v %v", p, err)
			}
			// Past the end the groups endpoint says "Not found".
			gp, err := e.client.GroupsPage(ctx, 99)
			if err != nil || !gp.LastPage || len(gp.Groups) != 0 {
				t.Errorf("groups past end: %+v %v", gp, err)
			}
		})
	}
}

func TestIsMemberAndGetUser(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	ctx := context.Background()
	tests := []struct {
		email, profile string
		want           bool
	}{
		{"lee.agent@example.com", "Live Agent", true},
		{"LEE.AGENT@example.com", "live agent", true},
		{"lee.agent@example.com", "Sales Admin", false},
		{"nobody@example.com", "Live Agent", false},
	}
	for _, tt := range tests {
		got, err := e.client.IsMember(ctx, tt.email, tt.profile)
		if err != nil || got != tt.want {
			t.Errorf("IsMember(%s, %s) = %v, %v; want %v", tt.email, tt.profile, got, err, tt.want)
		}
	}
	u, err := e.client.GetUser(ctx, "cal.calendar@corp.example.com", "corp.example.com")
	if err != nil || u.Type != "enterpriseID" || u.FirstName != "Cal" || u.Status != "active" {
		t.Errorf("GetUser with domain: %+v %v", u, err)
	}
	if _, err := e.client.GetUser(ctx, "pat.personal@gmail.example.net", "AdobeID"); err != nil {
		t.Errorf("GetUser AdobeID: %v", err)
	}
	got, err := e.client.MemberProfiles(ctx, "sam.sales@example.com", []string{"Live Agent", "Sales Admin", "Calendar Agent"})
	if err != nil || fmt.Sprint(got) != "[Live Agent Sales Admin]" {
		t.Errorf("MemberProfiles = %v %v", got, err)
	}
}

func TestReadParsersDocExamples(t *testing.T) {
	users := `{"lastPage":false,"result":"success","users":[{"id":"abc@AdobeID","email":"jdoe@example.com","status":"active",
		"groups":["Live Agent","_admin_Live Agent"],"username":"jdoe@example.com","domain":"example.com","firstname":"John","lastname":"Doe",
		"country":"US","type":"federatedID"}]}`
	p, err := parseUserPage([]byte(users))
	if err != nil || len(p.Users) != 1 || p.Users[0].Type != "federatedID" || !p.Users[0].InGroup("Live Agent") || p.LastPage {
		t.Errorf("users page: %+v %v", p, err)
	}
	groups := `{"lastPage":true,"result":"success","groups":[
		{"type":"SYSADMIN_GROUP","groupName":"Administrators","memberCount":11},
		{"type":"USER_GROUP","groupName":"Document Cloud 1","memberCount":26,"adminGroupName":"_admin_Document Cloud 1","licenseQuota":"2"},
		{"type":"PRODUCT_PROFILE","groupName":"Default Support Profile","memberCount":0,"productName":"All Apps plan - 100 GB","licenseQuota":"8"},
		{"type":"PRODUCT_ADMIN_GROUP","groupName":"_product_admin_Adobe Document Cloud for business","memberCount":2,"productProfileName":"Adobe Document Cloud for business"}]}`
	g, err := parseGroupPage([]byte(groups))
	if err != nil || len(g.Groups) != 4 || g.Groups[2].LicenseQuota != "8" || g.Groups[3].ProductProfileName == "" || !g.LastPage {
		t.Errorf("groups page: %+v %v", g, err)
	}
	if g, err := parseGroupPage([]byte(`{"lastPage": true, "result": "Not found"}`)); err != nil || !g.LastPage || len(g.Groups) != 0 {
		t.Errorf("groups out of bounds: %+v %v", g, err)
	}
	if _, err := parseUser([]byte(`{"result":"error.user.not_found","message":"User not found email@email.com"}`)); err == nil {
		t.Error("a not-found body parsed as a user")
	}
}
