package adobe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/failure"
)

func TestTokenRequestIsFormBody(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	if _, err := e.client.GetUser(context.Background(), "ana.admin@example.com", ""); err != nil {
		t.Fatal(err)
	}
	var tok []adobefake.Recorded
	for _, r := range e.fake.Requests() {
		if r.Kind == adobefake.KindToken {
			tok = append(tok, r)
		}
	}
	if len(tok) != 1 {
		t.Fatalf("token requests = %d, want 1", len(tok))
	}
	r := tok[0]
	if r.Method != http.MethodPost || r.Path != "/ims/token/v3" {
		t.Errorf("token call %s %s, want POST /ims/token/v3", r.Method, r.Path)
	}
	if r.Query != "" {
		t.Errorf("token call has a query string %q; credentials must go in the body", r.Query)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	form, _ := url.ParseQuery(string(r.Body))
	want := map[string]string{"grant_type": "client_credentials", "scope": "openid,AdobeID,user_management_sdk",
		"client_id": e.cfg.ClientID, "client_secret": "<redacted>"}
	for k, v := range want {
		if form.Get(k) != v {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), v)
		}
	}
}

func TestTokenSingleFlight(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	e.fake.SetLatency(30 * time.Millisecond) // keep the token request open while callers pile up
	ctx := context.Background()
	if _, err := e.client.GetUser(ctx, "ana.admin@example.com", ""); err != nil {
		t.Fatal(err)
	}
	// Expire the cached token on both sides.
	e.fake.ExpireTokens()
	e.client.tokens.mu.Lock()
	e.client.tokens.renewAt = time.Now().Add(-time.Second)
	e.client.tokens.mu.Unlock()
	before := e.fake.Calls(adobefake.KindToken)

	var wg sync.WaitGroup
	var fails atomic.Int32
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.client.GetUser(ctx, "lee.agent@example.com", ""); err != nil {
				fails.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := e.fake.Calls(adobefake.KindToken) - before; got != 1 {
		t.Errorf("token requests after expiry = %d, want exactly 1", got)
	}
	if fails.Load() != 0 {
		t.Errorf("%d callers failed", fails.Load())
	}
}

func TestReauthOnceOn401(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	ctx := context.Background()
	if _, err := e.client.GetUser(ctx, "ana.admin@example.com", ""); err != nil {
		t.Fatal(err)
	}
	e.fake.ExpireTokens() // the server rejects the cached token; the client thinks it is fine
	if _, err := e.client.GetUser(ctx, "ana.admin@example.com", ""); err != nil {
		t.Fatalf("after server-side expiry: %v", err)
	}
	if got := e.fake.Calls(adobefake.KindToken); got != 2 {
		t.Errorf("token requests = %d, want 2 (one re-auth)", got)
	}
}

func TestPersistent401IsAuth(t *testing.T) {
	var tokens, calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ims/") {
			tokens.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok-abc","token_type":"bearer","expires_in":86399}`))
			return
		}
		calls.Add(1)
		w.Header().Set("WWW-Authenticate", `Bearer realm="JIL", error="invalid_token"`)
		w.WriteHeader(401)
	}))
	defer srv.Close()
	c, err := New(Config{IMSURL: srv.URL, UMAPIURL: srv.URL, OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "sec"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(context.Background(), "x@example.com", "")
	ae := asErr(t, err)
	if ae.Reason != failure.ReasonAuth || ae.Retryable() {
		t.Errorf("reason %s retryable %v, want auth, not retryable", ae.Reason, ae.Retryable())
	}
	if tokens.Load() != 2 || calls.Load() != 2 {
		t.Errorf("tokens=%d calls=%d, want 2 and 2 (exactly one re-auth and retry)", tokens.Load(), calls.Load())
	}
}

func TestBadCredentials(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"wrong secret", func(c *Config) { c.ClientSecret = "wrong-secret-value" }},
		{"wrong client id", func(c *Config) { c.ClientID = "someone-else" }},
		{"wrong scope", func(c *Config) { c.Scope = "openid" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, noLimits(), tt.mod)
			_, err := e.client.GetUser(context.Background(), "ana.admin@example.com", "")
			ae := asErr(t, err)
			if ae.Reason != failure.ReasonAuth || ae.Op != opToken || ae.Retryable() {
				t.Errorf("got %v (reason %s), want non-retryable auth from ims.token", ae, ae.Reason)
			}
			if !strings.Contains(ae.Human(), "ADOBE_CLIENT_SECRET") {
				t.Errorf("Human() = %q", ae.Human())
			}
		})
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, adobefake.Options{Limits: adobefake.Limits{Disabled: true}, Now: clock}, nil, WithClock(clock))
	ctx := context.Background()
	for _, advance := range []time.Duration{0, 22 * time.Hour, 70 * time.Minute} {
		mu.Lock()
		now = now.Add(advance)
		mu.Unlock()
		if _, err := e.client.GetUser(ctx, "ana.admin@example.com", ""); err != nil {
			t.Fatal(err)
		}
	}
	// 0 h: new token; 22 h: still good; 23 h 10 m: inside the 1 h margin, renewed.
	if got := e.fake.Calls(adobefake.KindToken); got != 2 {
		t.Errorf("token requests = %d, want 2", got)
	}
	for _, r := range e.fake.Requests() {
		if r.Status == 401 {
			t.Errorf("a call was rejected with 401; the token should have been renewed early")
		}
	}
}
