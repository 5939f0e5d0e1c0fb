package marketofake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

type tclock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tclock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *tclock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	s     *Server
	srv   *httptest.Server
	clock *tclock
}

func start(t *testing.T, opt Options) *env {
	t.Helper()
	e := &env{clock: &tclock{t: time.Date(2026, 1, 15, 15, 0, 0, 0, time.UTC)}}
	if opt.Clock == nil {
		opt.Clock = e.clock.Now
	}
	e.s = New(opt)
	e.srv = httptest.NewServer(e.s)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) token(t *testing.T) (string, int) {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/identity/oauth/token?grant_type=client_credentials&client_id=" + DefaultClientID + "&client_secret=" + DefaultClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
		Scope       string `json:"scope"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body.TokenType != "bearer" || body.Scope == "" {
		t.Fatalf("token: %d %+v %v", resp.StatusCode, body, err)
	}
	return body.AccessToken, body.ExpiresIn
}

// call sends a user management request and returns status and body.
func (e *env) call(t *testing.T, method, path, tok string, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.srv.URL+"/userservice/management/v1/users/"+path, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTokenLifecycle(t *testing.T) {
	e := start(t, Options{})
	tok, left := e.token(t)
	if left != 3600 || !strings.HasSuffix(tok, ":fk") {
		t.Fatalf("token %q left %d", tok, left)
	}
	e.clock.Advance(10 * time.Minute)
	again, left := e.token(t)
	if again != tok || left != 3000 {
		t.Fatalf("before expiry the same token with its remaining life is expected: %q %d", again, left)
	}
	if st, _ := e.call(t, "GET", "roles.json", tok, ""); st != 200 {
		t.Fatalf("valid token: %d", st)
	}
	e.clock.Advance(time.Hour)
	if st, body := e.call(t, "GET", "roles.json", tok, ""); st != 401 || !strings.Contains(body, "602") {
		t.Fatalf("expired token: %d %s", st, body)
	}
	fresh, _ := e.token(t)
	if fresh == tok {
		t.Fatal("no new token after expiry")
	}
	if st, body := e.call(t, "GET", "roles.json", "made-up", ""); st != 401 || !strings.Contains(body, "601") {
		t.Fatalf("unknown token: %d %s", st, body)
	}
	if st, body := e.call(t, "GET", "roles.json?access_token="+fresh, "", ""); st != 401 || !strings.Contains(body, "Authorization header") {
		t.Fatalf("query token: %d %s", st, body)
	}
	if s := e.s.Stats(); s.TokenRequests != 3 || s.TokensIssued != 2 || s.TokenRejected != 3 {
		t.Fatalf("stats %+v", s)
	}
	resp, _ := http.Get(e.srv.URL + "/identity/oauth/token?grant_type=client_credentials&client_id=x&client_secret=y")
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("bad credentials: %d", resp.StatusCode)
	}
	for _, r := range e.s.Requests() {
		if strings.Contains(r.Query, DefaultClientSecret) || strings.Contains(r.Query, fresh) || r.Header.Get("Authorization") != "" {
			t.Fatalf("recorded a secret: %+v", r)
		}
	}
}

func TestInstanceLimits(t *testing.T) {
	t.Run("606 over 100 calls in the window", func(t *testing.T) {
		e := start(t, Options{})
		tok, _ := e.token(t)
		for i := range 100 {
			if st, _ := e.call(t, "GET", "roles.json", tok, ""); st != 200 {
				t.Fatalf("call %d: %d", i, st)
			}
		}
		if st, body := e.call(t, "GET", "roles.json", tok, ""); st != 429 || !strings.Contains(body, `"code":606`) {
			t.Fatalf("101st call: %d %s", st, body)
		}
		e.clock.Advance(20 * time.Second)
		if st, _ := e.call(t, "GET", "roles.json", tok, ""); st != 200 {
			t.Fatalf("after the window: %d", st)
		}
	})
	t.Run("606 in envelope style", func(t *testing.T) {
		e := start(t, Options{RateLimit: 1, Style: StyleEnvelope})
		tok, _ := e.token(t)
		e.call(t, "GET", "roles.json", tok, "")
		st, body := e.call(t, "GET", "roles.json", tok, "")
		if st != 200 || !strings.Contains(body, `"success":false`) || !strings.Contains(body, `"code":"606"`) || !strings.Contains(body, "requestId") {
			t.Fatalf("%d %s", st, body)
		}
	})
	t.Run("615 over 10 concurrent calls", func(t *testing.T) {
		e := start(t, Options{Latency: 200 * time.Millisecond})
		tok, _ := e.token(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for range 15 {
			wg.Go(func() {
				st, body := e.call(t, "GET", "roles.json", tok, "")
				mu.Lock()
				defer mu.Unlock()
				codes[st]++
				if st != 200 && !strings.Contains(body, "615") {
					t.Errorf("%d %s", st, body)
				}
			})
		}
		wg.Wait()
		if codes[200] != 10 || codes[429] != 5 || e.s.Stats().MaxInFlight != 10 {
			t.Fatalf("codes %v stats %+v", codes, e.s.Stats())
		}
	})
	t.Run("607 daily quota resets at midnight Central", func(t *testing.T) {
		e := start(t, Options{DailyQuota: 1})
		tok, _ := e.token(t)
		e.call(t, "GET", "roles.json", tok, "")
		if st, body := e.call(t, "GET", "roles.json", tok, ""); !strings.Contains(body, "607") {
			t.Fatalf("%d %s", st, body)
		}
		e.clock.Advance(14*time.Hour + 59*time.Minute) // 05:59 UTC = 23:59 CST
		tok, _ = e.token(t)
		if _, body := e.call(t, "GET", "roles.json", tok, ""); !strings.Contains(body, "607") {
			t.Fatalf("before midnight: %s", body)
		}
		e.clock.Advance(time.Minute)
		tok, _ = e.token(t)
		if st, _ := e.call(t, "GET", "roles.json", tok, ""); st != 200 {
			t.Fatalf("after midnight: %d", st)
		}
	})
}

func TestUsersAndRoles(t *testing.T) {
	e := start(t, Options{RequireOneRole: true})
	f, err := os.Open("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := e.s.LoadSeed(f); err != nil {
		t.Fatal(err)
	}
	tok, _ := e.token(t)
	if !e.s.IsAdmin("morgan.admin@example.com") || e.s.IsAdmin("alice@example.com") {
		t.Fatal("admin flag")
	}
	st, body := e.call(t, "GET", "allusers.json?pageSize=2", tok, "")
	var page []map[string]any
	if st != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page) != 2 {
		t.Fatalf("page: %d %s", st, body)
	}
	if st, _ := e.call(t, "GET", "allusers.json?pageSize=201", tok, ""); st != 400 {
		t.Fatalf("pageSize 201: %d", st)
	}
	if st, body := e.call(t, "GET", "alice@example.com/user.json", tok, ""); st != 200 || !strings.Contains(body, `"lastLoginAt":"2026-01-20T14:02:00.000t+0000"`) {
		t.Fatalf("user: %d %s", st, body)
	}
	if st, _ := e.call(t, "GET", "ghost@example.com/user.json", tok, ""); st != 404 {
		t.Fatalf("ghost: %d", st)
	}
	// Documented sample body: a bare array.
	st, body = e.call(t, "POST", "carol@example.com/roles/create.json", tok, `[{"accessRoleId":101,"workspaceId":1}]`)
	if st != 200 || !strings.Contains(body, `"accessRoleName":"DC Agent"`) || !strings.Contains(body, `"accessRoleName":"Standard User"`) {
		t.Fatalf("create: %d %s", st, body)
	}
	// Same again: no change recorded.
	e.call(t, "POST", "carol@example.com/roles/create.json", tok, `[{"accessRoleId":101,"workspaceId":1}]`)
	// The OpenAPI shape is refused with a message naming the setting.
	if st, body := e.call(t, "POST", "carol@example.com/roles/delete.json", tok, `{"input":[{"accessRoleId":101,"workspaceId":1}]}`); st != 400 || !strings.Contains(body, "DeleteRolesBody") {
		t.Fatalf("wrong shape: %d %s", st, body)
	}
	st, body = e.call(t, "POST", "carol@example.com/roles/delete.json", tok, `[{"accessRoleId":101,"workspaceId":1}]`)
	if st != 200 || strings.Contains(body, "DC Agent") {
		t.Fatalf("delete: %d %s", st, body)
	}
	if st, body := e.call(t, "POST", "carol@example.com/roles/delete.json", tok, `[{"accessRoleId":2,"workspaceId":1}]`); st != 400 || !strings.Contains(body, "709") {
		t.Fatalf("last role: %d %s", st, body)
	}
	if st, _ := e.call(t, "POST", "carol@example.com/roles/create.json", tok, `[{"accessRoleId":999,"workspaceId":1}]`); st != 400 {
		t.Fatalf("unknown role: %d", st)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/userservice/management/v1/users/carol@example.com/roles/create.json", strings.NewReader(`[]`))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, _ := http.DefaultClient.Do(req)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "612") {
		t.Fatalf("no content type: %d %s", resp.StatusCode, b)
	}
	if st, _ := e.call(t, "GET", "carol@example.com/roles/create.json", tok, ""); st != 405 {
		t.Fatalf("wrong method: %d", st)
	}
	if st, _ := e.call(t, "GET", "nothing.json", tok, ""); st != 404 {
		t.Fatalf("unknown path: %d", st)
	}
	applied := e.s.Applied()
	if len(applied) != 2 || applied[0].Op != "add" || applied[1].Op != "remove" || applied[0].RoleID != 101 {
		t.Fatalf("applied %+v", applied)
	}
	if st, body := e.call(t, "GET", "dave@example.com/invite.json", tok, ""); st != 200 || !strings.Contains(body, `"status":"pending"`) {
		t.Fatalf("invited: %d %s", st, body)
	}
	if err := e.s.AcceptInvite("dave@example.com"); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.call(t, "GET", "dave@example.com/user.json", tok, ""); st != 200 {
		t.Fatalf("accepted: %d", st)
	}
}

func TestSyncLagAndFaults(t *testing.T) {
	e := start(t, Options{UserLag: 30 * time.Minute, IMS: true})
	e.s.SyncFromAdobe("erin@example.com", "Erin", "Lee")
	if _, ok := e.s.User("erin@example.com"); ok {
		t.Fatal("user visible before the lag")
	}
	e.clock.Advance(30 * time.Minute)
	u, ok := e.s.User("erin@example.com")
	if !ok || !strings.HasSuffix(u.UserID, "@AdobeID") || len(u.Roles) != 1 || u.Roles[0] != (Assignment{2, 1}) {
		t.Fatalf("synced user %+v", u)
	}
	tok, _ := e.token(t)
	e.s.FailUser(u.UserID, Fault{Code: 611})
	if st, _ := e.call(t, "GET", u.UserID+"/roles.json", tok, ""); st != 500 {
		t.Fatalf("user fault: %d", st)
	}
	if st, _ := e.call(t, "GET", "roles.json", tok, ""); st != 200 {
		t.Fatalf("other call: %d", st)
	}
	e.s.FailUser(u.UserID, Fault{})
	e.s.FailFor(time.Minute, Fault{Status: 429, RetryAfter: 30 * time.Second})
	req, _ := http.NewRequest("GET", e.srv.URL+"/userservice/management/v1/users/roles.json", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("storm: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(time.Minute)
	if st, _ := e.call(t, "GET", "roles.json", tok, ""); st != 200 {
		t.Fatalf("after storm: %d", st)
	}
	e.s.FailNext(1, Fault{Drop: true})
	req, _ = http.NewRequest("POST", e.srv.URL+"/userservice/management/v1/users/roles.json", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped call answered %d", resp.StatusCode)
	}
	e.s.FailIdentityNext(1, Fault{Code: 611})
	resp, _ = http.Get(e.srv.URL + "/identity/oauth/token?grant_type=client_credentials&client_id=" + DefaultClientID + "&client_secret=" + DefaultClientSecret)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("identity fault: %d", resp.StatusCode)
	}
}

func TestLoadSeedReportsEveryProblem(t *testing.T) {
	s := New(Options{})
	err := s.LoadSeed(strings.NewReader(`
roles:
  - {id: 0, name: Broken}
users:
  - userid: a@example.com
    roles: [{role: Nope, workspace: Default}, {role: Admin, workspace: Nowhere}]
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"roles[0]", `unknown role "Nope"`, `unknown workspace "Nowhere"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if err := s.LoadSeed(strings.NewReader(`{"users":[{"userid":"x@example.com","colour":"red"}]}`)); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("unknown key: %v", err)
	}
	if err := s.LoadSeed(strings.NewReader(`{"workspaces":[{"id":5,"name":"JSON"}],"users":[{"userid":"j@example.com","roles":[{"roleId":2,"workspaceId":5}]}]}`)); err != nil {
		t.Fatalf("JSON seed: %v", err)
	}
	if r := s.Roles("j@example.com"); len(r) != 1 || r[0] != (Assignment{2, 5}) {
		t.Fatalf("roles %+v", r)
	}
}

func TestListenAndServe(t *testing.T) {
	s := New(Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	resp, err := http.Post("http://"+ln.Addr().String()+"/identity/oauth/token?grant_type=client_credentials&client_id="+DefaultClientID+"&client_secret="+DefaultClientSecret, "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST token: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
