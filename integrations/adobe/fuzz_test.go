package adobe

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

func FuzzParseActionResult(f *testing.F) {
	for _, s := range []string{
		`{"completed":1,"notCompleted":0,"completedInTestMode":0,"result":"success"}`,
		`{"result":"error","completed":0,"notCompleted":1,"errors":[{"index":0,"step":"1","requestID":"r","user":"u@x","message":"m","errorCode":"error.user.nonexistent"}]}`,
		`{"result":"partial","warnings":[{"index":"3","step":0,"warningCode":"warning.command.deprecated"}]}`,
		`{"result":"error.organization.invalid_id","message":"Bad organization Id"}`,
		`{"result":"success","errors":[{"index":-1,"step":1e300}]}`,
		`[]`, `null`, `{"result":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseActionResult(body)
		if err != nil {
			return
		}
		r.cmds = []Command{{User: "u@x", RequestID: "r", Do: []Step{{Add: []string{"P"}}}}}
		_ = r.callError()
		for i := -1; i < 3; i++ {
			if e := r.ErrorFor(i); e != nil {
				_ = e.Error()
				if h := e.Human(); h == "" || strings.Contains(h, "the user in") {
					t.Fatalf("ErrorFor(%d).Human() = %q", i, h)
				}
			}
			_ = r.WarningsFor(i)
		}
		for _, ci := range append(r.Errors, r.Warnings...) {
			if ci.Index < -1 || ci.Step < -1 {
				t.Fatalf("negative index/step %+v", ci)
			}
		}
	})
}

func FuzzParseUserPage(f *testing.F) {
	for _, s := range []string{
		`{"lastPage":false,"result":"success","users":[{"id":"a","email":"j@x.com","groups":["Live Agent"],"type":"federatedID"}]}`,
		`{"lastPage":true,"result":"success","groupName":"G","users":[]}`,
		`{"result":"error.group.not_found","message":"Not found: Group 1234","lastPage":false}`,
		`{"users":null,"result":"success"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseUserPage(body)
		if err != nil {
			return
		}
		if p.Result != "success" {
			t.Fatalf("accepted result %q", p.Result)
		}
		for _, u := range p.Users {
			_ = u.InGroup("Live Agent")
		}
		_, _ = parseUser(body)
	})
}

func FuzzParseGroupPage(f *testing.F) {
	for _, s := range []string{
		`{"lastPage":true,"result":"success","groups":[{"type":"PRODUCT_PROFILE","groupName":"Live Agent","memberCount":3,"productName":"Dynamic Chat","licenseQuota":"25","groupId":123}]}`,
		`{"lastPage": true, "result": "Not found"}`,
		`{"lastPage":false,"result":"success","groups":[{"groupName":"x","memberCount":1.5}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseGroupPage(body)
		if err != nil {
			return
		}
		if p.Result != "success" && len(p.Groups) != 0 {
			t.Fatalf("groups from a %q page", p.Result)
		}
	})
}

func FuzzParseUser(f *testing.F) {
	f.Add([]byte(`{"result":"success","user":{"id":"x","email":"a@b.c","status":"active","groups":["G"]}}`))
	f.Add([]byte(`{"result":"error.user.not_found","message":"User not found email@email.com"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := parseUser(body)
		if err == nil && u == nil {
			t.Fatal("nil user without error")
		}
	})
}

func FuzzParseToken(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"eyJabc","token_type":"bearer","expires_in":86399}`,
		`{"access_token":"eyJabc","token_type":"bearer","expires_in":"86399"}`,
		`{"access_token":"eyJabc","expires_in":1e30}`,
		`{"error":"invalid_client","error_description":"invalid client_secret parameter"}`,
		`{"access_token":"","expires_in":-5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, life, err := parseToken(body)
		if err != nil {
			if tok != "" {
				t.Fatal("token returned with an error")
			}
			return
		}
		if tok == "" || life <= 0 || life > 11*365*24*time.Hour {
			t.Fatalf("token %q lifetime %v", tok, life)
		}
		var raw map[string]any
		_ = json.Unmarshal(body, &raw)
	})
}

// FuzzUMAPIError: any status, Retry-After and body classify into the
// closed set of reasons with a sentence, and never echo the secret.
func FuzzUMAPIError(f *testing.F) {
	for _, s := range []struct {
		status int
		ra     string
		body   string
	}{
		{404, "", `{"result":"error.user.not_found","message":"User not found a@x"}`},
		{404, "", `{"error_code":"404040","message":"Resource not found"}`},
		{404, "", `<html>Not Found</html>`},
		{429, "38", `{"error_code":"429050","message":"Too many requests"}`},
		{400, "", `{"result":"error.organization.invalid_id","message":"Bad organization Id"}`},
		{403, "", `{"result":"error.organization.migrating"}`},
		{418, "1e9", `{"result":"error.internal.exceptionflys","message":"s3cr3t"}`},
		{503, "Wed, 21 Oct 2015 07:28:00 GMT", ``},
	} {
		f.Add(s.status, s.ra, []byte(s.body))
	}
	c, err := New(Config{OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "s3cr3t"})
	if err != nil {
		f.Fatal(err)
	}
	known := map[failure.Reason]bool{}
	for _, r := range failure.Reasons() {
		known[r] = true
	}
	f.Fuzz(func(t *testing.T, status int, ra string, body []byte) {
		h := http.Header{}
		h.Set("Retry-After", ra)
		e := c.umapiError(call{op: opUser, user: "a@x.com"}, &response{status: status, header: h, body: body}, 1)
		if !known[e.Reason] {
			t.Fatalf("reason %q outside the closed set", e.Reason)
		}
		if e.RetryAfter < 0 || e.RetryAfter > c.cfg.MaxRetryAfter {
			t.Fatalf("RetryAfter %s", e.RetryAfter)
		}
		for _, s := range []string{e.Error(), e.Human()} {
			if s == "" || strings.Contains(s, "s3cr3t") {
				t.Fatalf("text %q", s)
			}
		}
		if status == 404 && e.Reason != failure.ReasonConfig && e.Reason != failure.ReasonNotFound {
			t.Fatalf("404 read as %s", e.Reason)
		}
	})
}

// FuzzNormalizeUMAPIURL: the result never ends in /v2/usermanagement or
// a slash, and normalizing twice changes nothing.
func FuzzNormalizeUMAPIURL(f *testing.F) {
	for _, s := range []string{"https://usermanagement.adobe.io", "https://usermanagement.adobe.io/v2/usermanagement",
		"https://usermanagement.adobe.io/v2/usermanagement/", " http://127.0.0.1:8080/proxy/V2/UserManagement ", "/v2/usermanagement", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeUMAPIURL(s)
		if NormalizeUMAPIURL(n) != n && strings.HasSuffix(strings.ToLower(n), umapiPath) {
			t.Fatalf("NormalizeUMAPIURL(%q) = %q still ends in the endpoint path", s, n)
		}
		if strings.HasSuffix(n, "/") {
			t.Fatalf("NormalizeUMAPIURL(%q) = %q ends in a slash", s, n)
		}
	})
}
