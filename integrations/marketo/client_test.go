package marketo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
)

// TestErrorClasses drives every error class through the emulator, in
// both documented error styles, and checks reason, retry behaviour and
// how many calls the client spent.
func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name      string
		fault     marketofake.Fault
		reason    failure.Reason
		retryable bool
		calls     int // user management calls the client makes (max attempts 3)
	}{
		{"603 access denied", marketofake.Fault{Code: 603}, failure.ReasonForbidden, false, 1},
		{"604 timeout", marketofake.Fault{Code: 604}, failure.ReasonUnavailable, true, 3},
		{"605 method", marketofake.Fault{Code: 605}, failure.ReasonInvalid, false, 1},
		{"606 rate", marketofake.Fault{Code: 606}, failure.ReasonRateLimited, true, 3},
		{"607 quota", marketofake.Fault{Code: 607}, failure.ReasonQuota, true, 1},
		{"608 unavailable", marketofake.Fault{Code: 608}, failure.ReasonUnavailable, true, 3},
		{"609 invalid json", marketofake.Fault{Code: 609}, failure.ReasonInvalid, false, 1},
		// roles.json always exists: "not found" there means MARKETO_BASE_URL is wrong.
		{"610 on an endpoint", marketofake.Fault{Code: 610}, failure.ReasonConfig, false, 1},
		{"611 system error", marketofake.Fault{Code: 611}, failure.ReasonUnavailable, true, 3},
		{"615 concurrency", marketofake.Fault{Code: 615}, failure.ReasonRateLimited, true, 3},
		{"701 blank", marketofake.Fault{Code: 701}, failure.ReasonInvalid, false, 1},
		{"709 business rule", marketofake.Fault{Code: 709}, failure.ReasonInvalid, false, 1},
		{"713 transient", marketofake.Fault{Code: 713}, failure.ReasonUnavailable, true, 3},
		{"HTTP 500", marketofake.Fault{Status: 500}, failure.ReasonUnavailable, true, 3},
		{"HTTP 502", marketofake.Fault{Status: 502}, failure.ReasonUnavailable, true, 3},
		{"HTTP 503", marketofake.Fault{Status: 503}, failure.ReasonUnavailable, true, 3},
		{"HTTP 429 short Retry-After", marketofake.Fault{Status: 429, RetryAfter: time.Second}, failure.ReasonRateLimited, true, 3},
		{"HTTP 429 long Retry-After", marketofake.Fault{Status: 429, RetryAfter: 10 * time.Minute}, failure.ReasonRateLimited, true, 1},
		{"HTTP 403", marketofake.Fault{Status: 403}, failure.ReasonForbidden, false, 1},
		{"undocumented code", marketofake.Fault{Code: 799}, failure.ReasonUnknown, true, 1},
		{"undocumented status", marketofake.Fault{Status: 418}, failure.ReasonUnknown, true, 1},
		{"slower than the deadline", marketofake.Fault{Latency: 2 * time.Second, Code: 713}, failure.ReasonTimeout, true, 1},
		// Go's transport itself retries a GET once on a reused connection
		// that closes before answering, so a drop may cost an extra call.
		{"dropped connection", marketofake.Fault{Drop: true}, failure.ReasonUnavailable, true, -3},
	}
	for _, style := range []marketofake.ErrorStyle{marketofake.StyleStatus, marketofake.StyleEnvelope} {
		for _, tt := range tests {
			t.Run(string(style)+"/"+tt.name, func(t *testing.T) {
				p := newPair(t, marketofake.Options{Style: style}, Config{MaxAttempts: 3, MaxWait: 2 * time.Second})
				// Short Retry-After values are honoured by sleeping: keep them tiny.
				if tt.fault.RetryAfter == time.Second {
					p.client.cfg.MaxWait = 1500 * time.Millisecond
				}
				if tt.fault.Latency > 0 {
					p.client.cfg.HTTPTimeout = 300 * time.Millisecond
				}
				p.fake.FailNext(5, tt.fault)
				_, err := p.client.ListRoles(context.Background())
				var e *failure.Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v, want *failure.Error", err)
				}
				if e.Reason != tt.reason || e.Retryable() != tt.retryable {
					t.Fatalf("got %s retryable=%v (%v), want %s %v", e.Reason, e.Retryable(), e, tt.reason, tt.retryable)
				}
				if got := p.fake.Stats().Calls; (tt.calls > 0 && got != tt.calls) || (tt.calls < 0 && (got < -tt.calls || got > -2*tt.calls)) {
					t.Fatalf("calls = %d, want %d", got, tt.calls)
				}
				if e.Human() == "" || e.Op != "list roles" {
					t.Fatalf("op %q human %q", e.Op, e.Human())
				}
			})
		}
	}
}

func TestRetryThenSuccess(t *testing.T) {
	for _, f := range []marketofake.Fault{{Code: 606}, {Code: 615}, {Code: 604}, {Code: 608}, {Code: 611}, {Code: 713}, {Status: 502}, {Drop: true}} {
		t.Run(fmt.Sprintf("%d_%d_%v", f.Code, f.Status, f.Drop), func(t *testing.T) {
			p := newPair(t, marketofake.Options{}, Config{})
			p.fake.FailNext(2, f)
			roles, err := p.client.ListRoles(context.Background())
			if err != nil || len(roles) != 2 {
				t.Fatalf("roles %v err %v", roles, err)
			}
			if got := p.fake.Stats().Calls; got < 3 || (got > 3 && !f.Drop) {
				t.Fatalf("calls = %d, want 3", got)
			}
		})
	}
}

func TestBadCredentialsAreAuth(t *testing.T) {
	p := newPair(t, marketofake.Options{}, Config{})
	p.client.cfg.ClientSecret = "wrong-" + testSecret
	_, err := p.client.ListRoles(context.Background())
	if !errors.Is(err, errAuth) {
		t.Fatalf("err = %v", err)
	}
	var e *failure.Error
	errors.As(err, &e)
	if e.Retryable() || e.Status != http.StatusUnauthorized || e.Code != "invalid_client" {
		t.Fatalf("%+v", e)
	}
	if s := p.fake.Stats(); s.TokenRequests != 1 || s.Calls != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestTokenRefreshOnce: 601 or 602 leads to exactly one refresh, then success.
func TestTokenRefreshOnce(t *testing.T) {
	for _, code := range []int{601, 602} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			p := newPair(t, marketofake.Options{}, Config{})
			ctx := context.Background()
			if _, err := p.client.ListRoles(ctx); err != nil {
				t.Fatal(err)
			}
			p.fake.FailNext(1, marketofake.Fault{Code: code})
			if _, err := p.client.ListRoles(ctx); err != nil {
				t.Fatal(err)
			}
			if s := p.fake.Stats(); s.TokenRequests != 2 || s.Calls != 3 {
				t.Fatalf("stats %+v, want 2 token requests and 3 calls", s)
			}
			// Refused twice in a row: one refresh only, then auth.
			p.fake.FailNext(2, marketofake.Fault{Code: code})
			_, err := p.client.ListRoles(ctx)
			if !errors.Is(err, errAuth) {
				t.Fatalf("err = %v", err)
			}
			if s := p.fake.Stats(); s.TokenRequests != 3 || s.Calls != 5 {
				t.Fatalf("stats %+v, want 3 token requests and 5 calls", s)
			}
		})
	}
}

// TestConcurrentExpiredToken: 100 callers whose token has expired cause
// exactly one token request, whether the client sees the expiry on its
// clock or learns it from 602 answers.
func TestConcurrentExpiredToken(t *testing.T) {
	for _, how := range []string{"client clock", "602 from server"} {
		t.Run(how, func(t *testing.T) {
			opt := marketofake.Options{Latency: 2 * time.Millisecond}
			cfg := Config{MaxInFlight: 10, MaxWait: 10 * time.Second}
			var serverClock *clock
			if how == "602 from server" {
				serverClock = newClock()
				opt.Clock = serverClock.Now
			}
			p := newPair(t, opt, cfg)
			ctx := context.Background()
			if _, err := p.client.ListRoles(ctx); err != nil {
				t.Fatal(err)
			}
			if serverClock != nil {
				serverClock.Advance(2 * time.Hour)
			} else {
				p.clock.Advance(2 * time.Hour)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for range 100 {
				wg.Go(func() {
					if _, err := p.client.ListRoles(ctx); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if s := p.fake.Stats(); s.TokenRequests != 2 || s.TokensIssued != 2 {
				t.Fatalf("stats %+v, want exactly one more token request", s)
			}
		})
	}
}

// TestTokenOnlyInHeader: the client never puts the token in the query,
// and the emulator refuses a query token as the guide says.
func TestTokenOnlyInHeader(t *testing.T) {
	p := newPair(t, marketofake.Options{}, Config{})
	p.seed(t)
	ctx := context.Background()
	if _, err := p.client.FindUserByEmail(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.client.AddRole(ctx, "bob@example.com", 101, 1); err != nil {
		t.Fatal(err)
	}
	for _, r := range p.fake.Requests() {
		if strings.Contains(r.Query, "access_token") || r.Header.Get("Authorization") != "" {
			t.Fatalf("request %s %s?%s carries the token outside the header", r.Method, r.Path, r.Query)
		}
		if strings.HasPrefix(r.Path, "/userservice/") && r.Header.Get("User-Agent") == "" {
			t.Fatalf("no User-Agent on %s", r.Path)
		}
	}
	tok, err := p.client.FetchToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(p.srv.URL + "/userservice/management/v1/users/roles.json?access_token=" + tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("query token answered %d", resp.StatusCode)
	}
}

// TestUserAppearsLate: FindUserByEmail is not found until UserLag has
// passed after SyncFromAdobe, then finds the user with the role an
// Admin Console user gets.
func TestUserAppearsLate(t *testing.T) {
	p := newPair(t, marketofake.Options{UserLag: 2 * time.Hour}, Config{})
	ctx := context.Background()
	p.fake.SyncFromAdobe("New.Agent@example.com", "New", "Agent")
	_, err := p.client.FindUserByEmail(ctx, "new.agent@example.com")
	if !errors.Is(err, errNotFound) {
		t.Fatalf("before lag: err = %v", err)
	}
	var e *failure.Error
	errors.As(err, &e)
	if e.Retryable() || !strings.Contains(e.Human(), "new.agent@example.com") {
		t.Fatalf("not found error: %v / %s", e, e.Human())
	}
	p.clock.Advance(2 * time.Hour)
	u, err := p.client.FindUserByEmail(ctx, "new.agent@example.com")
	if err != nil {
		t.Fatal(err)
	}
	roles, err := p.client.UserRoles(ctx, u.UserID)
	if err != nil || len(roles) != 1 || roles[0].RoleName != "Standard User" || roles[0].WorkspaceName != "Default" {
		t.Fatalf("roles %+v err %v", roles, err)
	}
}

func TestFindUserByEmailPrefersLoginID(t *testing.T) {
	p := newPair(t, marketofake.Options{}, Config{})
	p.seed(t)
	u, err := p.client.FindUserByEmail(context.Background(), " BOB@example.com ")
	if err != nil || u.UserID != "bob@example.com" {
		t.Fatalf("user %+v err %v", u, err)
	}
}

// TestRoleChangesIdempotent: adding a held role or removing a missing
// one succeeds without a change, and concurrent adds apply once.
func TestRoleChangesIdempotent(t *testing.T) {
	p := newPair(t, marketofake.Options{}, Config{})
	p.seed(t)
	ctx := context.Background()
	changed, err := p.client.AddRole(ctx, "alice@example.com", 101, 1)
	if err != nil || changed {
		t.Fatalf("add held role: changed=%v err=%v", changed, err)
	}
	changed, err = p.client.RemoveRole(ctx, "bob@example.com", 101, 1)
	if err != nil || changed {
		t.Fatalf("remove missing role: changed=%v err=%v", changed, err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := p.client.AddRole(ctx, "bob@example.com", 101, 1008); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	has, err := p.client.HasRole(ctx, "bob@example.com", 101, 1008)
	if err != nil || !has {
		t.Fatalf("has=%v err=%v", has, err)
	}
	if changed, err = p.client.RemoveRole(ctx, "bob@example.com", 101, 1008); err != nil || !changed {
		t.Fatalf("remove: changed=%v err=%v", changed, err)
	}
	applied := p.fake.Applied()
	if len(applied) != 2 || applied[0].Op != "add" || applied[1].Op != "remove" || applied[0].UserID != "bob@example.com" || applied[0].WorkspaceID != 1008 {
		t.Fatalf("applied %+v", applied)
	}
	if _, err := p.client.AddRole(ctx, "nobody@example.com", 101, 1); !errors.Is(err, errNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := p.client.AddRole(ctx, "bob@example.com", 999, 1); !errors.Is(err, errInvalid) {
		t.Fatalf("unknown role: %v", err)
	}
}

// TestRolesBodyShape: a client set to the other shape than the server
// accepts gets a clear permanent error naming the setting.
func TestRolesBodyShape(t *testing.T) {
	tests := []struct {
		server marketofake.Shape
		client BodyShape
		ok     bool
	}{
		{marketofake.ShapeArray, BodyArray, true},
		{marketofake.ShapeInput, BodyInput, true},
		{marketofake.ShapeAny, BodyInput, true},
		{marketofake.ShapeArray, BodyInput, false},
		{marketofake.ShapeInput, BodyArray, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.server)+"_"+string(tt.client), func(t *testing.T) {
			p := newPair(t, marketofake.Options{AddRolesBody: tt.server, DeleteRolesBody: tt.server},
				Config{AddRolesBody: tt.client, DeleteRolesBody: tt.client})
			p.seed(t)
			ctx := context.Background()
			_, addErr := p.client.AddRole(ctx, "bob@example.com", 101, 1)
			_, delErr := p.client.RemoveRole(ctx, "alice@example.com", 101, 1)
			if tt.ok {
				if addErr != nil || delErr != nil {
					t.Fatalf("add %v delete %v", addErr, delErr)
				}
				return
			}
			for _, err := range []error{addErr, delErr} {
				var e *failure.Error
				if !errors.As(err, &e) || e.Reason != failure.ReasonInvalid || e.Status != 400 || !strings.Contains(e.Message, "RolesBody") {
					t.Fatalf("err = %v", err)
				}
			}
			if len(p.fake.Applied()) != 0 {
				t.Fatal("a change was applied with the wrong body")
			}
		})
	}
}

// TestPaging reads every user whatever pageOffset means on the server.
func TestPaging(t *testing.T) {
	for _, server := range []string{"records", "pages"} {
		for _, mode := range []PageOffsetMode{PageOffsetAuto, PageOffsetMode(server)} {
			for _, n := range []int{0, 199, 200, 201, 450} {
				t.Run(fmt.Sprintf("%s_%s_%d", server, mode, n), func(t *testing.T) {
					p := newPair(t, marketofake.Options{PageOffset: server}, Config{PageOffset: mode})
					for i := range n {
						if err := p.fake.AddUser(marketofake.User{EmailAddress: fmt.Sprintf("u%03d@example.com", i)}); err != nil {
							t.Fatal(err)
						}
					}
					users, err := p.client.ListUsers(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					seen := map[string]bool{}
					for _, u := range users {
						seen[u.UserID] = true
					}
					if len(users) != n || len(seen) != n {
						t.Fatalf("got %d users (%d unique), want %d", len(users), len(seen), n)
					}
					for _, r := range p.fake.Requests() {
						if strings.HasSuffix(r.Path, "allusers.json") && !strings.Contains(r.Query, "pageSize=200") {
							t.Fatalf("query %s", r.Query)
						}
					}
				})
			}
		}
	}
}

func TestLookupsAndReviews(t *testing.T) {
	p := newPair(t, marketofake.Options{}, Config{})
	p.seed(t)
	ctx := context.Background()
	r, err := p.client.RoleByName(ctx, "dc  AGENT")
	if err != nil || r.ID != 101 {
		t.Fatalf("role %+v err %v", r, err)
	}
	if _, err := p.client.RoleByName(ctx, "Nope"); !errors.Is(err, errNotFound) {
		t.Fatalf("missing role: %v", err)
	}
	w, err := p.client.WorkspaceByName(ctx, "emea")
	if err != nil || w.ID != 1008 {
		t.Fatalf("workspace %+v err %v", w, err)
	}
	if w, err := p.client.WorkspaceByName(ctx, "AllZones"); err != nil || w.ID != 0 {
		t.Fatalf("AllZones %+v err %v", w, err)
	}
	holders, err := p.client.UsersWithRole(ctx, 101, 1)
	if err != nil || len(holders) != 1 || holders[0].UserID != "alice@example.com" || !holders[0].LastLoginAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("holders %+v err %v", holders, err)
	}
	u, err := p.client.GetUser(ctx, "alice@example.com")
	if err != nil || len(u.Roles) != 2 {
		t.Fatalf("user %+v err %v", u, err)
	}
	if _, err := p.client.GetUser(ctx, "ghost@example.com"); !errors.Is(err, errNotFound) {
		t.Fatalf("ghost: %v", err)
	}
}

func TestInvitations(t *testing.T) {
	p := newPair(t, marketofake.Options{}, Config{})
	ctx := context.Background()
	inv := Invite{EmailAddress: "dana@example.com", FirstName: "Dana", LastName: "K", Reason: "chat agent",
		ExpiresAt: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), Roles: []RoleAssignment{{RoleID: 2, WorkspaceID: 1}}}
	if err := p.client.InviteUser(ctx, inv); err != nil {
		t.Fatal(err)
	}
	got, err := p.client.GetInvitedUser(ctx, "dana@example.com")
	if err != nil || got.Status != "pending" || got.UserID != "dana@example.com" || got.ExpiresAt.IsZero() {
		t.Fatalf("invited %+v err %v", got, err)
	}
	if err := p.client.DeleteInvitedUser(ctx, "dana@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := p.client.DeleteInvitedUser(ctx, "dana@example.com"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := p.client.GetInvitedUser(ctx, "dana@example.com"); !errors.Is(err, errNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	// On Adobe identity, only API-only users can be invited.
	ims := newPair(t, marketofake.Options{IMS: true}, Config{})
	if err := ims.client.InviteUser(ctx, inv); !errors.Is(err, errInvalid) {
		t.Fatalf("IMS invite: %v", err)
	}
	inv.APIOnly = true
	if err := ims.client.InviteUser(ctx, inv); err != nil {
		t.Fatalf("IMS API-only invite: %v", err)
	}
}

// TestQuotaEndToEnd: the emulator's daily quota answers 607 and the
// error waits until midnight US Central.
func TestQuotaEndToEnd(t *testing.T) {
	p := newPair(t, marketofake.Options{DailyQuota: 2}, Config{})
	ctx := context.Background()
	for range 2 {
		if _, err := p.client.ListRoles(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, err := p.client.ListRoles(ctx)
	var e *failure.Error
	if !errors.As(err, &e) || e.Reason != failure.ReasonQuota {
		t.Fatalf("err = %v", err)
	}
	// 15:00 UTC on 2026-01-15 is 09:00 CST: 15 h to midnight.
	if e.Delay() != 15*time.Hour || p.fake.Stats().Calls != 3 {
		t.Fatalf("delay %s calls %d", e.Delay(), p.fake.Stats().Calls)
	}
	p.clock.Advance(15 * time.Hour)
	if _, err := p.client.ListRoles(ctx); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

func TestContextCancel(t *testing.T) {
	p := newPair(t, marketofake.Options{Latency: time.Second}, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.client.ListRoles(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// TestSlowMarketoReturnsWithinTheDeadline: an answer slower than the
// call's deadline is a timeout, returned within the deadline, sent once,
// with a sentence that says what the call waited for.
func TestSlowMarketoReturnsWithinTheDeadline(t *testing.T) {
	p := newPair(t, marketofake.Options{}, Config{HTTPTimeout: 400 * time.Millisecond})
	p.seed(t)
	p.fake.FailNext(1, marketofake.Fault{Latency: 3 * time.Second, Code: 713})
	start := time.Now()
	_, err := p.client.UserRoles(context.Background(), "alice@example.com")
	took := time.Since(start)
	var e *failure.Error
	if !errors.As(err, &e) || e.Reason != failure.ReasonTimeout || e.Class() != failure.Transient {
		t.Fatalf("err = %v", err)
	}
	if took > time.Second {
		t.Fatalf("returned after %s, past the 400ms deadline", took)
	}
	if n := p.fake.Stats().Calls; n != 1 {
		t.Fatalf("%d calls, want 1: a timeout is not retried inside the call", n)
	}
	if h := e.Human(); !strings.Contains(h, "Marketo did not answer within 1 second (get user roles alice@example.com)") {
		t.Fatalf("Human() = %q", h)
	}
}
