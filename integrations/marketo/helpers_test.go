package marketo

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
)

// clock is a settable clock shared by a client and the emulator.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 15, 15, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const testSecret = "s3cr3t-d0-not-print-7f9a"

// pair is a client wired to an emulator.
type pair struct {
	fake   *marketofake.Server
	srv    *httptest.Server
	client *Client
	clock  *clock
}

// newPair starts an emulator with opt and a client with cfg and opts;
// the credentials and base URL are filled in, and both share a fake
// clock unless opt sets one or opts hold WithClock.
func newPair(t testing.TB, opt marketofake.Options, cfg Config, opts ...Option) *pair {
	t.Helper()
	p := &pair{clock: newClock()}
	opt.ClientID, opt.ClientSecret = "client-1", testSecret
	if opt.Clock == nil {
		opt.Clock = p.clock.Now
	}
	p.fake = marketofake.New(opt)
	p.srv = httptest.NewServer(p.fake)
	t.Cleanup(p.srv.Close)
	cfg.BaseURL, cfg.ClientID, cfg.ClientSecret = p.srv.URL, "client-1", testSecret
	if cfg.RetryBase == 0 {
		cfg.RetryBase = time.Millisecond
	}
	c, err := New(cfg, append([]Option{WithClock(p.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	p.client = c
	return p
}

func (p *pair) seed(t testing.TB) {
	t.Helper()
	p.fake.AddRole(marketofake.Role{ID: 101, Name: "DC Agent"})
	p.fake.AddWorkspace(marketofake.Workspace{ID: 1008, Name: "EMEA"})
	for _, u := range []marketofake.User{
		{UserID: "alice@example.com", EmailAddress: "alice@example.com", FirstName: "Alice", LastName: "N",
			LastLoginAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Roles: []marketofake.Assignment{{RoleID: 2, WorkspaceID: 1}, {RoleID: 101, WorkspaceID: 1}}},
		{UserID: "bob@example.com", EmailAddress: "Bob@Example.com", FirstName: "Bob", LastName: "M", Roles: []marketofake.Assignment{{RoleID: 2, WorkspaceID: 1}}},
		{UserID: "api@example.com", EmailAddress: "bob@example.com", APIOnly: true, Roles: []marketofake.Assignment{{RoleID: 2, WorkspaceID: 1}}},
	} {
		if err := p.fake.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
}

// Reason matchers for errors.Is.
var (
	errNotFound    = &failure.Error{Reason: failure.ReasonNotFound}
	errAuth        = &failure.Error{Reason: failure.ReasonAuth}
	errInvalid     = &failure.Error{Reason: failure.ReasonInvalid}
	errRateLimited = &failure.Error{Reason: failure.ReasonRateLimited}
)

// classifyT classifies an answer of a per-user endpoint with the
// default Retry-After cap.
func classifyT(op string, status int, code, msg string, h http.Header, now time.Time) *failure.Error {
	return classify(op, status, code, msg, h, now, true, 2*time.Hour)
}
