package adobefake_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
)

// FuzzAction feeds arbitrary action bodies to the emulator: it must never
// panic, and must answer 200 with a result or 400 with an error key.
func FuzzAction(f *testing.F) {
	for _, s := range []string{
		`[{"user":"ana.admin@example.com","requestID":"r","do":[{"add":{"group":["Live Agent"]}}]}]`,
		`[{"user":"n@example.com","do":[{"createFederatedID":{"email":"n@example.com","country":"US","firstname":"N","lastname":"N","option":"ignoreIfAlreadyExists"}},{"add":{"group":["Live Agent"]}},{"remove":"all"},{"removeFromOrg":{}}]}]`,
		`[{"user":"lee.agent@example.com","do":[{"remove":{"product":["Live Agent"]}},{"update":{"firstname":"L"}}]}]`,
		`[{"usergroup":"Chat Agents","do":[]}]`, `[]`, `{}`, `[null]`, `[{"user":1}]`,
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, testOnly bool) {
		s := adobefake.New(adobefake.Options{Limits: adobefake.Limits{Disabled: true}})
		if err := s.LoadSeed(strings.NewReader(seedForFuzz)); err != nil {
			t.Fatal(err)
		}
		tok := issue(t, s)
		path := "/v2/usermanagement/action/" + s.OrgID()
		if testOnly {
			path += "?testOnly=true"
		}
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("X-Api-Key", s.ClientID())
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d, body not JSON: %s", rec.Code, rec.Body)
		}
		res, _ := m["result"].(string)
		switch rec.Code {
		case 200:
			if res != "success" && res != "partial" && res != "error" {
				t.Fatalf("200 with result %q", res)
			}
		case 400:
			if !strings.HasPrefix(res, "error.") {
				t.Fatalf("400 with result %q", res)
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if testOnly && len(s.Applied()) != 0 {
			t.Fatal("testOnly applied a change")
		}
	})
}

// FuzzLoadSeed: any seed either loads or returns an error, never panics.
func FuzzLoadSeed(f *testing.F) {
	f.Add([]byte(seedForFuzz))
	f.Add([]byte(`{"profiles":[{"name":"P","product":"Dynamic Chat"}],"users":[{"email":"a@b.c","groups":["P"]}]}`))
	f.Add([]byte("users:\n  - email: x\n"))
	f.Fuzz(func(t *testing.T, seed []byte) {
		s := adobefake.New(adobefake.Options{})
		_ = s.LoadSeed(bytes.NewReader(seed))
	})
}

const seedForFuzz = `
domains: {example.com: federatedID}
profiles:
  - {name: Live Agent, product: Dynamic Chat, quota: 5}
  - {name: Sales Admin, product: Dynamic Chat, quota: 5}
userGroups: [Chat Agents]
users:
  - {email: ana.admin@example.com, firstname: A, lastname: A, country: US, groups: [Sales Admin]}
  - {email: lee.agent@example.com, firstname: L, lastname: A, country: US, groups: [Live Agent, Chat Agents]}
`

func issue(t *testing.T, s *adobefake.Server) string {
	req := httptest.NewRequest("POST", "/ims/token/v3", strings.NewReader(
		"grant_type=client_credentials&client_id="+s.ClientID()+"&client_secret="+s.ClientSecret()+"&scope=openid,AdobeID,user_management_sdk"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tr) != nil {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	return tr.AccessToken
}
