package adobe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/failure"
)

func TestEveryCallSendsRequiredHeaders(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	ctx := context.Background()
	if _, err := e.client.GetUser(ctx, "ana.admin@example.com", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Apply(ctx, UserChange{User: UserSpec{Email: "ana.admin@example.com"}, Add: []string{"Live Agent"}, RequestID: "r1/adobe"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ProductProfiles(ctx, DefaultProductName); err != nil {
		t.Fatal(err)
	}
	idRe := regexp.MustCompile(`^[0-9a-f]{32}_[0-9]+$`)
	n := 0
	for _, r := range e.fake.Requests() {
		if r.Kind == adobefake.KindToken {
			continue
		}
		n++
		if r.Header.Get("X-Api-Key") != e.cfg.ClientID {
			t.Errorf("%s %s: X-Api-Key = %q", r.Method, r.Path, r.Header.Get("X-Api-Key"))
		}
		if !idRe.MatchString(r.Header.Get("X-Request-Id")) {
			t.Errorf("%s: X-Request-Id = %q", r.Path, r.Header.Get("X-Request-Id"))
		}
		if r.Header.Get("User-Agent") != "chataccess/test" {
			t.Errorf("%s: User-Agent = %q", r.Path, r.Header.Get("User-Agent"))
		}
		if r.Status != 200 {
			t.Errorf("%s: status %d (the emulator rejected a missing bearer token?)", r.Path, r.Status)
		}
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type = %q", r.Path, r.Header.Get("Content-Type"))
		}
	}
	if n != 3 {
		t.Errorf("UMAPI calls = %d, want 3", n)
	}
}

func TestErrorClasses(t *testing.T) {
	ctx := context.Background()
	type check struct {
		reason    failure.Reason
		retryable bool
		status    int
		code      string
		minDelay  time.Duration
		human     string
	}
	tests := []struct {
		name  string
		mod   func(*Config)
		setup func(*adobefake.Server)
		run   func(*Client) error
		want  check
		calls int // UMAPI attempts expected (0: don't check)
	}{
		{
			name:  "429 long Retry-After returns at once",
			setup: func(s *adobefake.Server) { s.ThrottleNext(adobefake.KindAny, 5, "38") },
			run:   getAna,
			want:  check{reason: failure.ReasonRateLimited, retryable: true, status: 429, code: "429050", minDelay: 38 * time.Second, human: "rate limiting"},
			calls: 1,
		},
		{
			name:  "429 short Retry-After is retried inline",
			setup: func(s *adobefake.Server) { s.ThrottleNext(adobefake.KindAny, 1, "0") },
			run:   getAna,
			calls: 2,
		},
		{
			name:  "503 twice then success",
			setup: func(s *adobefake.Server) { s.FailNext(adobefake.KindAny, 2, 503) },
			run:   getAna,
			calls: 3,
		},
		{
			name:  "502 every time gives unavailable after capped attempts",
			setup: func(s *adobefake.Server) { s.FailNext(adobefake.KindAny, 10, 502) },
			run:   getAna,
			want:  check{reason: failure.ReasonUnavailable, retryable: true, status: 502, human: "not answering"},
			calls: 3,
		},
		{
			name: "504 with HTTP-date Retry-After far away",
			setup: func(s *adobefake.Server) {
				s.FailNextRetryAfter(adobefake.KindAny, 1, 504, time.Now().Add(10*time.Minute).UTC().Format(http.TimeFormat))
			},
			run:   getAna,
			want:  check{reason: failure.ReasonUnavailable, retryable: true, status: 504, minDelay: 9 * time.Minute},
			calls: 1,
		},
		{
			name:  "absurd Retry-After is capped",
			mod:   func(c *Config) { c.MaxRetryAfter = time.Hour },
			setup: func(s *adobefake.Server) { s.ThrottleNext(adobefake.KindAny, 1, "9999999") },
			run:   getAna,
			want:  check{reason: failure.ReasonRateLimited, retryable: true, status: 429, minDelay: time.Hour},
			calls: 1,
		},
		{
			name:  "dropped connections",
			setup: func(s *adobefake.Server) { s.DropNext(adobefake.KindAny, 5) },
			run:   getAna,
			want:  check{reason: failure.ReasonUnavailable, retryable: true},
			// net/http itself may resend a GET whose reused connection died.
		},
		{
			name:  "timeout",
			mod:   func(c *Config) { c.HTTPTimeout = 50 * time.Millisecond; c.MaxAttempts = 1 },
			setup: func(s *adobefake.Server) { s.SetLatency(300 * time.Millisecond) },
			run:   getAna,
			want:  check{reason: failure.ReasonTimeout, retryable: true, human: "did not answer"},
		},
		{
			name: "ADOBE_UMAPI_URL in Adobe's endpoint form works",
			mod:  func(c *Config) { c.UMAPIURL += "/v2/usermanagement/" },
			run:  getAna,
		},
		{
			name: "a wrong UMAPI path is a config error, not a missing user",
			mod:  func(c *Config) { c.UMAPIURL += "/v2" },
			run:  getAna,
			want: check{reason: failure.ReasonConfig, status: 404, human: "ADOBE_UMAPI_URL"},
		},
		{
			name: "a wrong UMAPI path on an action names the variable",
			mod:  func(c *Config) { c.UMAPIURL += "/v2" },
			run: func(c *Client) error {
				_, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "ana.admin@example.com"}, Add: []string{"Live Agent"}})
				return err
			},
			want:  check{reason: failure.ReasonConfig, status: 404, human: "ADOBE_UMAPI_URL is wrong"},
			calls: 1,
		},
		{
			name: "Federated ID in a directory that is not set up",
			run: func(c *Client) error {
				_, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "new@partner.example.com", Type: FederatedID, Country: "US", FirstName: "N", LastName: "U"},
					Add: []string{"Live Agent"}, RequestID: "r7/adobe"})
				return err
			},
			want: check{reason: failure.ReasonConfig, status: 200, code: "error.internal.create_failed",
				human: "could not create the account for new@partner.example.com"},
			calls: 1,
		},
		{
			name: "undocumented internal error is unknown",
			setup: func(s *adobefake.Server) {
				s.FailUser("ana.admin@example.com", "error.internal.add", "Operation failed for unknown reason")
			},
			run: func(c *Client) error {
				_, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "ana.admin@example.com"}, Add: []string{"Live Agent"}})
				return err
			},
			want:  check{reason: failure.ReasonUnknown, retryable: true, code: "error.internal.add", human: "does not recognise (error.internal.add"},
			calls: 1,
		},
		{
			name:  "undocumented HTTP status is unknown and not retried inline",
			setup: func(s *adobefake.Server) { s.FailNext(adobefake.KindAny, 5, http.StatusTeapot) },
			run:   getAna,
			want:  check{reason: failure.ReasonUnknown, retryable: true, status: 418, human: "HTTP 418"},
			calls: 1,
		},
		{
			name:  "403",
			setup: func(s *adobefake.Server) { s.FailNext(adobefake.KindAny, 1, 403) },
			run:   getAna,
			want:  check{reason: failure.ReasonForbidden, status: 403, human: "API key"},
			calls: 1,
		},
		{
			name: "user not found",
			run: func(c *Client) error {
				_, err := c.GetUser(ctx, "nobody@example.com", "")
				return err
			},
			want: check{reason: failure.ReasonNotFound, status: 404, code: "error.user.not_found", human: "Adobe has no user nobody@example.com in this organization."},
		},
		{
			name: "group not found",
			run: func(c *Client) error {
				return c.GroupMembers(ctx, "No Such Profile", func(User) error { return nil })
			},
			want: check{reason: failure.ReasonNotFound, status: 404, code: "error.group.not_found", human: `"No Such Profile"`},
		},
		{
			name: "wrong org id",
			mod:  func(c *Config) { c.OrgID = "WRONG@AdobeOrg" },
			run:  getAna,
			want: check{reason: failure.ReasonAuth, status: 400, code: "error.organization.invalid_id", human: "ADOBE_ORG_ID"},
		},
		{
			name: "domain not claimed",
			run: func(c *Client) error {
				_, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "new@example.org", Type: FederatedID, Country: "US", FirstName: "N", LastName: "U"},
					Add: []string{"Live Agent"}, RequestID: "r9/adobe"})
				return err
			},
			want: check{reason: failure.ReasonInvalid, status: 200, code: "error.domain.trust.nonexistent",
				human: "Adobe says the domain example.org is not claimed by this organization"},
		},
		{
			name: "identity type mismatch",
			run: func(c *Client) error {
				_, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "new@example.com", Type: EnterpriseID, FirstName: "N", LastName: "U"},
					Add: []string{"Live Agent"}})
				return err
			},
			want: check{reason: failure.ReasonInvalid, code: "error.user.type_mismatch", human: "identity type"},
		},
		{
			name:  "org migrating",
			setup: func(s *adobefake.Server) { s.FailUser("ana.admin@example.com", "error.organization.migrating", "") },
			run: func(c *Client) error {
				_, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "ana.admin@example.com"}, Add: []string{"Live Agent"}})
				return err
			},
			want: check{reason: failure.ReasonMaintenance, retryable: true, code: "error.organization.migrating", minDelay: 30 * time.Minute, human: "migrated"},
		},
		{
			name: "throttled by external service",
			setup: func(s *adobefake.Server) {
				s.FailUser("ana.admin@example.com", "error.throttled_by_external_service", "")
			},
			run: func(c *Client) error {
				_, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "ana.admin@example.com"}, Remove: []string{"Live Agent"}})
				return err
			},
			want: check{reason: failure.ReasonRateLimited, retryable: true, code: "error.throttled_by_external_service"},
		},
		{
			name: "too many commands never reaches Adobe",
			run: func(c *Client) error {
				cmds := make([]Command, 11)
				for i := range cmds {
					cmds[i] = NewCommand(UserSpec{Email: string(rune('a'+i)) + "@example.com"}, "", []string{"Live Agent"}, nil)
				}
				_, err := c.Action(ctx, cmds, false)
				return err
			},
			want:  check{reason: failure.ReasonInvalid, code: "client.validation"},
			calls: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, noLimits(), tt.mod)
			if tt.setup != nil {
				tt.setup(e.fake)
			}
			err := tt.run(e.client)
			umapi := e.fake.Calls(adobefake.KindAny) - e.fake.Calls(adobefake.KindToken)
			if tt.calls > 0 && umapi != tt.calls {
				t.Errorf("UMAPI attempts = %d, want %d", umapi, tt.calls)
			}
			if tt.want.reason == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			ae := asErr(t, err)
			w := tt.want
			if ae.Reason != w.reason || ae.Retryable() != w.retryable {
				t.Errorf("reason %s retryable %v; want %s %v (%v)", ae.Reason, ae.Retryable(), w.reason, w.retryable, ae)
			}
			if w.status != 0 && ae.Status != w.status {
				t.Errorf("status %d, want %d", ae.Status, w.status)
			}
			if w.code != "" && ae.Code != w.code {
				t.Errorf("code %q, want %q", ae.Code, w.code)
			}
			if ae.Delay() < w.minDelay {
				t.Errorf("Delay() = %v, want >= %v", ae.Delay(), w.minDelay)
			}
			if w.human != "" && !strings.Contains(ae.Human(), w.human) {
				t.Errorf("Human() = %q, want it to contain %q", ae.Human(), w.human)
			}
			if !errors.Is(err, &failure.Error{Reason: w.reason}) {
				t.Errorf("errors.Is by reason failed for %v", err)
			}
		})
	}
}

func getAna(c *Client) error {
	_, err := c.GetUser(context.Background(), "ana.admin@example.com", "")
	return err
}

func TestCappedRetryAfterIsReported(t *testing.T) {
	e := newEnv(t, noLimits(), func(c *Config) { c.MaxRetryAfter = 10 * time.Minute })
	e.fake.ThrottleNext(adobefake.KindAny, 1, "86400")
	ae := asErr(t, getAna(e.client))
	if !ae.RetryAfterCapped || ae.RetryAfter != 10*time.Minute {
		t.Errorf("RetryAfter %v capped %v, want 10m capped", ae.RetryAfter, ae.RetryAfterCapped)
	}
	if !strings.Contains(ae.Error(), "capped") {
		t.Errorf("Error() = %q does not say capped", ae.Error())
	}
}

func TestCooldownAfter429SkipsNetwork(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	e.fake.ThrottleNext(adobefake.KindAny, 1, "120")
	_ = getAna(e.client)
	before := e.fake.Calls(adobefake.KindUser)
	ae := asErr(t, getAna(e.client))
	if ae.Reason != failure.ReasonRateLimited || ae.Delay() < 100*time.Second {
		t.Errorf("second call: %v", ae)
	}
	if e.fake.Calls(adobefake.KindUser) != before {
		t.Errorf("the client called Adobe during the Retry-After window")
	}
}

// TestActionResponseDocExamples parses the reference's JSON examples exactly.
func TestActionResponseDocExamples(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		check  func(t *testing.T, r *ActionResult, err error)
	}{
		{
			name: "success", status: 200,
			body: `{"completed":1,"notCompleted":0,"completedInTestMode":0,"result":"success"}`,
			check: func(t *testing.T, r *ActionResult, err error) {
				if err != nil || r.Completed != 1 || r.ErrorFor(0) != nil {
					t.Fatalf("r=%+v err=%v", r, err)
				}
			},
		},
		{
			name: "error with index and step", status: 200,
			body: `{"result":"error","completed":0,"notCompleted":1,"completedInTestMode":0,
				"errors":[{"index":0,"step":1,"requestID":"bot-1234","user":"jdoe@example.com",
				"message":"User Id does not exist: jdoe@example.com","errorCode":"error.user.nonexistent"}],
				"warnings":[{"index":0,"step":0,"requestID":"bot-1234","user":"jdoe@example.com","warningCode":"warning.command.deprecated","message":"'product' command is deprecated. Please use productConfiguration."}]}`,
			check: func(t *testing.T, r *ActionResult, err error) {
				if err != nil {
					t.Fatal(err)
				}
				e := r.ErrorFor(0)
				if e == nil || e.Code != "error.user.nonexistent" || r.Errors[0].Step != 1 || r.Errors[0].Index != 0 || e.RequestID != "bot-1234" ||
					e.User != "jdoe@example.com" || e.Reason != failure.ReasonNotFound {
					t.Fatalf("ErrorFor(0) = %+v", e)
				}
				if e.Object != `product profile "Live Agent"` {
					t.Errorf("error mapped to %q, want the add step's profile \"Live Agent\"", e.Object)
				}
				if w := r.WarningsFor(0); len(w) != 1 || w[0].Code != "warning.command.deprecated" {
					t.Errorf("warnings %+v", w)
				}
			},
		},
		{
			name: "step as string", status: 200,
			body: `{"result":"partial","completed":0,"notCompleted":1,"errors":[{"index":"0","step":"1","errorCode":"error.group.not_found","message":"x"}]}`,
			check: func(t *testing.T, r *ActionResult, err error) {
				if e := r.ErrorFor(0); err != nil || e == nil || r.Errors[0].Step != 1 || e.Reason != failure.ReasonNotFound {
					t.Fatalf("e=%+v err=%v", e, err)
				}
			},
		},
		{
			name: "initial validation failure", status: 200,
			body: `{"result":"error.organization.invalid_id","message":"Bad organization Id"}`,
			check: func(t *testing.T, r *ActionResult, err error) {
				ae := asErr(t, err)
				if ae.Code != "error.organization.invalid_id" || ae.Message != "Bad organization Id" || ae.Reason != failure.ReasonAuth {
					t.Fatalf("%+v", ae)
				}
			},
		},
		{
			name: "migrating org", status: 200,
			body: `{"result":"error.organization.migrating","message":"Organization is migrating"}`,
			check: func(t *testing.T, r *ActionResult, err error) {
				if ae := asErr(t, err); ae.Reason != failure.ReasonMaintenance || !ae.Retryable() {
					t.Fatalf("%+v", ae)
				}
			},
		},
		{
			name: "401 empty body", status: 401, body: ``,
			check: func(t *testing.T, r *ActionResult, err error) {
				if ae := asErr(t, err); ae.Reason != failure.ReasonAuth || ae.Status != 401 {
					t.Fatalf("%+v", ae)
				}
			},
		},
		{
			name: "429 body", status: 429, body: `{"error_code":"429050","message":"Too many requests"}`,
			check: func(t *testing.T, r *ActionResult, err error) {
				if ae := asErr(t, err); ae.Reason != failure.ReasonRateLimited || ae.Code != "429050" || ae.Delay() != 38*time.Second {
					t.Fatalf("%+v", ae)
				}
			},
		},
		{
			name: "unknown extra fields are ignored", status: 200,
			body: `{"result":"success","completed":1,"notCompleted":0,"completedInTestMode":0,"newField":{"x":1}}`,
			check: func(t *testing.T, r *ActionResult, err error) {
				if err != nil || r.Result != "success" {
					t.Fatalf("r=%+v err=%v", r, err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if strings.HasPrefix(r.URL.Path, "/ims/") {
					_, _ = w.Write([]byte(`{"access_token":"t","token_type":"bearer","expires_in":86399}`))
					return
				}
				if tt.status == 429 {
					w.Header().Set("Retry-After", "38")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := New(Config{IMSURL: srv.URL, UMAPIURL: srv.URL, OrgID: "12345@AdobeOrg", ClientID: "id", ClientSecret: "sec"})
			if err != nil {
				t.Fatal(err)
			}
			cmd := Command{User: "jdoe@example.com", RequestID: "bot-1234", Do: []Step{*CreateUser(UserSpec{Email: "jdoe@example.com", Type: AdobeID}), {Add: []string{"Live Agent"}}}}
			r, err := c.Action(context.Background(), []Command{cmd}, false)
			tt.check(t, r, err)
		})
	}
}
