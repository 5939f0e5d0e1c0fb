package slackbot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// TestWorkspaceReads: auth.test with the token's scopes, channels with
// membership (a private channel the bot is not in is not found, as in
// Slack), user groups with disabled ones, and a missing scope.
func TestWorkspaceReads(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()
	f.AddChannel(slackfake.Channel{ID: "CIN", Name: "dc-approvals", Member: true})
	f.AddChannel(slackfake.Channel{ID: "COUT", Name: "dc-admins"})
	f.AddChannel(slackfake.Channel{ID: "GPRIV", Name: "secret", Private: true})
	f.DescribeGroup("S1", "dc-leads", "DC team leads")
	f.AddGroup("S2", "U1")
	f.DisableGroup("S2")

	id, err := s.AuthTest(ctx)
	if err != nil || id.UserID != "UBOT" || id.User != "chataccess" || id.TeamID != "T1" || !slices.Equal(id.Scopes, slackfake.DefaultScopes) {
		t.Fatalf("auth.test: %+v, %v", id, err)
	}
	for _, tc := range []struct {
		id     string
		want   ChannelInfo
		errSub string
	}{
		{"CIN", ChannelInfo{ID: "CIN", Name: "dc-approvals", Member: true}, ""},
		{"COUT", ChannelInfo{ID: "COUT", Name: "dc-admins"}, ""},
		{"GPRIV", ChannelInfo{}, "channel_not_found"},
		{"CNONE", ChannelInfo{}, "channel_not_found"},
	} {
		got, err := s.ConversationInfo(ctx, tc.id)
		if got != tc.want || (tc.errSub == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.errSub)) {
			t.Errorf("conversations.info %s: %+v, %v", tc.id, got, err)
		}
	}
	groups, err := s.UserGroups(ctx)
	if err != nil || len(groups) != 2 || groups[0] != (UserGroup{ID: "S1", Handle: "dc-leads", Name: "DC team leads", Users: 2}) ||
		groups[1].ID != "S2" || !groups[1].Disabled {
		t.Fatalf("usergroups.list: %+v, %v", groups, err)
	}

	if _, err := s.Post(ctx, "COUT", bot.Message{Text: bot.Plain("hello")}); !errors.Is(err, bot.ErrNotFound) || !strings.Contains(err.Error(), "not_in_channel") {
		t.Errorf("post to a channel the bot is not in: %v", err)
	}
	f.Invite("COUT")
	if _, err := s.Post(ctx, "COUT", bot.Message{Text: bot.Plain("hello")}); err != nil {
		t.Errorf("post after the invitation: %v", err)
	}

	f.SetScopes("commands", "chat:write")
	if id, err := s.AuthTest(ctx); err != nil || strings.Join(id.Scopes, ",") != "commands,chat:write" {
		t.Errorf("auth.test with fewer scopes: %+v, %v", id, err)
	}
	if _, err := s.UserGroups(ctx); err == nil || !strings.Contains(err.Error(), "missing_scope") {
		t.Errorf("usergroups.list without usergroups:read: %v", err)
	}
}

// TestAdapterReady: Socket Mode is ready while connected; HTTP mode when
// auth.test passed: answers are kept a minute, a refused token is not
// ready at once, a failure that may pass keeps a recent success.
func TestAdapterReady(t *testing.T) {
	st := newStack(t, time.Now())
	d := NewDispatcher(DispatcherConfig{Handler: st.h, Sender: newTestSender(t, st.fake), Runner: st.runner})
	sock := NewSocket(NewSender(SenderConfig{BotToken: "xoxb-x", AppToken: "xapp-x", APIURL: st.fake.URL()}), d)
	a := &Adapter{Socket: sock}
	ctx := context.Background()
	for _, step := range []struct {
		evt  socketmode.EventType
		want error
	}{
		{"", ErrNotConnected},
		{socketmode.EventTypeConnected, nil},
		{socketmode.EventTypeConnectionError, ErrNotConnected},
		{socketmode.EventTypeConnected, nil},
		{socketmode.EventTypeInvalidAuth, ErrNotConnected},
	} {
		if step.evt != "" {
			sock.event(ctx, socketmode.Event{Type: step.evt})
		}
		if err := a.Ready(ctx); !errors.Is(err, step.want) && err != step.want {
			t.Errorf("after %q: %v, want %v", step.evt, err, step.want)
		}
	}

	f := newFake(t)
	s := newTestSender(t, f)
	var auth authState
	t0 := time.Now()
	if err := auth.ready(ctx, s, t0); err != nil {
		t.Fatalf("HTTP mode with a good token: %v", err)
	}
	f.FailNext("auth.test", "service_unavailable")
	if err := auth.ready(ctx, s, t0.Add(2*time.Minute)); err != nil {
		t.Errorf("a passing Slack outage after a recent success: %v", err)
	}
	if err := auth.ready(ctx, s, t0.Add(2*time.Minute+time.Second)); err != nil {
		t.Errorf("asked again too soon: %v", err)
	}
	f.FailNext("auth.test", "token_revoked")
	if err := auth.ready(ctx, s, t0.Add(4*time.Minute)); err == nil || !strings.Contains(err.Error(), "token_revoked") {
		t.Errorf("a revoked token: %v", err)
	}
	if n := len(f.Calls("auth.test")); n != 3 {
		t.Errorf("%d auth.test calls, want 3", n)
	}
}
