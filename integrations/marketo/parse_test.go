package marketo

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The samples below are the JSON examples of
// mkto-dev:help/rest-api/user-management.md and authentication.md,
// copied as published (including the odd line break inside
// "accessRoleName").

const sampleUser = `{
  "userid": "jamie@houselannister.com",
  "firstName": "Jamie",
  "lastName": "Lannister",
  "emailAddress": "jamie@lannister.com",
  "optedIn": false,
  "failedLogins": 0,
  "failedDeviceCode": 0,
  "isLocked": false,
  "lockedReason": null,
  "id": 0,
  "apiOnly": false,
  "userRoleWorkspaces": [
    {
      "accessRoleId": 1,
      "accessRoleName": "Admin",
      "workspaceId": 0,
      "workspaceName": "AllZones"
    },
    {
      "accessRoleId": 2,
      "accessRoleName":
      "Standard User",
      "workspaceId": 1008,
      "workspaceName": "World"
    }
  ],
  "expiresAt": "2020-12-31T08:00:00.000t+0000",
  "lastLoginAt": "2020-02-05T01:02:23.000t+0000"
}`

const sampleInvited = `{
    "id": 25112,
    "firstName": "Jamie",
    "lastName": "Lannister",
    "emailAddress": "jamie@lannister.com",
    "userId": "jamie@lannister.com",
    "subscriptionId": 3381,
    "status": "pending",
    "expiresAt": "20200807T20:49:54.0t+0000",
    "createdAt": "20200731T20:49:54.0t+0000",
    "updatedAt": "20200731T20:49:54.0t+0000"
}`

const sampleAllUsers = `[
  {"userid": "jamie@lannister.com", "firstName": "Jamie", "lastName": "Lannister", "emailAddress": "jamie@houselannister.com", "id": 6785, "apiOnly": false},
  {"userid": "jeoffery@housebaratheon.com", "firstName": "Jeoffery", "lastName": "Baratheon", "emailAddress": "jeoffery@housebaratheon.com", "id": 7718, "apiOnly": false},
  {"userid": "rickon@housestark.com", "firstName": "Rickon", "lastName": "Stark", "emailAddress": "rickon@housestark.com", "id": 8612, "apiOnly": false}
]`

const sampleRoles = `[
    {"id": 1, "name": "Admin", "description": "All permissions", "type": "system", "hidden": false, "onlyAllZones": true,
     "createdAt": "20100327T18:27:42.0t+0000", "updatedAt": "20100327T18:27:42.0t+0000"},
    {"id": 2, "name": "Standard User", "description": "All permissions except Admin", "type": "system", "hidden": false, "onlyAllZones": false,
     "createdAt": "20100327T18:27:42.0t+0000", "updatedAt": "20180423T02:33:29.0t+0000"},
    {"id": 101, "name": "Analytics User", "description": "Has access to Analytics", "type": "custom", "hidden": false, "onlyAllZones": false,
     "createdAt": "20100327T18:27:42.0t+0000", "updatedAt": "20180423T02:33:29.0t+0000"}
]`

const sampleWorkspaces = `[
  {"id": 1, "name": "Default", "description": "Initial workspace for Marketing Activities, Design Studio, and so on.", "globalViz": 0, "status": "active", "currencyInfo": null,
   "createdAt": "20160910T23:08:05.0t+0000", "updatedAt": "20160910T23:08:05.0t+0000"},
  {"id": 1009, "name": "Reproduction - US English - All Leads", "description": "A Workspace for recreating customer-reported problems.", "globalViz": 1, "status": "active", "currencyInfo": null,
   "createdAt": "20190129T23:36:37.0t+0000", "updatedAt": "20190129T23:36:37.0t+0000"}
]`

const sampleDeleteRolesAnswer = `[
  {
    "accessRoleId": 1,
    "accessRoleName": "Admin",
    "workspaceId": 0,
    "workspaceName": "AllZones"
  }
]`

const sampleToken = `{
    "access_token": "cdf01657-110d-4155-99a7-f986b2ff13a0:int",
    "token_type": "bearer",
    "expires_in": 3599,
    "scope": "apis@acmeinc.com"
}`

const sampleEnvelopeError = `{
    "requestId": "e42b#14272d07d78",
    "success": false,
    "errors": [
        {
            "code": "601",
            "message": "Unauthorized"
        }
    ]
}`

func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

func TestParseUserSample(t *testing.T) {
	u, err := ParseUser([]byte(sampleUser))
	if err != nil {
		t.Fatal(err)
	}
	if u.UserID != "jamie@houselannister.com" || u.EmailAddress != "jamie@lannister.com" || u.FirstName != "Jamie" || u.ID != 0 || u.APIOnly {
		t.Fatalf("user = %+v", u)
	}
	want := []RoleAssignment{{1, "Admin", 0, "AllZones"}, {2, "Standard User", 1008, "World"}}
	if len(u.Roles) != 2 || u.Roles[0] != want[0] || u.Roles[1] != want[1] {
		t.Fatalf("roles = %+v", u.Roles)
	}
	if !u.ExpiresAt.Equal(utc(2020, 12, 31, 8, 0, 0)) || !u.LastLoginAt.Equal(utc(2020, 2, 5, 1, 2, 23)) {
		t.Fatalf("dates = %v %v", u.ExpiresAt, u.LastLoginAt)
	}
}

func TestParseInvitedSample(t *testing.T) {
	u, err := ParseInvitedUser([]byte(sampleInvited))
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != 25112 || u.UserID != "jamie@lannister.com" || u.Status != "pending" || u.SubscriptionID != 3381 {
		t.Fatalf("invited = %+v", u)
	}
	if !u.ExpiresAt.Equal(utc(2020, 8, 7, 20, 49, 54)) || !u.CreatedAt.Equal(utc(2020, 7, 31, 20, 49, 54)) {
		t.Fatalf("dates = %v %v", u.ExpiresAt, u.CreatedAt)
	}
}

func TestParseListsSamples(t *testing.T) {
	users, err := ParseUsers([]byte(sampleAllUsers))
	if err != nil || len(users) != 3 || users[1].UserID != "jeoffery@housebaratheon.com" || users[2].ID != 8612 {
		t.Fatalf("users = %+v, %v", users, err)
	}
	roles, err := ParseRoles([]byte(sampleRoles))
	if err != nil || len(roles) != 3 || roles[0].Name != "Admin" || !roles[0].OnlyAllZones || roles[2].Type != "custom" {
		t.Fatalf("roles = %+v, %v", roles, err)
	}
	if !roles[1].UpdatedAt.Equal(utc(2018, 4, 23, 2, 33, 29)) {
		t.Fatalf("updatedAt = %v", roles[1].UpdatedAt)
	}
	// The OpenAPI spelling of the flags.
	roles, err = ParseRoles([]byte(`[{"id":3,"name":"X","isHidden":true,"isOnlyAllZones":true}]`))
	if err != nil || !roles[0].Hidden || !roles[0].OnlyAllZones {
		t.Fatalf("swagger roles = %+v, %v", roles, err)
	}
	ws, err := ParseWorkspaces([]byte(sampleWorkspaces))
	if err != nil || len(ws) != 2 || ws[1].ID != 1009 || ws[0].Name != "Default" || ws[0].Status != "active" {
		t.Fatalf("workspaces = %+v, %v", ws, err)
	}
	as, err := ParseAssignments([]byte(sampleDeleteRolesAnswer))
	if err != nil || len(as) != 1 || as[0] != (RoleAssignment{1, "Admin", 0, "AllZones"}) {
		t.Fatalf("assignments = %+v, %v", as, err)
	}
}

func TestParseToken(t *testing.T) {
	tok, err := ParseToken([]byte(sampleToken))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "cdf01657-110d-4155-99a7-f986b2ff13a0:int" || tok.ExpiresIn != 3599*time.Second || tok.Scope != "apis@acmeinc.com" || tok.TokenType != "bearer" {
		t.Fatalf("token = %+v", tok)
	}
	if strings.Contains(tok.String(), tok.AccessToken) || strings.Contains(fmt.Sprintf("%v %+v", tok, tok), tok.AccessToken) {
		t.Fatalf("Token prints the access token: %s", tok)
	}
	for _, bad := range []string{``, `{}`, `[]`, `{"access_token":""}`, `{"access_token":"x","expires_in":-1}`, `{"access_token":"secret-tok"`} {
		if _, err := ParseToken([]byte(bad)); err == nil {
			t.Errorf("ParseToken(%q) = nil error", bad)
		} else if bad != "" && strings.Contains(err.Error(), "secret-tok") {
			t.Errorf("error quotes the token: %v", err)
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name, body, code, msg string
		failed                bool
	}{
		{"envelope sample", sampleEnvelopeError, "601", "Unauthorized", true},
		{"user management int code", `{"errors":[{"code":603,"message":"Access denied"}]}`, "603", "Access denied", true},
		{"oauth", `{"error":"invalid_client","error_description":"Bad client credentials"}`, "invalid_client", "Bad client credentials", true},
		{"gateway", `{"error_code":"429050","message":"Too many requests"}`, "429050", "Too many requests", true},
		{"success envelope", `{"requestId":"a#b","success":true,"result":[]}`, "", "", false},
		{"user object", sampleUser, "", "", false},
		{"array", sampleAllUsers, "", "", false},
		{"literal true", `true`, "", "", false},
		{"html", `<html>502</html>`, "", "", false},
		{"empty", ``, "", "", false},
		{"success false without errors", `{"success":false}`, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eb, err := ParseErrorBody([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if eb.Code != tt.code || eb.Message != tt.msg || eb.Failed() != tt.failed {
				t.Fatalf("got %+v failed=%v", eb, eb.Failed())
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := map[string]time.Time{
		"20200731T20:49:54.0t+0000":     utc(2020, 7, 31, 20, 49, 54),
		"2020-12-31T08:00:00.000t+0000": utc(2020, 12, 31, 8, 0, 0),
		"2020-12-31T23:59:59-05:00":     utc(2021, 1, 1, 4, 59, 59),
		"20211231T08:00:00.000t+0000":   utc(2021, 12, 31, 8, 0, 0),
		"20200731T20:49:54.0t-0130":     utc(2020, 7, 31, 22, 19, 54),
		"":                              {},
		"null":                          {},
		"yesterday":                     {},
	}
	for in, want := range tests {
		if got := ParseTime(in); !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, want %v", in, got, want)
		}
	}
}
