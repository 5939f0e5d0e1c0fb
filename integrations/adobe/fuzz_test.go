package adobe

import (
	"encoding/json"
	"testing"
	"time"
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
				_ = e.Human()
				if e.Index != i {
					t.Fatalf("ErrorFor(%d) returned index %d", i, e.Index)
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

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"38", "-1", "0", "", "Wed, 21 Oct 2015 07:28:00 GMT", "999999999999999999999", "1.5", " 7 ", "+3"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		d, ok := ParseRetryAfter(h, now)
		if d < 0 {
			t.Fatalf("negative delay %v for %q", d, h)
		}
		if !ok && d != 0 {
			t.Fatalf("delay %v without ok for %q", d, h)
		}
	})
}
