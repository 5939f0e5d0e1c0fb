package marketo

import (
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

// Fuzz targets for every parser of Marketo responses. They check that
// parsers never panic, that parse errors never quote a token, and that
// what parses once parses the same again.

func FuzzParseToken(f *testing.F) {
	f.Add([]byte(sampleToken))
	f.Add([]byte(`{"access_token":"x","expires_in":"3599"}`))
	f.Add([]byte(`{"access_token":null,"expires_in":1e99}`))
	f.Add([]byte(`{"error":"invalid_client"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := ParseToken(body)
		if err != nil {
			if len(body) > 8 && strings.Contains(err.Error(), string(body)) {
				t.Fatalf("error quotes the body: %v", err)
			}
			return
		}
		if tok.AccessToken == "" || tok.ExpiresIn < 0 {
			t.Fatalf("accepted %+v", tok)
		}
	})
}

func FuzzParseUsers(f *testing.F) {
	f.Add([]byte(sampleAllUsers))
	f.Add([]byte(`[{"userid":1,"id":"7","apiOnly":"true"}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(sampleUser))
	f.Fuzz(func(t *testing.T, body []byte) {
		if us, err := ParseUsers(body); err == nil {
			again, err := ParseUsers(body)
			if err != nil || len(again) != len(us) {
				t.Fatalf("unstable parse")
			}
		}
		if u, err := ParseUser(body); err == nil && u.UserID == "" && u.ID == 0 {
			t.Fatalf("accepted a user without id: %+v", u)
		}
	})
}

func FuzzParseRoles(f *testing.F) {
	f.Add([]byte(sampleRoles))
	f.Add([]byte(sampleWorkspaces))
	f.Add([]byte(sampleDeleteRolesAnswer))
	f.Add([]byte(`[{"id":"1","isHidden":1,"onlyAllZones":"false"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = ParseRoles(body)
		_, _ = ParseWorkspaces(body)
		_, _ = ParseAssignments(body)
	})
}

func FuzzParseErrorBody(f *testing.F) {
	f.Add([]byte(sampleEnvelopeError))
	f.Add([]byte(`{"errors":[{"code":606,"message":"Max rate limit '100' exceeded with in '20' secs"}]}`))
	f.Add([]byte(`{"error":"invalid_client","error_description":"Bad client credentials"}`))
	f.Add([]byte(`{"error_code":"429050","message":"Too many requests"}`))
	f.Add([]byte(`{"success":"false","errors":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		eb, err := ParseErrorBody(body)
		if err != nil {
			return
		}
		e := classifyT("op", 200, eb.Code, eb.Message, nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if e.Reason.Class() == failure.Unknown && e.Reason != failure.ReasonUnknown {
			t.Fatalf("reason %q outside the closed set for %+v", e.Reason, eb)
		}
		if e.Class() == failure.RateLimited && e.Delay() <= 0 || e.Class() == failure.Permanent && e.Delay() != 0 {
			t.Fatalf("%s (%s) with delay %s", e.Reason, e.Class(), e.Delay())
		}
		_ = e.Error()
		_ = e.Human()
	})
}

func FuzzParseInvitedUser(f *testing.F) {
	f.Add([]byte(sampleInvited))
	f.Add([]byte(`{"userid":"a@b","subscriptionId":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = ParseInvitedUser(body)
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"20200731T20:49:54.0t+0000", "2020-12-31T08:00:00.000t+0000", "2020-12-31T23:59:59-05:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = ParseTime(s)
	})
}
