package teamsbot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// approvalCard is a card like commands.Card: Approve (Universal
// Action) and Deny (asks first, then a reason dialog).
func approvalCard(id string) bot.Message {
	return bot.Message{Text: bot.Plain(id + ": add agent for bob@example.com: waiting"), Blocks: []bot.Block{
		&bot.Header{Text: "Access request " + id},
		&bot.Section{Text: bot.Textf("%s asks to add %s", bot.MentionOn(bot.Teams, alice.ObjectID, alice.Name), bot.Bold("agent")),
			Fields: []bot.Text{bot.Lines(bot.Bold("Request"), bot.Code(id))}},
		&bot.Actions{BlockID: "decide:" + id, Elements: []bot.Element{
			&bot.Button{ActionID: "dc_approve", Text: "Approve", Value: id, Style: bot.StylePrimary},
			&bot.Button{ActionID: "dc_deny", Text: "Deny", Value: id, Style: bot.StyleDanger, Confirm: &bot.Confirm{
				Title: "Deny " + id + "?", Text: bot.Plain("It will not happen."), Confirm: "Deny", Deny: "Back", Danger: true}},
		}},
	}}
}

func denyModal(id string) bot.Modal {
	return bot.Modal{CallbackID: "dc_deny", Title: "Deny " + id, Submit: "Deny", Close: "Back", PrivateMetadata: id,
		Blocks: []bot.Block{&bot.Input{BlockID: "justification", Label: "Reason", Element: &bot.TextInput{ActionID: "reason_in", Multiline: true}}}}
}

// postCard posts an approval card in the channel through the sender and
// returns its activity id.
func postCard(t *testing.T, h *harness, id string) string {
	t.Helper()
	ref, err := h.adapter.Sender.Post(context.Background(), channel.ID, approvalCard(id))
	if err != nil {
		t.Fatal(err)
	}
	return ref.ID
}

func execute(h *harness, from teamsfake.User, cardID, verb string, data map[string]any) map[string]any {
	return h.fake.Invoke(appID, from, channel, "adaptiveCard/action", teamsfake.Execute(verb, data), cardID)
}

// TestApproveClick: an Action.Execute click that matches the card runs
// HandleAction with the request id and the message, and the answer is
// the redrawn card, in the HTTP body.
func TestApproveClick(t *testing.T) {
	h := newHarness(t)
	cardID := postCard(t, h, "DC-1")
	h.h.action = func(a bot.Action) bot.ActionReply {
		m := approvalCard(a.Value)
		m.Blocks = m.Blocks[:2]
		return bot.ActionReply{Update: &m}
	}
	status, body := h.post(t, execute(h, bob, cardID, "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-1"}), h.token())
	if status != http.StatusOK {
		t.Fatalf("status %d %s", status, body)
	}
	ans := decode(t, body)
	if ans["type"] != "application/vnd.microsoft.card.adaptive" || ans["statusCode"] != float64(200) {
		t.Fatalf("answer %s", body)
	}
	a := h.h.actions[0]
	if a.ActionID != "dc_approve" || a.Value != "DC-1" || a.User.ID != bob.ObjectID || a.Message == nil || a.Message.ID != cardID {
		t.Fatalf("action %+v", a)
	}
	posts := waitPosts(t, h, 2)
	if posts[1].Method != "PUT" || posts[1].ActivityID != cardID {
		t.Fatalf("card not updated for everyone: %+v", posts[1])
	}
}

// TestForgedClickRefused: a click whose verb or data is not on the card
// it came from (another request, another verb, an unknown card) is
// answered "changed" with nothing stored and nothing called.
func TestForgedClickRefused(t *testing.T) {
	h := newHarness(t)
	cardID := postCard(t, h, "DC-1")
	before := len(h.keys(t))
	for name, inv := range map[string]map[string]any{
		"another request":  execute(h, bob, cardID, "dc_approve", map[string]any{"v": "DC-2", "b": "decide:DC-1"}),
		"another block":    execute(h, bob, cardID, "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-2"}),
		"another verb":     execute(h, bob, cardID, "dc_retry", map[string]any{"v": "DC-1", "b": "decide:DC-1"}),
		"confirm skipped":  execute(h, bob, cardID, "dc_deny", map[string]any{"v": "DC-1", "b": "decide:DC-1"}),
		"unknown card":     execute(h, bob, "123", "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-1"}),
		"no card":          execute(h, bob, "", "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-1"}),
		"forged confirmed": h.fake.Invoke(appID, bob, channel, "task/submit", teamsfake.TaskData(map[string]any{"a": "dc_deny", "v": "DC-9", "b": "decide:DC-1", "ok": true}), cardID),
		"foreign dialog":   h.fake.Invoke(appID, bob, channel, "task/fetch", teamsfake.TaskData(map[string]any{"dlg": "0123456789abcdef0123456789abcdef"}), cardID),
	} {
		status, body := h.post(t, inv, h.token())
		if status != http.StatusOK || !strings.Contains(string(body), "nothing was done") && !strings.Contains(string(body), "expired") {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	if n := h.h.calls(); n != 0 {
		t.Fatalf("handler called %d times", n)
	}
	if after := len(h.keys(t)); after != before {
		t.Fatalf("refused clicks stored %d keys", after-before)
	}
}

// TestDenyFlow: Deny asks first (dialog), then the reason dialog; a
// refused submit redraws the dialog with the error under the field and
// the typed text kept; only the person it was opened for may submit it.
func TestDenyFlow(t *testing.T) {
	h := newHarness(t)
	cardID := postCard(t, h, "DC-1")
	fetch := h.fake.Invoke(appID, bob, channel, "task/fetch", teamsfake.TaskData(map[string]any{
		"a": "dc_deny", "v": "DC-1", "b": "decide:DC-1", "cf": map[string]any{"t": "Deny DC-1?"}, "msteams": map[string]string{"type": "task/fetch"}}), cardID)
	status, body := h.post(t, fetch, h.token())
	if status != http.StatusOK || !strings.Contains(string(body), `"continue"`) || !strings.Contains(string(body), "It will not happen") {
		t.Fatalf("confirm dialog: %d %s", status, body)
	}
	h.h.action = func(a bot.Action) bot.ActionReply { m := denyModal(a.Value); return bot.ActionReply{Modal: &m} }
	confirm := h.fake.Invoke(appID, bob, channel, "task/submit", teamsfake.TaskData(map[string]any{"a": "dc_deny", "v": "DC-1", "b": "decide:DC-1", "ok": true}), cardID)
	status, body = h.post(t, confirm, h.token())
	if status != http.StatusOK || !strings.Contains(string(body), "in:justification/reason_in") {
		t.Fatalf("reason dialog: %d %s", status, body)
	}
	dlg := dialogID(t, body)
	h.h.submit = func(s bot.Submission) bot.SubmissionReply {
		return bot.SubmissionReply{Errors: map[string]string{"justification": "Say *why*"}}
	}
	submit := h.fake.Invoke(appID, bob, channel, "task/submit", teamsfake.TaskData(map[string]any{"dlg": dlg, "in:justification/reason_in": "too broad"}), cardID)
	status, body = h.post(t, submit, h.token())
	if status != http.StatusOK || !strings.Contains(string(body), `Say \\*why\\*`) || !strings.Contains(string(body), `"value":"too broad"`) {
		t.Fatalf("redrawn dialog: %d %s", status, body)
	}
	s := h.h.subs[0]
	if s.CallbackID != "dc_deny" || s.PrivateMetadata != "DC-1" || s.Values.Get("justification", "reason_in").Text != "too broad" {
		t.Fatalf("submission %+v", s)
	}
	stolen := h.fake.Invoke(appID, alice, channel, "task/submit", teamsfake.TaskData(map[string]any{"dlg": dlg, "in:justification/reason_in": "x"}), cardID)
	if _, body = h.post(t, stolen, h.token()); !strings.Contains(string(body), "expired") || len(h.h.subs) != 1 {
		t.Fatalf("someone else's dialog was submitted: %s", body)
	}
}

// dialogID digs the dialog id out of a continue answer.
func dialogID(t *testing.T, body []byte) string {
	t.Helper()
	var ans struct {
		Task struct {
			Value struct {
				Card struct {
					Content struct {
						Actions []struct {
							Data map[string]any `json:"data"`
						} `json:"actions"`
					} `json:"content"`
				} `json:"card"`
			} `json:"value"`
		} `json:"task"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatal(err)
	}
	for _, a := range ans.Task.Value.Card.Content.Actions {
		if id, ok := a.Data["dlg"].(string); ok {
			return id
		}
	}
	t.Fatalf("no dialog id in %s", body)
	return ""
}

// TestRefreshShowsCurrentCard: a refresh answers with the card as last
// posted or updated.
func TestRefreshShowsCurrentCard(t *testing.T) {
	h := newHarness(t)
	cardID := postCard(t, h, "DC-1")
	status, body := h.post(t, execute(h, carol, cardID, "refresh", nil), h.token())
	if status != http.StatusOK || !strings.Contains(string(body), "Access request DC-1") {
		t.Fatalf("refresh: %d %s", status, body)
	}
	if h.h.calls() != 0 {
		t.Fatal("refresh called the handler")
	}
}

// TestOutsiderClickToldPrivately: the handler's refusal (Ephemeral)
// comes back as the invoke's message answer.
func TestOutsiderClickToldPrivately(t *testing.T) {
	h := newHarness(t)
	cardID := postCard(t, h, "DC-1")
	h.h.action = func(bot.Action) bot.ActionReply {
		return bot.ActionReply{Ephemeral: &bot.Message{Text: bot.Plain("You are not an approver of agent.")}}
	}
	_, body := h.post(t, execute(h, carol, cardID, "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-1"}), h.token())
	ans := decode(t, body)
	if ans["type"] != "application/vnd.microsoft.activity.message" || ans["value"] != "You are not an approver of agent." {
		t.Fatalf("answer %s", body)
	}
}

// TestClickWhileTheCardCannotBeRead: a click on a current card while
// its stored copy cannot be read (Redis unreachable) is told to try
// again, not that the card changed; nothing is stored or called, and
// the same click works once the store answers.
func TestClickWhileTheCardCannotBeRead(t *testing.T) {
	h := newHarness(t)
	cardID := postCard(t, h, "DC-1")
	click := execute(h, bob, cardID, "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-1"})
	before := len(h.keys(t))
	h.memory.down.Store(true)
	status, body := h.post(t, click, h.token())
	if status != http.StatusOK || !strings.Contains(string(body), "could not be checked just now") || strings.Contains(string(body), "changed") {
		t.Fatalf("%d %s", status, body)
	}
	if n := h.h.calls(); n != 0 {
		t.Fatalf("handler called %d times", n)
	}
	if after := len(h.keys(t)); after != before {
		t.Fatalf("the refused click stored %d keys", after-before)
	}
	h.memory.down.Store(false)
	if status, _ := h.post(t, click, h.token()); status != http.StatusOK || h.h.calls() != 1 {
		t.Fatalf("the same click once the store answers: %d, %d calls", status, h.h.calls())
	}
}
