package teamsbot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// TestChannelMessageBecomesCommand: "@chataccess add …" in a channel is
// the /dynchat grammar without the bot's mention; the answer goes to
// the person privately, and the conversation reference is kept.
func TestChannelMessageBecomesCommand(t *testing.T) {
	h := newHarness(t)
	h.h.reply = bot.Reply{Message: &bot.Message{Text: bot.Plain("Request DC-1 sent")}}
	a := h.fake.Message(appID, alice, channel, `/dynchat add bob@example.com agent 30d "covering EMEA"`)
	a["locale"] = "fr-FR"
	status, _ := h.post(t, a, h.token())
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	h.h.wait(t, 1)
	waitPosts(t, h, 1)
	c := h.h.commands[0]
	if c.Text != `add bob@example.com agent 30d "covering EMEA"` || c.Name != "/dynchat" || c.Channel != channel.ID {
		t.Fatalf("command %+v", c)
	}
	if c.User.ID != alice.ObjectID || c.User.Platform != bot.Teams || c.User.TeamID != tenantID || c.User.Locale != "fr-FR" {
		t.Fatalf("user %+v", c.User)
	}
	p := h.fake.Posts()[0]
	if p.Conversation != h.fake.PersonalChat(alice.MRI) || p.Conversation == "" {
		t.Fatalf("answer went to %q, want alice's personal chat", p.Conversation)
	}
	ref, err := h.store.TeamsDoc(context.Background(), "conv", channel.ID)
	if err != nil || !strings.Contains(string(ref), h.fake.ServiceURL()) {
		t.Fatalf("conversation reference %s, %v", ref, err)
	}
}

// TestMentionOfAnotherPersonBecomesTheirEmail: the grammar reads emails;
// a Teams @mention of a colleague is replaced by their verified email.
func TestMentionOfAnotherPersonBecomesTheirEmail(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(appID, alice, channel, "add <at>Bob Jones</at> agent 7d reason")
	ents := a["entities"].([]any)
	a["entities"] = append(ents, map[string]any{"type": "mention", "text": "<at>Bob Jones</at>",
		"mentioned": map[string]string{"id": bob.MRI, "name": bob.Name}})
	if status, _ := h.post(t, a, h.token()); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	h.h.wait(t, 1)
	if got := h.h.commands[0].Text; got != "add bob@example.com agent 7d reason" {
		t.Fatalf("text %q", got)
	}
}

// TestRedeliveryHandledOnce: the same activity id twice runs the
// handler once.
func TestRedeliveryHandledOnce(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(appID, alice, personal, "status")
	for range 3 {
		if status, _ := h.post(t, a, h.token()); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	h.h.wait(t, 1)
	time.Sleep(100 * time.Millisecond)
	if n := h.h.calls(); n != 1 {
		t.Fatalf("handler called %d times", n)
	}
}

// TestInstallGivesHome: installing the app in a personal scope opens
// the Home.
func TestInstallGivesHome(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Activity(appID, alice, personal, "installationUpdate")
	a["action"] = "add"
	if status, _ := h.post(t, a, h.token()); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	h.h.wait(t, 1)
	if h.h.homes[0].ID != alice.ObjectID {
		t.Fatalf("home for %+v", h.h.homes[0])
	}
}

func waitPosts(t *testing.T, h *harness, n int) []teamsfake.Post {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if p := h.fake.Posts(); len(p) >= n {
			return p
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("connector got %d posts, want %d", len(h.fake.Posts()), n)
	return nil
}
