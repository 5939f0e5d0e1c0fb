//go:build !nodemo

package playground

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// noRecords is an empty ledger.
type noRecords struct{}

func (noRecords) Requests(context.Context, int) ([]*approvals.Request, error) { return nil, nil }
func (noRecords) Request(context.Context, string) (*approvals.Request, error) {
	return nil, approvals.ErrNotFound
}
func (noRecords) AuditCount(context.Context) (int, error)         { return 0, nil }
func (noRecords) Audit(context.Context, int) ([]AuditLine, error) { return nil, nil }

func newServer(t *testing.T) (*Server, *Slack) {
	t.Helper()
	s, _ := newStandIn(t)
	sb := sandbox.Start(sandbox.Options{})
	t.Cleanup(sb.Close)
	return New(Config{Slack: s, Fake: s.cfg.Fake, Sandbox: sb, Records: noRecords{}, Cast: s.cfg.Cast}), s
}

func serve(h http.Handler, method, target, host, remote, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host, req.RemoteAddr = host, remote
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestGuard: the page answers loopback clients naming a loopback host,
// takes JSON bodies only, and forbids inline script and other origins.
func TestGuard(t *testing.T) {
	srv, _ := newServer(t)
	h := srv.Handler()
	tests := []struct {
		name, method, target, host, remote, ctype string
		status                                    int
	}{
		{"page", "GET", "/", "127.0.0.1:8025", "127.0.0.1:50000", "", http.StatusOK},
		{"localhost", "GET", "/", "localhost:8025", "[::1]:50000", "", http.StatusOK},
		{"script", "GET", "/assets/app.js", "127.0.0.1:8025", "127.0.0.1:50000", "", http.StatusOK},
		{"rebinding host", "GET", "/", "evil.example:8025", "127.0.0.1:50000", "", http.StatusForbidden},
		{"remote client", "GET", "/", "127.0.0.1:8025", "192.0.2.7:50000", "", http.StatusForbidden},
		{"form post", "POST", "/api/command", "127.0.0.1:8025", "127.0.0.1:50000", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"unknown person", "POST", "/api/command", "127.0.0.1:8025", "127.0.0.1:50000", "application/json", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(h, tc.method, tc.target, tc.host, tc.remote, tc.ctype, `{"as":"U0NOBODY001","channel":"C0WORKROOM1","text":"help"}`)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body.String())
			}
			if tc.status == http.StatusOK && !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("CSP %q", rec.Header().Get("Content-Security-Policy"))
			}
		})
	}
}

// TestStateShowsEachPersonTheirOwn: replies only one person sees and a
// person's DM with the bot reach that person only.
func TestStateShowsEachPersonTheirOwn(t *testing.T) {
	srv, s := newServer(t)
	if _, err := s.Command(t.Context(), Lea, General, "hi"); err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	state := func(as string) snapshot {
		rec := serve(h, "GET", "/api/state?as="+as, "127.0.0.1:1", "127.0.0.1:2", "", "")
		var snap snapshot
		if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil {
			t.Fatalf("%s: %v", rec.Body.String(), err)
		}
		return snap
	}
	items := func(snap snapshot, id string) int {
		for _, c := range snap.Conversations {
			if c.ID == id {
				return len(c.Items)
			}
		}
		return -1
	}
	lea, dana := state(Lea), state(Dana)
	if items(lea, General) != 1 || items(dana, General) != 0 {
		t.Errorf("the reply to Lea: Lea sees %d, Dana %d", items(lea, General), items(dana, General))
	}
	if items(lea, "D"+Lea) != 0 || items(lea, "D"+Dana) != -1 {
		t.Error("Lea sees someone else's DM")
	}
	if len(lea.Panel.Adobe) != len(sandbox.Profiles) || len(lea.Scenario.Steps) != len(Story()) {
		t.Errorf("panel %+v, scenario %+v", lea.Panel.Adobe, lea.Scenario)
	}
	if rec := serve(h, "GET", "/api/state?as=U0NOBODY001", "127.0.0.1:1", "127.0.0.1:2", "", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("state of someone outside the cast: %d", rec.Code)
	}
}

// TestStoryStepsNeedTheirPredecessors: a step run out of order says
// which one to run first instead of acting.
func TestStoryStepsNeedTheirPredecessors(t *testing.T) {
	s, bot := newStandIn(t)
	st := &Stage{Slack: s, Fake: s.cfg.Fake, Records: noRecords{}, Cast: s.cfg.Cast}
	for _, i := range []int{1, 2, 4} {
		if err := Story()[i].Run(t.Context(), st); err == nil || !strings.Contains(err.Error(), "first") {
			t.Errorf("step %d alone: %v", i+1, err)
		}
	}
	if len(bot.payloads) != 0 {
		t.Errorf("steps out of order sent %d payloads", len(bot.payloads))
	}
}

// refusingChat is a chat where every command is refused with an
// answer only the person sees.
type refusingChat struct {
	Chat
	said string
}

func (c *refusingChat) Command(context.Context, string, string) error {
	c.said = "alice@example.com already has an open request for agent: DC-1001."
	return nil
}

func (c *refusingChat) LastAnswer(string) string { return c.said }

// TestStepPassesOnTheBotsRefusal: a step whose command files no request
// says what the bot answered and how to go on, without waiting out its
// timeout.
func TestStepPassesOnTheBotsRefusal(t *testing.T) {
	st := &Stage{Records: noRecords{}, Cast: DefaultCast()}
	_, err := st.commandRequest(t.Context(), &refusingChat{}, Lea, "add alice@example.com agent 30d x")
	if err == nil || !strings.Contains(err.Error(), "already has an open request") || !strings.Contains(err.Error(), "/dynchat cancel") {
		t.Fatalf("err %v", err)
	}
}
