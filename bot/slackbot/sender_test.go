package slackbot

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

func TestSenderMessages(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()

	ref, err := s.Post(ctx, "C1", approvalCard())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != "slack" || ref.Channel != "C1" || ref.ID == "" {
		t.Fatalf("ref = %+v", ref)
	}
	done := bot.Message{Text: bot.Textf("Approved by %s", bot.Mention("U2"))}
	if err := s.Update(ctx, ref, done); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Message("C1", ref.ID)
	if got.Text != "Approved by <@U2>" || got.Edits != 1 || !strings.Contains(got.Blocks, `"text":"Approved by \u003c@U2\u003e","verbatim":true`) {
		t.Errorf("after update: %+v", got)
	}
	r1, err := s.Reply(ctx, ref, bot.Message{Text: bot.Plain("first")})
	if err != nil {
		t.Fatal(err)
	}
	// Replying to a reply stays in the original thread.
	if _, err := s.Reply(ctx, r1, bot.Message{Text: bot.Plain("second")}); err != nil {
		t.Fatal(err)
	}
	if rs := f.Replies("C1", ref.ID); len(rs) != 2 || rs[1].Text != "second" {
		t.Errorf("replies = %+v", rs)
	}
	dm, err := s.DM(ctx, "U1", bot.Message{Text: bot.Plain("your access is ready")})
	if err != nil || dm.Channel != "DU1" {
		t.Fatalf("dm = %+v, %v", dm, err)
	}
	if _, err := s.DM(ctx, "U1", bot.Message{Text: bot.Plain("again")}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Calls("conversations.open")); n != 1 {
		t.Errorf("conversations.open called %d times, want 1 (cached)", n)
	}
	if err := s.Ephemeral(ctx, "C1", "U2", bot.Message{Text: bot.Plain("only you")}); err != nil {
		t.Fatal(err)
	}
	if e := f.Ephemerals(); len(e) != 1 || e[0].User != "U2" {
		t.Errorf("ephemerals = %+v", e)
	}
	if err := s.PublishHome(ctx, "U1", homeView()); err != nil {
		t.Fatal(err)
	}
	if f.Home("U1") == nil {
		t.Error("home not published")
	}
	if err := s.OpenModal(ctx, "trig", requestModal()); err != nil {
		t.Fatal(err)
	}
	if err := s.OpenModal(ctx, "trig", requestModal()); !errors.Is(err, bot.ErrTriggerExpired) {
		t.Errorf("reused trigger: %v", err)
	}
	f.ExpireTrigger("old")
	if err := s.OpenModal(ctx, "old", requestModal()); !errors.Is(err, bot.ErrTriggerExpired) {
		t.Errorf("expired trigger: %v", err)
	}
	if err := s.Update(ctx, bot.MessageRef{Channel: "C1", ID: "1.2"}, done); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
}

func TestSenderUsers(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()
	tests := []struct {
		id      string
		email   string
		wantErr error
	}{
		{"U1", "alice@example.com", nil},
		{"UBOT2", "", bot.ErrNoEmail},
		{"UGONE", "", bot.ErrUserNotFound},
		{"UNOPE", "", bot.ErrUserNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			u, err := s.LookupUser(ctx, tc.id)
			if !errors.Is(err, tc.wantErr) || u.Email != tc.email {
				t.Fatalf("LookupUser = %+v, %v; want %q, %v", u, err, tc.email, tc.wantErr)
			}
		})
	}
	if _, err := s.LookupUser(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Calls("users.info")); n != 4 {
		t.Errorf("users.info calls = %d, want 4 (cached U1)", n)
	}
	m, err := s.GroupMembers(ctx, "S1")
	if err != nil || len(m) != 2 {
		t.Fatalf("members = %v, %v", m, err)
	}
	u, err := bot.ResolveGroups(ctx, s, bot.User{ID: "U2"}, []string{"S1"})
	if err != nil || len(u.Groups) != 1 {
		t.Fatalf("groups = %v, %v", u.Groups, err)
	}
	var apiErr *APIError
	if _, err := s.GroupMembers(ctx, "S404"); !errors.As(err, &apiErr) || apiErr.Code != "no_such_subteam" {
		t.Errorf("missing group: %v", err)
	}
}

func TestSenderRateLimits(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()

	// A short Retry-After is waited out and retried.
	f.RateLimitNext("chat.postMessage", 1)
	start := time.Now()
	if _, err := s.Post(ctx, "C1", bot.Message{Text: bot.Plain("hi")}); err != nil {
		t.Fatalf("post after short 429: %v", err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %s, want ≥ 1s", el)
	}
	// A long one comes back as a typed error at once.
	f.RateLimitNext("chat.update", 60)
	err := s.Update(ctx, bot.MessageRef{Channel: "C1", ID: "x"}, bot.Message{Text: bot.Plain("x")})
	var rl *bot.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Minute || rl.Method != "chat.update" || !errors.Is(err, bot.ErrRateLimited) {
		t.Fatalf("long 429: %v", err)
	}
	// ok:false is an APIError, never retried.
	f.FailNext("chat.postMessage", "not_in_channel")
	_, err = s.Post(ctx, "C1", bot.Message{Text: bot.Plain("hi")})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "not_in_channel" || !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("ok:false: %v", err)
	}
	// The fake's own per-channel rate: the pacer keeps us under it.
	f.SetRate("chat.postMessage", 1, 200*time.Millisecond)
	// Twice the fake's interval, so a post delayed in transit on a loaded
	// machine still arrives after the fake's window.
	paced := NewSender(SenderConfig{BotToken: slackfake.Token, APIURL: f.URL(), Pacer: NewChannelPacer(400*time.Millisecond, time.Second, nil)})
	before := len(f.Calls("chat.postMessage"))
	for range 3 {
		if _, err := paced.Post(ctx, "C2", bot.Message{Text: bot.Plain("paced")}); err != nil {
			t.Fatalf("paced post: %v", err)
		}
	}
	for _, c := range f.Calls("chat.postMessage")[before:] {
		if c.Status != http.StatusOK {
			t.Errorf("paced post got %d", c.Status)
		}
	}
	// A pacer that would wait too long refuses at once.
	p := NewChannelPacer(time.Hour, time.Second, nil)
	_ = p.Wait(ctx, "C3")
	if err := p.Wait(ctx, "C3"); !errors.As(err, &rl) {
		t.Errorf("pacer: %v", err)
	}
}

// TestSecretsNotLeaked makes every kind of failure and checks that the
// bot token and signing secret appear in no error and no log line.
func TestSecretsNotLeaked(t *testing.T) {
	const token, secret = "xoxb-super-secret-token-123", "signing-secret-xyz"
	var logs bytes.Buffer
	log := zerolog.New(&logs).Level(zerolog.DebugLevel)
	f := newFake(t)
	s := NewSender(SenderConfig{BotToken: token, APIURL: f.URL(), Logger: log, MaxRetryWait: time.Second})
	ctx := context.Background()
	var errs []error
	_, err := s.Post(ctx, "C1", bot.Message{Text: bot.Plain("x")}) // invalid_auth
	errs = append(errs, err)
	dead := NewSender(SenderConfig{BotToken: token, APIURL: "http://127.0.0.1:1/", Logger: log})
	_, err = dead.LookupUser(ctx, "U1")
	errs = append(errs, err)
	v := NewVerifier(secret, nil)
	errs = append(errs, v.Verify(http.Header{"X-Slack-Request-Timestamp": {"1"}, "X-Slack-Signature": {"v0=00"}}, []byte("body")))
	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), secret) {
			t.Errorf("secret in error: %v", err)
		}
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), secret) {
		t.Errorf("secret in logs: %s", logs.String())
	}
}

func TestNewAdapterModes(t *testing.T) {
	h := &recorder{}
	s := NewSender(SenderConfig{BotToken: "xoxb-1", AppToken: "xapp-1"})
	if _, err := New(context.Background(), Config{Handler: h}); !errors.Is(err, ErrConfig) {
		t.Errorf("no sender: %v", err)
	}
	if _, err := New(context.Background(), Config{Sender: s}); !errors.Is(err, ErrConfig) {
		t.Errorf("no handler: %v", err)
	}
	if _, err := New(context.Background(), Config{Sender: s, Handler: h}); !errors.Is(err, ErrConfig) {
		t.Errorf("no mode: %v", err)
	}
	a, err := New(context.Background(), Config{Sender: s, AppToken: "xapp-1", Handler: h})
	if err != nil || a.Socket == nil || a.HTTP != nil {
		t.Errorf("socket mode: %+v %v", a, err)
	}
	a, err = New(context.Background(), Config{Sender: s, SigningSecret: "s", Handler: h})
	if err != nil || a.HTTP == nil || a.Socket != nil {
		t.Fatalf("http mode: %+v %v", a, err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	req, _ := http.NewRequest(http.MethodPost, "/slack/events", strings.NewReader("{}"))
	if _, pattern := mux.Handler(req); pattern != "POST /slack/events" {
		t.Errorf("pattern %q", pattern)
	}
}

func TestSenderLookupUserByEmail(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()
	u, err := s.LookupUserByEmail(ctx, "Alice@Example.com")
	if err != nil || u.ID != "U1" || u.Email != "alice@example.com" {
		t.Fatalf("LookupUserByEmail = %+v, %v", u, err)
	}
	if _, err := s.LookupUserByEmail(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Calls("users.lookupByEmail")); n != 1 {
		t.Errorf("users.lookupByEmail calls = %d, want 1 (cached)", n)
	}
	if _, err := s.LookupUserByEmail(ctx, "nobody@example.com"); !errors.Is(err, bot.ErrUserNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
}

func TestResolveGroupsSkipsMissingGroup(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	u, err := bot.ResolveGroups(context.Background(), s, bot.User{ID: "U1"}, []string{"SGONE", "S1"})
	if err != nil {
		t.Fatalf("a missing group blocked resolution: %v", err)
	}
	if len(u.Groups) != 1 || u.Groups[0] != "S1" {
		t.Fatalf("groups %v, want [S1]", u.Groups)
	}
}
