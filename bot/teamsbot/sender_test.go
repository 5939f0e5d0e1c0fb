package teamsbot_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// senderFor builds a sender on the harness's fake with a logger into buf.
func senderFor(h *harness, buf *bytes.Buffer, mod func(*teamsbot.SenderConfig)) *teamsbot.Sender {
	cfg := teamsbot.SenderConfig{AppID: appID, AppPassword: secret, TenantID: tenantID,
		LoginURL: h.fake.LoginURL(), ServiceURL: h.fake.ServiceURL(), GraphURL: h.fake.GraphURL(), Groups: true,
		Conversations: []string{channel.ID}, Memory: h.store, HTTPClient: h.fake.Client(), MaxRetryWait: 2 * time.Second,
		Logger: zerolog.New(buf).Level(zerolog.DebugLevel)}
	if mod != nil {
		mod(&cfg)
	}
	return teamsbot.NewSender(cfg)
}

// TestOneTokenForConcurrentCallers: fifty concurrent posts share one
// token request.
func TestOneTokenForConcurrentCallers(t *testing.T) {
	h := newHarness(t)
	s := senderFor(h, &bytes.Buffer{}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := s.LookupUser(bot.Fresh(context.Background()), alice.ObjectID)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := h.fake.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

// TestRevokedTokenRefetchedOnce: a 401 drops the cached token and the
// call is retried once with a new one.
func TestRevokedTokenRefetchedOnce(t *testing.T) {
	h := newHarness(t)
	s := senderFor(h, &bytes.Buffer{}, nil)
	ctx := context.Background()
	if _, err := s.Post(ctx, channel.ID, bot.Message{Text: bot.Plain("one")}); err != nil {
		t.Fatal(err)
	}
	h.fake.RevokeTokens()
	if _, err := s.Post(ctx, channel.ID, bot.Message{Text: bot.Plain("two")}); err != nil {
		t.Fatal(err)
	}
	if n := h.fake.TokenRequests(); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
}

// TestThrottlingRetriedThenReturned: 429, 412, 502 and 504 with a short
// Retry-After are retried; a long Retry-After comes back as
// *bot.RateLimitError.
func TestThrottlingRetriedThenReturned(t *testing.T) {
	h := newHarness(t)
	s := senderFor(h, &bytes.Buffer{}, nil)
	ctx := context.Background()
	h.fake.Fail(teamsfake.Failure{Status: 429, RetryAfter: 1, Times: 1}, teamsfake.Failure{Status: 412, Times: 1})
	if _, err := s.Post(ctx, channel.ID, bot.Message{Text: bot.Plain("hi")}); err != nil {
		t.Fatalf("short throttling not retried: %v", err)
	}
	h.fake.Fail(teamsfake.Failure{Status: 502, Times: 1}, teamsfake.Failure{Status: 504, Times: 1})
	if _, err := s.Post(ctx, channel.ID, bot.Message{Text: bot.Plain("hi")}); err != nil {
		t.Fatalf("502/504 not retried: %v", err)
	}
	h.fake.Fail(teamsfake.Failure{Status: 429, RetryAfter: 120, Times: 1})
	_, err := s.Post(ctx, channel.ID, bot.Message{Text: bot.Plain("hi")})
	var rl *bot.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 120*time.Second || !errors.Is(err, bot.ErrRateLimited) {
		t.Fatalf("long Retry-After: %v", err)
	}
	h.fake.Fail(teamsfake.Failure{Status: 502, Times: 5})
	if _, err := s.Post(ctx, channel.ID, bot.Message{Text: bot.Plain("hi")}); err == nil {
		t.Fatal("endless 502 succeeded")
	}
}

// TestSecretsNeverInLogsOrErrors: with a wrong secret, and with a
// working one, neither the secret nor a token shows in errors or logs.
func TestSecretsNeverInLogsOrErrors(t *testing.T) {
	h := newHarness(t)
	var buf bytes.Buffer
	bad := senderFor(h, &buf, func(c *teamsbot.SenderConfig) { c.AppPassword = "wrong-" + secret })
	_, err := bad.Post(context.Background(), channel.ID, bot.Message{Text: bot.Plain("hi")})
	if err == nil || !errors.Is(err, teamsbot.ErrToken) {
		t.Fatalf("wrong secret: %v", err)
	}
	good := senderFor(h, &buf, nil)
	if _, err := good.Post(context.Background(), channel.ID, bot.Message{Text: bot.Plain("hi")}); err != nil {
		t.Fatal(err)
	}
	h.fake.Fail(teamsfake.Failure{Status: 403, Times: 1})
	_, err2 := good.Post(context.Background(), channel.ID, bot.Message{Text: bot.Plain("hi")})
	for _, text := range []string{err.Error(), err2.Error(), buf.String()} {
		if strings.Contains(text, secret) || strings.Contains(text, "fake-") || strings.Contains(text, "Bearer") {
			t.Fatalf("secret or token leaked: %s", text)
		}
	}
	if !errors.Is(err2, bot.ErrNotFound) {
		t.Fatalf("403 not mapped: %v", err2)
	}
}

// TestDMCreatesPersonalChatOnce: a personal message creates the 1:1
// conversation from the person's Teams id and reuses it.
func TestDMCreatesPersonalChatOnce(t *testing.T) {
	h := newHarness(t)
	s := senderFor(h, &bytes.Buffer{}, nil)
	ctx := context.Background()
	for range 2 {
		if _, err := s.DM(ctx, bob.ObjectID, bot.Message{Text: bot.Plain("hello")}); err != nil {
			t.Fatal(err)
		}
	}
	conv := h.fake.PersonalChat(bob.MRI)
	posts := h.fake.Posts()
	if conv == "" || len(posts) != 2 || posts[0].Conversation != conv || posts[1].Conversation != conv {
		t.Fatalf("personal chat %q, posts %+v", conv, posts)
	}
}

// TestLookups: by object id, by email (searching the channel's
// members), UPN fallback, people without email, group members through
// Graph with paging.
func TestLookups(t *testing.T) {
	h := newHarness(t)
	s := senderFor(h, &bytes.Buffer{}, nil)
	ctx := context.Background()
	u, err := s.LookupUserByEmail(ctx, "BOB@example.com")
	if err != nil || u.ID != bob.ObjectID || u.Email != "bob@example.com" || u.FirstName != "Bob" || u.Platform != bot.Teams {
		t.Fatalf("by email: %+v %v", u, err)
	}
	if u, err = s.LookupUser(ctx, alice.ObjectID); err != nil || u.Email != alice.Email {
		t.Fatalf("by id: %+v %v", u, err)
	}
	if u, err = s.LookupUser(ctx, carol.ObjectID); err != nil || u.Email != "carol@example.com" {
		t.Fatalf("UPN fallback: %+v %v", u, err)
	}
	if _, err = s.LookupUserByEmail(ctx, "nobody@example.com"); !errors.Is(err, bot.ErrUserNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
	if _, err = s.LookupUser(ctx, "dddddddd-0000-4000-8000-000000000004"); !errors.Is(err, bot.ErrUserNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	members, err := s.GroupMembers(ctx, groupID)
	if err != nil || len(members) != 2 || members[0] != alice.ObjectID || members[1] != bob.ObjectID {
		t.Fatalf("group: %v %v", members, err)
	}
	if _, err = s.GroupMembers(ctx, "eeeeeeee-0000-4000-8000-00000000000e"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	noGraph := senderFor(h, &bytes.Buffer{}, func(c *teamsbot.SenderConfig) { c.Groups = false })
	if _, err = noGraph.GroupMembers(ctx, groupID); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("groups without Graph: %v", err)
	}
}

// TestPaceAcrossBurst: the in-process pacer lets 7 sends through at once
// and makes the 8th wait, or refuses it when the wait is too long.
func TestPaceAcrossBurst(t *testing.T) {
	p := teamsbot.NewConversationPacer(100 * time.Millisecond)
	ctx := context.Background()
	for i := range teamsbot.PaceBurst {
		if err := p.Wait(ctx, "c"); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	var rl *bot.RateLimitError
	if err := p.Wait(ctx, "c"); !errors.As(err, &rl) {
		t.Fatalf("8th send: %v", err)
	}
	if err := p.Wait(ctx, "other"); err != nil {
		t.Fatalf("other conversation: %v", err)
	}
}
