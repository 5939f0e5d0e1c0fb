package adobefake_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
)

type fixture struct {
	s   *adobefake.Server
	srv *httptest.Server
	tok string
}

func start(t *testing.T, o adobefake.Options) *fixture {
	t.Helper()
	s := adobefake.New(o)
	f, err := os.Open("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.LoadSeed(f); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	fx := &fixture{s: s, srv: srv}
	status, body, _ := fx.token(t, s.ClientID(), s.ClientSecret())
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.Unmarshal(body, &tr)
	fx.tok = tr.AccessToken
	return fx
}

func (fx *fixture) token(t *testing.T, id, secret string) (int, []byte, http.Header) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"openid,AdobeID,user_management_sdk"}}
	resp, err := http.Post(fx.srv.URL+"/ims/token/v3", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (fx *fixture) do(t *testing.T, method, path, body string, hdr map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, fx.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fx.tok)
	req.Header.Set("X-Api-Key", fx.s.ClientID())
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, resp.Header
}

func (fx *fixture) action(t *testing.T, body string, testOnly bool) (int, map[string]any) {
	t.Helper()
	p := "/v2/usermanagement/action/" + fx.s.OrgID()
	if testOnly {
		p += "?testOnly=true"
	}
	st, m, _ := fx.do(t, "POST", p, body, nil)
	return st, m
}

func firstErrorCode(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["errorCode"].(string)
}

func TestTokenRules(t *testing.T) {
	fx := start(t, adobefake.Options{})
	if st, _, _ := fx.token(t, fx.s.ClientID(), "nope"); st != 401 {
		t.Errorf("bad secret: %d", st)
	}
	if st, _, _ := fx.token(t, "other", fx.s.ClientSecret()); st != 400 {
		t.Errorf("bad client id: %d", st)
	}
	tests := []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"valid", nil, 200},
		{"no token", map[string]string{"Authorization": ""}, 401},
		{"unknown token", map[string]string{"Authorization": "Bearer forged"}, 401},
		{"no api key", map[string]string{"X-Api-Key": ""}, 403},
		{"wrong api key", map[string]string{"X-Api-Key": "someone"}, 403},
	}
	for _, tt := range tests {
		st, _, h := fx.do(t, "GET", "/v2/usermanagement/organizations/"+fx.s.OrgID()+"/users/ana.admin@example.com", "", tt.hdr)
		if st != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, st, tt.status)
		}
		if st == 401 && !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, h.Get("WWW-Authenticate"))
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fx := start(t, adobefake.Options{TokenLifetime: time.Hour, Now: clock})
	mu.Lock()
	now = now.Add(61 * time.Minute)
	mu.Unlock()
	if st, _, _ := fx.do(t, "GET", "/v2/usermanagement/groups/"+fx.s.OrgID()+"/0", "", nil); st != 401 {
		t.Errorf("expired token: %d", st)
	}
}

func TestActionRules(t *testing.T) {
	fx := start(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}})
	eleven := "[" + strings.Repeat(`{"user":"a@example.com","do":[{"add":{"group":["Live Agent"]}}]},`, 10) + `{"user":"b@example.com","do":[{"add":{"group":["Live Agent"]}}]}]`
	tests := []struct {
		name     string
		body     string
		testOnly bool
		status   int
		result   string
		code     string
	}{
		{"not an array", `{"user":"x"}`, false, 400, "error.command.malformed", ""},
		{"empty array", `[]`, false, 400, "error.command.malformed", ""},
		{"eleven commands", eleven, false, 400, "error.command.malformed", ""},
		{"eleven groups", `[{"user":"ana.admin@example.com","do":[{"add":{"group":["1","2","3","4","5","6","7","8","9","10","11"]}}]}]`, false, 200, "error", "error.command.add_remove.list_too_long"},
		{"create not first", `[{"user":"n@example.com","do":[{"add":{"group":["Live Agent"]}},{"createFederatedID":{"email":"n@example.com","country":"US","firstname":"N","lastname":"N"}}]}]`, false, 200, "error", "error.command.create.not_first"},
		{"removeFromOrg not last", `[{"user":"ana.admin@example.com","do":[{"removeFromOrg":{}},{"add":{"group":["Live Agent"]}}]}]`, false, 200, "error", "error.command.removefromorg.not_last"},
		{"do not array", `[{"user":"ana.admin@example.com","do":{"add":{}}}]`, false, 200, "error", "error.command.steps.malformed"},
		{"null group", `[{"user":"ana.admin@example.com","do":[{"add":{"group":[null]}}]}]`, false, 200, "error", "error.group.invalid_list"},
		{"unknown group", `[{"user":"ana.admin@example.com","do":[{"add":{"group":["Nope"]}}]}]`, false, 200, "error", "error.group.not_found"},
		{"unknown user", `[{"user":"ghost@example.com","do":[{"add":{"group":["Live Agent"]}}]}]`, false, 200, "error", "error.user.nonexistent"},
		{"unknown user in test mode passes", `[{"user":"ghost@example.com","do":[{"add":{"group":["Live Agent"]}}]}]`, true, 200, "success", ""},
		{"removeFromOrg unknown user", `[{"user":"ghost@example.com","do":[{"removeFromOrg":{}}]}]`, false, 200, "success", ""},
		{"federated needs country", `[{"user":"n@example.com","do":[{"createFederatedID":{"email":"n@example.com","firstname":"N","lastname":"N"}}]}]`, false, 200, "error", "error.country.invalid"},
		{"create existing without option", `[{"user":"ana.admin@example.com","do":[{"createFederatedID":{"email":"ana.admin@example.com","country":"US","firstname":"A","lastname":"A"}}]}]`, false, 200, "error", "error.user.already_in_org"},
		{"create existing with ignore", `[{"user":"ana.admin@example.com","do":[{"createFederatedID":{"email":"ana.admin@example.com","country":"US","firstname":"A","lastname":"A","option":"ignoreIfAlreadyExists"}},{"add":{"group":["Live Agent"]}}]}]`, false, 200, "success", ""},
		{"unclaimed domain", `[{"user":"n@example.org","do":[{"createFederatedID":{"email":"n@example.org","country":"US","firstname":"N","lastname":"N"}}]}]`, false, 200, "error", "error.domain.trust.nonexistent"},
		{"type mismatch", `[{"user":"n@example.com","do":[{"createEnterpriseID":{"email":"n@example.com","firstname":"N","lastname":"N"}}]}]`, false, 200, "error", "error.user.type_mismatch"},
		{"incomplete directory passes test mode", `[{"user":"n@partner.example.com","do":[{"createFederatedID":{"email":"n@partner.example.com","country":"US","firstname":"N","lastname":"N"}}]}]`, true, 200, "success", ""},
		{"incomplete directory cannot create", `[{"user":"n@partner.example.com","do":[{"createFederatedID":{"email":"n@partner.example.com","country":"US","firstname":"N","lastname":"N"}},{"add":{"group":["Live Agent"]}}]}]`, false, 200, "error", "error.internal.create_failed"},
		{"update adobe id", `[{"user":"pat.personal@gmail.example.net","do":[{"update":{"firstname":"X"}}]}]`, false, 200, "error", "error.update.adobeid.no"},
		{"partial", `[{"user":"ana.admin@example.com","do":[{"add":{"group":["Calendar Agent"]}}]},{"user":"ghost@example.com","do":[{"add":{"group":["Live Agent"]}}]}]`, false, 200, "partial", "error.user.nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, m := fx.action(t, tt.body, tt.testOnly)
			if st != tt.status || m["result"] != tt.result || firstErrorCode(m) != tt.code {
				t.Errorf("status %d result %v code %q; want %d %s %q (%v)", st, m["result"], firstErrorCode(m), tt.status, tt.result, tt.code, m)
			}
		})
	}
}

// TestUnknownPathIsNoUMAPIAnswer: a path with /v2/usermanagement twice (an
// ADOBE_UMAPI_URL that already holds it) gets a 404 whose body is not
// UMAPI's {"result": ...} envelope, so no client can read it as "no such
// user".
func TestUnknownPathIsNoUMAPIAnswer(t *testing.T) {
	fx := start(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}})
	for _, p := range []string{
		"/v2/usermanagement/v2/usermanagement/organizations/" + fx.s.OrgID() + "/users/ana.admin@example.com",
		"/v2/usermanagement/organizations/" + fx.s.OrgID() + "/people/ana.admin@example.com",
		"/v2/usermanagement/users/" + fx.s.OrgID(),
	} {
		st, m, _ := fx.do(t, "GET", p, "", nil)
		if st != 404 || m["result"] != nil || m["error_code"] == nil {
			t.Errorf("GET %s: %d %v, want 404 without a UMAPI result", p, st, m)
		}
	}
	st, m, _ := fx.do(t, "POST", "/v2/usermanagement/v2/usermanagement/action/"+fx.s.OrgID(), `[]`, nil)
	if st != 404 || m["result"] != nil {
		t.Errorf("POST doubled action path: %d %v", st, m)
	}
}

func TestTestOnlyChangesNothing(t *testing.T) {
	fx := start(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}})
	body := `[{"user":"new@example.com","requestID":"r1","do":[{"createFederatedID":{"email":"new@example.com","country":"US","firstname":"N","lastname":"P","option":"ignoreIfAlreadyExists"}},{"add":{"group":["Live Agent"]}}]},
	          {"user":"lee.agent@example.com","requestID":"r2","do":[{"remove":"all"}]}]`
	_, m := fx.action(t, body, true)
	if m["completedInTestMode"] != 2.0 || m["completed"] != 0.0 || len(fx.s.Applied()) != 0 || fx.s.HasUser("new@example.com") {
		t.Fatalf("test mode: %v applied %v", m, fx.s.Applied())
	}
	var seen []adobefake.Change
	var mu sync.Mutex
	fx2 := start(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}, OnChange: func(c adobefake.Change) { mu.Lock(); seen = append(seen, c); mu.Unlock() }})
	_, m = fx2.action(t, body, false)
	if m["completed"] != 2.0 {
		t.Fatalf("real run: %v", m)
	}
	applied := fx2.s.Applied()
	if len(applied) != 3 || len(seen) != 3 { // add Live Agent; remove Live Agent and Chat Agents
		t.Fatalf("applied %+v, hook saw %d", applied, len(seen))
	}
	if applied[0].RequestID != "r1" || applied[0].Op != adobefake.OpAdd || applied[0].Profile != "Live Agent" {
		t.Errorf("first change %+v", applied[0])
	}
	if got := fx2.s.Members("Chat Agents"); len(got) != 0 {
		t.Errorf("Chat Agents members %v", got)
	}
}

func TestRateLimitAnswers429(t *testing.T) {
	fx := start(t, adobefake.Options{Limits: adobefake.Limits{GroupReads: 2, Period: time.Minute}})
	path := "/v2/usermanagement/groups/" + fx.s.OrgID() + "/0"
	for i := range 2 {
		if st, _, _ := fx.do(t, "GET", path, "", nil); st != 200 {
			t.Fatalf("call %d: %d", i, st)
		}
	}
	st, m, h := fx.do(t, "GET", path, "", nil)
	if st != 429 || h.Get("Retry-After") == "" || m["error_code"] != "429050" {
		t.Errorf("third call: %d Retry-After %q body %v", st, h.Get("Retry-After"), m)
	}
	if ra := h.Get("Retry-After"); ra != "30" && ra != "31" {
		t.Errorf("Retry-After %q, want ~30 s (one slot of 2/min)", ra)
	}
}

func TestFaults(t *testing.T) {
	fx := start(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}})
	path := "/v2/usermanagement/organizations/" + fx.s.OrgID() + "/users/ana.admin@example.com"
	fx.s.ThrottleNext(adobefake.KindUser, 1, "3244")
	if st, _, h := fx.do(t, "GET", path, "", nil); st != 429 || h.Get("Retry-After") != "3244" {
		t.Errorf("storm: %d %q", st, h.Get("Retry-After"))
	}
	fx.s.FailNext(adobefake.KindAny, 2, 503)
	for range 2 {
		if st, _, _ := fx.do(t, "GET", path, "", nil); st != 503 {
			t.Errorf("fail: %d", st)
		}
	}
	if st, _, _ := fx.do(t, "GET", path, "", nil); st != 200 {
		t.Errorf("after faults: %d", st)
	}
	fx.s.DropNext(adobefake.KindUser, 1)
	req, _ := http.NewRequest("GET", fx.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+fx.tok)
	req.Header.Set("X-Api-Key", fx.s.ClientID())
	tr := &http.Transport{DisableKeepAlives: true}
	if _, err := (&http.Client{Transport: tr}).Do(req); err == nil {
		t.Error("dropped connection answered")
	}
	fx.s.FailUser("lee.agent@example.com", "error.user.belongs_to_another_org", "")
	_, m := fx.action(t, `[{"user":"lee.agent@example.com","do":[{"add":{"group":["Sales Admin"]}}]}]`, false)
	if firstErrorCode(m) != "error.user.belongs_to_another_org" {
		t.Errorf("user fault: %v", m)
	}
	fx.s.FailUser("lee.agent@example.com", "", "")
	fx.s.SlowNext(adobefake.KindAction, 1, 300*time.Millisecond)
	start := time.Now()
	if st, m := fx.action(t, `[{"user":"lee.agent@example.com","do":[{"add":{"group":["Sales Admin"]}}]}]`, false); st != 200 || m["result"] != "success" {
		t.Errorf("slow action: %d %v", st, m)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("slow action answered after %s", took)
	}
	start = time.Now()
	if st, _, _ := fx.do(t, "GET", path, "", nil); st != 200 || time.Since(start) > 200*time.Millisecond {
		t.Errorf("the slowness outlived its one call: %d after %s", st, time.Since(start))
	}
}

func TestPagingHeaders(t *testing.T) {
	fx := start(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}, UserPageSize: 2, LowercaseHeaders: true})
	st, m, h := fx.do(t, "GET", "/v2/usermanagement/users/"+fx.s.OrgID()+"/1", "", nil)
	if st != 200 || m["lastPage"] != false || len(m["users"].([]any)) != 2 {
		t.Fatalf("page 1: %d %v", st, m)
	}
	if h.Get("X-Current-Page") != "1" || h.Get("X-Page-Count") != "3" || h.Get("X-Total-Count") != "5" || h.Get("X-Page-Size") != "2" {
		t.Errorf("headers %v", h)
	}
	_, m, _ = fx.do(t, "GET", "/v2/usermanagement/users/"+fx.s.OrgID()+"/0/Live%20Agent", "", nil)
	if m["groupName"] != "Live Agent" || len(m["users"].([]any)) != 2 || m["lastPage"] != true {
		t.Errorf("by group: %v", m)
	}
	st, m, _ = fx.do(t, "GET", "/v2/usermanagement/users/"+fx.s.OrgID()+"/0/Nope", "", nil)
	if st != 404 || m["result"] != "error.group.not_found" {
		t.Errorf("unknown group: %d %v", st, m)
	}
	st, m, _ = fx.do(t, "GET", "/v2/usermanagement/groups/"+fx.s.OrgID()+"/0", "", nil)
	groups := m["groups"].([]any)
	if st != 200 || len(groups) != 7 || m["lastPage"] != true {
		t.Fatalf("groups: %d %v", st, m)
	}
	g := groups[0].(map[string]any)
	if g["type"] != "PRODUCT_PROFILE" || g["productName"] != "Dynamic Chat" || g["licenseQuota"] != "50" || g["memberCount"] != 1.0 {
		t.Errorf("first group %v", g)
	}
}

func TestLoadSeedJSONAndStrictness(t *testing.T) {
	s := adobefake.New(adobefake.Options{})
	err := s.LoadSeed(strings.NewReader(`{"profiles":[{"name":"Live Agent","product":"Dynamic Chat","quota":3}],"users":[{"email":"a@example.com","groups":["Live Agent"]}]}`))
	if err != nil || len(s.Members("Live Agent")) != 1 {
		t.Fatalf("json seed: %v %v", err, s.Members("Live Agent"))
	}
	if err := s.LoadSeed(strings.NewReader("profiles:\n  - name: X\n    colour: red\n")); err == nil {
		t.Error("unknown YAML key accepted")
	}
	if err := s.LoadSeed(strings.NewReader(`{"users":[{"email":"b@example.com","groups":["Missing"]}]}`)); err == nil {
		t.Error("membership of a missing group accepted")
	}
}

func TestListenAndServe(t *testing.T) {
	s := adobefake.New(adobefake.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	resp, err := http.Post("http://"+ln.Addr().String()+"/ims/token/v3", "application/x-www-form-urlencoded",
		strings.NewReader("grant_type=client_credentials&client_id=chataccess-demo&client_secret=demo-secret&scope=openid,AdobeID,user_management_sdk"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("token over TCP: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v", err)
	}
}

func TestRequestsHideAuthorizationAndSecret(t *testing.T) {
	fx := start(t, adobefake.Options{})
	fx.do(t, "GET", "/v2/usermanagement/groups/"+fx.s.OrgID()+"/0", "", nil)
	for _, r := range fx.s.Requests() {
		if r.Header.Get("Authorization") != "" || strings.Contains(string(r.Body), fx.s.ClientSecret()) {
			t.Errorf("recorded secret in %+v", r)
		}
	}
	if fx.s.Calls(adobefake.KindToken) != 1 || fx.s.Calls(adobefake.KindGroups) != 1 {
		t.Errorf("calls: token %d groups %d", fx.s.Calls(adobefake.KindToken), fx.s.Calls(adobefake.KindGroups))
	}
}
