//go:build !nodemo

package playground

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// TeamsConfig wires a Teams stand-in.
type TeamsConfig struct {
	// Fake is the fake Teams (token issuer and Bot Connector) the bot
	// talks to; it signs what the stand-in sends.
	Fake *teamsfake.Server
	// BotURL is the bot's HTTP listener (http://127.0.0.1:port).
	BotURL string
	// AppID is the bot's Microsoft App ID, the audience of the tokens.
	AppID string
	Cast  Cast
}

// Teams acts as people in Microsoft Teams. It sends the bot what Teams
// would send when someone writes to it in their 1:1 chat or presses a
// card's button (an adaptiveCard/action invoke, or a task/fetch and
// task/submit for a button that asks first), each signed with a Bot
// Framework token of the fake issuer, and keeps what Teams shows one
// person only: the answers to their clicks.
type Teams struct {
	cfg    TeamsConfig
	client *http.Client

	mu      sync.Mutex
	answers []Answer
}

var _ Chat = (*Teams)(nil)

// Answer is what Teams showed one person after a click or dialog: an
// invoke answered with a message.
type Answer struct {
	User string
	Text string
}

// NewTeams returns a stand-in for Teams in front of the bot.
func NewTeams(cfg TeamsConfig) *Teams {
	return &Teams{cfg: cfg, client: &http.Client{Timeout: 20 * time.Second}}
}

// Shown returns the answers shown so far, oldest first.
func (t *Teams) Shown() []Answer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.answers)
}

// LastAnswer implements Chat.
func (t *Teams) LastAnswer(person string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.answers) - 1; i >= 0; i-- {
		if t.answers[i].User == person {
			return t.answers[i].Text
		}
	}
	return ""
}

// Answers implements Chat.
func (t *Teams) Answers() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.answers)
}

// Version implements Chat: it moves with every post, update and answer.
func (t *Teams) Version() int { return len(t.cfg.Fake.Posts()) + t.Answers() }

// Command writes text to the bot in person's 1:1 chat.
func (t *Teams) Command(ctx context.Context, person, text string) error {
	u, ok := t.cfg.Cast.TeamsUser(person)
	if !ok {
		return fmt.Errorf("playground: unknown person %q", person)
	}
	_, err := t.send(ctx, t.cfg.Fake.Message(t.cfg.AppID, u, t.conversation(PersonalChat(person)), text))
	return err
}

// conversation is a conversation as activities describe it.
func (t *Teams) conversation(id string) teamsfake.Conversation {
	if _, personal := t.cfg.Cast.TeamsPlace(id); personal {
		return teamsfake.Conversation{ID: id, Type: "personal"}
	}
	return teamsfake.Conversation{ID: id, Type: "channel", Team: TeamsTeam}
}

// send posts a signed activity to the bot and returns its answer's body.
func (t *Teams) send(ctx context.Context, activity map[string]any) ([]byte, error) {
	req := teamsfake.Request(t.cfg.BotURL+"/api/messages", activity, t.cfg.Fake.Token(t.cfg.AppID))
	resp, err := t.client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("playground: teams activity: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("playground: the bot answered a Teams %v with %d: %s", activity["type"], resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// HasCard implements Chat.
func (t *Teams) HasCard(id string) bool { _, ok := t.card(id); return ok }

// card returns the approval card of request id in its channel.
func (t *Teams) card(id string) (teamsfake.Posted, bool) {
	for _, m := range t.cfg.Fake.Posted() {
		if _, personal := t.cfg.Cast.TeamsPlace(m.Conversation); personal || m.ReplyTo != "" {
			continue
		}
		if c := m.Card(); c != nil && cardOfRequest(c, id) {
			return m, true
		}
	}
	return teamsfake.Posted{}, false
}

// cardOfRequest reports whether an approval card is request id's: its
// fallback text starts with the id, as every card of a request does.
func cardOfRequest(c map[string]any, id string) bool {
	fb, _ := c["fallbackText"].(string)
	return strings.HasPrefix(fb, id+": ")
}

// ClickCard implements Chat.
func (t *Teams) ClickCard(ctx context.Context, person, id, action string) error {
	m, ok := t.card(id)
	if !ok {
		return fmt.Errorf("playground: no Teams card for %s", id)
	}
	a, ok := findAction(m.Card()["body"], action, "")
	if !ok {
		return fmt.Errorf("playground: the Teams card of %s has no %s button", id, action)
	}
	return t.press(ctx, person, m, a)
}

// HasReviewButton implements Chat.
func (t *Teams) HasReviewButton(email, action string) bool {
	_, _, _, ok := t.reviewButton(email, action)
	return ok
}

// ClickReview implements Chat.
func (t *Teams) ClickReview(ctx context.Context, email, action string) error {
	m, owner, a, ok := t.reviewButton(email, action)
	if !ok {
		return errors.New("playground: no Teams review page offers " + action + " for " + email + "; run the review step first")
	}
	return t.press(ctx, owner, m, a)
}

// reviewButton finds, in a reviewer's review page in their 1:1 chat,
// the button action below the text naming email; Dana's page first.
func (t *Teams) reviewButton(email, action string) (teamsfake.Posted, string, map[string]any, bool) {
	msgs := t.cfg.Fake.Posted()
	slices.SortStableFunc(msgs, func(a, b teamsfake.Posted) int {
		return boolOrder(a.Conversation != PersonalChat(Dana)) - boolOrder(b.Conversation != PersonalChat(Dana))
	})
	for _, m := range msgs {
		owner, personal := t.cfg.Cast.TeamsPlace(m.Conversation)
		if !personal || !strings.Contains(string(m.Raw), email) {
			continue
		}
		if a, ok := findAction(m.Card()["body"], action, email); ok {
			return m, owner, a, true
		}
	}
	return teamsfake.Posted{}, "", nil, false
}

// findAction returns the card action that stands for action id (an
// Action.Execute's verb, or an Action.Submit's "a"); with near set, only
// one in the first ActionSet after a TextBlock that mentions near (the
// buttons of a review item follow its text blocks).
func findAction(body any, action, near string) (map[string]any, bool) {
	els, _ := body.([]any)
	below := near == ""
	for _, raw := range els {
		el, _ := raw.(map[string]any)
		switch el["type"] {
		case "TextBlock":
			if text, _ := el["text"].(string); near != "" && strings.Contains(text, near) {
				below = true
			}
		case "ActionSet":
			if !below {
				continue
			}
			acts, _ := el["actions"].([]any)
			for _, ra := range acts {
				a, _ := ra.(map[string]any)
				data, _ := a["data"].(map[string]any)
				if a["verb"] == action || (a["type"] == "Action.Submit" && data["a"] == action) {
					return a, true
				}
			}
			below = near == ""
		}
	}
	return nil, false
}

// press sends what Teams sends when person presses action on message m.
func (t *Teams) press(ctx context.Context, person string, m teamsfake.Posted, action map[string]any) error {
	u, ok := t.cfg.Cast.TeamsUser(person)
	if !ok {
		return fmt.Errorf("playground: unknown person %q", person)
	}
	conv := t.conversation(m.Conversation)
	data, _ := action["data"].(map[string]any)
	if action["type"] == "Action.Execute" {
		verb, _ := action["verb"].(string)
		body, err := t.send(ctx, t.cfg.Fake.Invoke(t.cfg.AppID, u, conv, "adaptiveCard/action", teamsfake.Execute(verb, data), m.ActivityID))
		if err != nil {
			return err
		}
		return t.answered(person, body)
	}
	fetch, _ := data["msteams"].(map[string]any)
	if fetch["type"] != "task/fetch" {
		return fmt.Errorf("playground: a %v button the stand-in cannot press", action["type"])
	}
	body, err := t.send(ctx, t.cfg.Fake.Invoke(t.cfg.AppID, u, conv, "task/fetch", teamsfake.TaskData(data), m.ActivityID))
	if err != nil {
		return err
	}
	confirm, err := t.confirmation(person, body)
	if err != nil || confirm == nil {
		return err
	}
	body, err = t.send(ctx, t.cfg.Fake.Invoke(t.cfg.AppID, u, conv, "task/submit", teamsfake.TaskData(confirm), m.ActivityID))
	if err != nil {
		return err
	}
	return t.answered(person, body)
}

// confirmation reads a task/fetch answer: the data of the "yes" button
// of a confirmation dialog, or nil after an answer shown to person.
func (t *Teams) confirmation(person string, body []byte) (map[string]any, error) {
	var r struct {
		Task struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"task"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("playground: task/fetch answer: %w", err)
	}
	if r.Task.Type != "continue" {
		return nil, t.answered(person, body)
	}
	var info struct {
		Card struct {
			Content map[string]any `json:"content"`
		} `json:"card"`
	}
	_ = json.Unmarshal(r.Task.Value, &info)
	acts, _ := info.Card.Content["actions"].([]any)
	for _, ra := range acts {
		a, _ := ra.(map[string]any)
		if data, _ := a["data"].(map[string]any); data["ok"] == true {
			return data, nil
		}
	}
	return nil, errors.New("playground: the dialog asks for more than a confirmation")
}

// answered keeps what an invoke's answer shows person: a message
// (Universal Actions) or a dialog's closing message.
func (t *Teams) answered(person string, body []byte) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	var r struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
		Task  *struct {
			Type  string `json:"type"`
			Value any    `json:"value"`
		} `json:"task"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("playground: invoke answer: %w", err)
	}
	var text string
	switch {
	case r.Task != nil && r.Task.Type == "message":
		text, _ = r.Task.Value.(string)
	case r.Type == "application/vnd.microsoft.activity.message":
		_ = json.Unmarshal(r.Value, &text)
	}
	if text != "" {
		t.mu.Lock()
		t.answers = append(t.answers, Answer{User: person, Text: text})
		t.mu.Unlock()
	}
	return nil
}
