package slackbot

import (
	"context"
	"errors"
	"testing"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// TestSenderProfileNames: Adobe gets the profile's first and last name,
// or the real name split, never the display name ("rita" became
// firstname "rita", lastname "Rita" in the field).
func TestSenderProfileNames(t *testing.T) {
	f := newFake(t)
	f.AddUser(slackfake.User{ID: "URITA", Name: "Rita Requester", DisplayName: "rita", Email: "rita@example.com"})
	f.AddUser(slackfake.User{ID: "UVAN", Name: "Ludwig van Beethoven", DisplayName: "lvb", FirstName: "Ludwig", LastName: "van Beethoven", Email: "lvb@example.com"})
	f.AddUser(slackfake.User{ID: "UMONO", Name: "Cher", Email: "cher@example.com"})
	s := newTestSender(t, f)
	for _, tc := range []struct{ id, name, first, last string }{
		{"URITA", "rita", "Rita", "Requester"},
		{"UVAN", "lvb", "Ludwig", "van Beethoven"},
		{"UMONO", "Cher", "Cher", ""},
	} {
		u, err := s.LookupUser(context.Background(), tc.id)
		if err != nil || u.Name != tc.name || u.FirstName != tc.first || u.LastName != tc.last {
			t.Errorf("%s: %+v %v; want name %q, first %q, last %q", tc.id, u, err, tc.name, tc.first, tc.last)
		}
	}
	u, err := s.LookupUserByEmail(context.Background(), "rita@example.com")
	if err != nil || u.FirstName != "Rita" || u.LastName != "Requester" {
		t.Errorf("by email: %+v %v", u, err)
	}
}

// TestSenderSendsCharset: views.open and views.publish say
// charset=utf-8, so Slack answers without the missing_charset warning.
func TestSenderSendsCharset(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()
	if err := s.OpenModal(ctx, "trig", requestModal()); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishHome(ctx, "U1", homeView()); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"views.open", "views.publish"} {
		calls := f.Calls(m)
		if len(calls) != 1 || len(calls[0].Warnings) != 0 || calls[0].JSON == nil {
			t.Errorf("%s: %+v", m, calls)
		}
	}
}

// TestSenderDMToDeactivatedUser: Slack's user_disabled is a permanent
// refusal for that recipient, not something to retry.
func TestSenderDMToDeactivatedUser(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	_, err := s.DM(context.Background(), "UGONE", bot.Message{Text: bot.Plain("a card")})
	var api *APIError
	if !errors.As(err, &api) || api.Code != "user_disabled" || !errors.Is(err, bot.ErrPermanent) || !errors.Is(err, bot.ErrUserNotFound) {
		t.Fatalf("DM to a deactivated member: %v", err)
	}
}

// TestSenderSkipsUnchangedContent: an update or Home that would show
// what is already shown is not sent; a changed one is; a refused update
// does not make the next one look unchanged.
func TestSenderSkipsUnchangedContent(t *testing.T) {
	f := newFake(t)
	rdb, prefix := redistest.Client(t)
	s := NewSender(SenderConfig{BotToken: slackfake.Token, APIURL: f.URL(), Pacer: NewChannelPacer(0, 0, nil),
		Rendered: store.New(rdb, prefix)})
	ctx := context.Background()
	ref, err := s.Post(ctx, "C1", approvalCard())
	if err != nil {
		t.Fatal(err)
	}
	done := bot.Message{Text: bot.Plain("approved")}
	for range 3 {
		if err := s.Update(ctx, ref, done); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.Calls("chat.update")); n != 1 {
		t.Errorf("3 identical updates cost %d chat.update calls, want 1", n)
	}
	f.FailNext("chat.update", "cant_update_message")
	if err := s.Update(ctx, ref, bot.Message{Text: bot.Plain("changed")}); !errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("refused update: %v", err)
	}
	if err := s.Update(ctx, ref, bot.Message{Text: bot.Plain("changed")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, ref, done); err != nil {
		t.Fatal(err)
	}
	if m, _ := f.Message("C1", ref.ID); m.Text != "approved" || m.Identical != 0 {
		t.Errorf("message %+v", m)
	}
	for range 2 {
		if err := s.PublishHome(ctx, "U1", homeView()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.Calls("views.publish")); n != 1 {
		t.Errorf("2 identical homes cost %d views.publish calls, want 1", n)
	}
}
