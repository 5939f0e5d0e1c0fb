//go:build !nodemo

package playground

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

const testSecret = "playground-test-secret"

func sign(ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// botStub is the bot's HTTP side as the stand-in sees it: it checks each
// signature, records what it got and answers as scripted.
type botStub struct {
	t    *testing.T
	fake *slackfake.Fake

	mu       sync.Mutex
	commands []url.Values
	payloads []map[string]any
	events   []map[string]any
	answers  []string // view_submission answers, in turn
}

func (b *botStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if got := r.Header.Get("X-Slack-Signature"); got != sign(r.Header.Get("X-Slack-Request-Timestamp"), body) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch r.URL.Path {
	case "/slack/commands":
		f, _ := url.ParseQuery(string(body))
		b.commands = append(b.commands, f)
		switch f.Get("text") {
		case "hi":
			_, _ = io.WriteString(w, `{"response_type":"ephemeral","text":"hello <@U0DANALEE01>"}`)
		case "form":
			b.openModal(f.Get("trigger_id"))
		}
	case "/slack/interactions":
		f, _ := url.ParseQuery(string(body))
		var p map[string]any
		_ = json.Unmarshal([]byte(f.Get("payload")), &p)
		b.payloads = append(b.payloads, p)
		if p["type"] == "view_submission" && len(b.answers) > 0 {
			_, _ = io.WriteString(w, b.answers[0])
			b.answers = b.answers[1:]
		}
	case "/slack/events":
		var e map[string]any
		_ = json.Unmarshal(body, &e)
		b.events = append(b.events, e)
	}
}

// openModal opens a form through the fake Slack with the trigger id, as
// the bot does inside its answer.
func (b *botStub) openModal(trigger string) {
	view := `{"type":"modal","callback_id":"dc_add","private_metadata":"m","title":{"type":"plain_text","text":"Request access"},
	"submit":{"type":"plain_text","text":"Request"},"blocks":[
	{"type":"input","block_id":"email","label":{"type":"plain_text","text":"Email"},"element":{"type":"email_text_input","action_id":"email_in"}},
	{"type":"input","block_id":"package","label":{"type":"plain_text","text":"Package"},"element":{"type":"static_select","action_id":"package_in",
	  "options":[{"text":{"type":"plain_text","text":"agent"},"value":"agent"}]}},
	{"type":"input","block_id":"who","optional":true,"label":{"type":"plain_text","text":"Person"},"element":{"type":"users_select","action_id":"user_in"}}]}`
	body := `{"trigger_id":"` + trigger + `","view":` + view + `}`
	req, _ := http.NewRequest(http.MethodPost, b.fake.URL()+"views.open", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+slackfake.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Error(err)
		return
	}
	resp.Body.Close()
}

func newStandIn(t *testing.T) (*Slack, *botStub) {
	t.Helper()
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	cast := DefaultCast()
	for _, p := range cast.People {
		fake.AddUser(slackfake.User{ID: p.ID, Name: p.Name, Email: p.Email})
	}
	stub := &botStub{t: t, fake: fake}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	return NewSlack(SlackConfig{Fake: fake, BotURL: srv.URL, Sign: sign, Command: "/dynchat", Cast: cast}), stub
}

// TestCommandIsASignedSlashCommand: the stand-in sends what Slack sends
// for a slash command, keeps the answer as a reply only the sender
// sees, and a response_url post as another.
func TestCommandIsASignedSlashCommand(t *testing.T) {
	s, bot := newStandIn(t)
	r, err := s.Command(t.Context(), Lea, General, "hi")
	if err != nil || r == nil || r.Text != "hello <@U0DANALEE01>" || r.User != Lea || r.InChannel {
		t.Fatalf("reply %+v, %v", r, err)
	}
	f := bot.commands[0]
	for k, want := range map[string]string{"user_id": Lea, "channel_id": General, "command": "/dynchat", "text": "hi", "team_id": "T0PLAYGRD1"} {
		if f.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, f.Get(k), want)
		}
	}
	if f.Get("trigger_id") == "" || !strings.HasPrefix(f.Get("response_url"), s.cfg.Fake.URL()+slackfake.HookPath) {
		t.Errorf("trigger_id %q, response_url %q", f.Get("trigger_id"), f.Get("response_url"))
	}
	resp, err := http.Post(f.Get("response_url"), "application/json", strings.NewReader(`{"text":"later","response_type":"ephemeral"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if rs := s.Replies(); len(rs) != 2 || rs[1].Text != "later" || rs[1].User != Lea || rs[1].Channel != General {
		t.Fatalf("replies %+v", rs)
	}
	if _, err := s.Command(t.Context(), "U0NOBODY001", General, "hi"); err == nil {
		t.Error("a command as someone outside the cast was sent")
	}
}

// TestClickCarriesItsMessage: a click names the element and carries the
// message it is in, with the button's value taken from the message, as
// Slack sends it; an element the message lacks is not sent.
func TestClickCarriesItsMessage(t *testing.T) {
	s, bot := newStandIn(t)
	blocks := `[{"type":"section","text":{"type":"mrkdwn","text":"card"}},{"type":"actions","block_id":"decide:DC-1","elements":[` +
		`{"type":"button","action_id":"dc_approve","text":{"type":"plain_text","text":"Approve"},"value":"DC-1"}]}]`
	resp, err := http.PostForm(s.cfg.Fake.URL()+"chat.postMessage", url.Values{"token": {slackfake.Token}, "channel": {Approvals}, "text": {"card"}, "blocks": {blocks}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := s.cfg.Fake.Messages()[0]
	if err := s.Click(t.Context(), Dana, Target{Channel: m.Channel, TS: m.TS, BlockID: "decide:DC-1", ActionID: "dc_approve"}); err != nil {
		t.Fatal(err)
	}
	p := bot.payloads[0]
	action := p["actions"].([]any)[0].(map[string]any)
	msg := p["message"].(map[string]any)
	container := p["container"].(map[string]any)
	if p["type"] != "block_actions" || action["value"] != "DC-1" || action["type"] != "button" || msg["ts"] != m.TS ||
		container["message_ts"] != m.TS || container["channel_id"] != Approvals || p["user"].(map[string]any)["id"] != Dana {
		t.Fatalf("payload %v", p)
	}
	if raw, _ := json.Marshal(msg["blocks"]); !bytes.Contains(raw, []byte(`"dc_approve"`)) {
		t.Errorf("the payload's message lacks its blocks: %s", raw)
	}
	err = s.Click(t.Context(), Dana, Target{Channel: m.Channel, TS: m.TS, BlockID: "decide:DC-1", ActionID: "dc_forge"})
	if !errors.Is(err, errNoElement) || len(bot.payloads) != 1 {
		t.Fatalf("a click on no element: %v, %d payloads", err, len(bot.payloads))
	}
}

// TestModalLifecycle: a form the bot opens with the trigger id is put in
// front of the person; a submission carries every input in Slack's
// state shape; the bot's errors keep it open, an update replaces it, an
// empty answer closes it.
func TestModalLifecycle(t *testing.T) {
	s, bot := newStandIn(t)
	if _, err := s.Command(t.Context(), Lea, General, "form"); err != nil {
		t.Fatal(err)
	}
	m, ok := s.Modal(Lea)
	if !ok || m.View["callback_id"] != "dc_add" {
		t.Fatalf("no modal in front of Lea: %+v", m)
	}
	if _, ok := s.Modal(Dana); ok {
		t.Fatal("Dana sees Lea's modal")
	}
	bot.answers = []string{`{"response_action":"errors","errors":{"email":"Give an email"}}`,
		`{"response_action":"update","view":{"type":"modal","title":{"type":"plain_text","text":"Request sent"},"blocks":[]}}`, ``}
	errs, err := s.Submit(t.Context(), Lea, m.ID, Values{"package": {"package_in": {"agent"}}})
	if err != nil || errs["email"] != "Give an email" {
		t.Fatalf("errors %v, %v", errs, err)
	}
	state := bot.payloads[0]["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)
	pkg := state["package"].(map[string]any)["package_in"].(map[string]any)
	email := state["email"].(map[string]any)["email_in"].(map[string]any)
	who := state["who"].(map[string]any)["user_in"].(map[string]any)
	if pkg["selected_option"].(map[string]any)["value"] != "agent" || email["value"] != nil || email["type"] != "email_text_input" || who["selected_user"] != nil {
		t.Errorf("state %v", state)
	}
	if got, _ := s.Modal(Lea); got.Errors["email"] != "Give an email" {
		t.Errorf("errors not shown: %+v", got)
	}
	if _, err := s.Submit(t.Context(), Lea, m.ID, Values{"email": {"email_in": {"a@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Modal(Lea); got.View["title"].(map[string]any)["text"] != "Request sent" || len(got.Errors) != 0 {
		t.Errorf("after the update: %+v", got)
	}
	if _, err := s.Submit(t.Context(), Lea, m.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Modal(Lea); ok {
		t.Error("the modal stayed open after an empty answer")
	}
	if _, err := s.Submit(t.Context(), Lea, m.ID, nil); !errors.Is(err, errNoElement) {
		t.Errorf("submitting a closed modal: %v", err)
	}
}

// TestOpenHomeSendsTheEvent: opening the Home tab is an app_home_opened
// event to the Events API endpoint.
func TestOpenHomeSendsTheEvent(t *testing.T) {
	s, bot := newStandIn(t)
	if err := s.OpenHome(t.Context(), Ada); err != nil {
		t.Fatal(err)
	}
	ev := bot.events[0]
	inner := ev["event"].(map[string]any)
	if ev["type"] != "event_callback" || inner["type"] != "app_home_opened" || inner["user"] != Ada || inner["tab"] != "home" || ev["event_id"] == "" {
		t.Fatalf("event %v", ev)
	}
}
