package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// Slack's documented signing example (docs.slack.dev/authentication/verifying-requests-from-slack).
const (
	docSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	docTS     = "1531420618"
	docBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

// recorder is a bot.Handler that records calls and answers with the
// replies a test sets.
type recorder struct {
	mu          sync.Mutex
	commands    []bot.Command
	actions     []bot.Action
	submissions []bot.Submission
	homes       []bot.User
	reply       bot.Reply
	actionReply bot.ActionReply
	subReply    bot.SubmissionReply
	homeDone    chan struct{}
}

func (r *recorder) HandleCommand(_ context.Context, c bot.Command) bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commands = append(r.commands, c)
	return r.reply
}

func (r *recorder) HandleAction(_ context.Context, a bot.Action) bot.ActionReply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions = append(r.actions, a)
	return r.actionReply
}

func (r *recorder) HandleSubmission(_ context.Context, s bot.Submission) bot.SubmissionReply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submissions = append(r.submissions, s)
	return r.subReply
}

func (r *recorder) HandleHomeOpened(_ context.Context, u bot.User) {
	r.mu.Lock()
	r.homes = append(r.homes, u)
	r.mu.Unlock()
	if r.homeDone != nil {
		r.homeDone <- struct{}{}
	}
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.commands) + len(r.actions) + len(r.submissions) + len(r.homes)
}

type stack struct {
	fake   *slackfake.Fake
	h      *recorder
	rdb    redis.UniversalClient
	prefix string
	runner *Runner
	mux    *http.ServeMux
	v      *Verifier
	now    time.Time
}

func newStack(t *testing.T, now time.Time) *stack {
	t.Helper()
	return newStackSaying(t, now, nil)
}

// newStackSaying is newStack whose adapter says its own sentences
// through p.
func newStackSaying(t *testing.T, now time.Time, p bot.Phrases) *stack {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	f := newFake(t)
	st := &stack{fake: f, h: &recorder{}, rdb: rdb, prefix: prefix, now: now, mux: http.NewServeMux()}
	m := NewMetrics(nil)
	st.runner = NewRunner(context.Background(), 4, 5*time.Second, zerolog.Nop(), m)
	t.Cleanup(func() { _ = st.runner.Wait(context.Background()) })
	d := NewDispatcher(DispatcherConfig{Handler: st.h, Sender: newTestSender(t, f), Runner: st.runner,
		Dedupe: NewDedupe(store.New(rdb, prefix), time.Minute), Metrics: m, Logger: zerolog.Nop(), Phrases: p})
	st.v = NewVerifier(docSecret, func() time.Time { return st.now })
	NewHTTP(st.v, d).Register(st.mux)
	return st
}

func (st *stack) do(path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	st.mux.ServeHTTP(w, req)
	return w
}

// signed posts body signed with the current stack time.
func (st *stack) signed(path, body string) *httptest.ResponseRecorder {
	ts := strconv.FormatInt(st.now.Unix(), 10)
	return st.do(path, body, map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": st.v.Sign(ts, []byte(body))})
}

func (st *stack) keys(t *testing.T) []string {
	t.Helper()
	keys, err := st.rdb.Keys(context.Background(), st.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestDocumentedSignatureExample(t *testing.T) {
	st := newStack(t, time.Unix(1531420618+30, 0))
	w := st.do("/slack/commands", docBody, map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": docSig})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if len(st.h.commands) != 1 || st.h.commands[0].Name != "/webhook-collect" || st.h.commands[0].User.ID != "U2CERLKJA" {
		t.Fatalf("commands = %+v", st.h.commands)
	}
	if got := st.v.Sign(docTS, []byte(docBody)); got != docSig {
		t.Errorf("Sign = %s", got)
	}
}

func TestRejectedRequests(t *testing.T) {
	now := time.Unix(1531420618, 0)
	event := `{"type":"event_callback","event_id":"Ev1","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`
	sign := func(st *stack, ts, body string) string { return st.v.Sign(ts, []byte(body)) }
	tests := []struct {
		name   string
		path   string
		body   string
		hdr    func(st *stack) map[string]string
		status int
	}{
		{"wrong signature", "/slack/commands", docBody, func(*stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": "v0=" + strings.Repeat("0", 64)}
		}, 401},
		{"signature for other body", "/slack/events", event, func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": sign(st, docTS, event+" ")}
		}, 401},
		{"stale timestamp", "/slack/events", event, func(st *stack) map[string]string {
			ts := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
			return map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(st, ts, event)}
		}, 401},
		{"future timestamp", "/slack/events", event, func(st *stack) map[string]string {
			ts := strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10)
			return map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(st, ts, event)}
		}, 401},
		{"missing signature", "/slack/events", event, func(*stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS}
		}, 401},
		{"missing timestamp", "/slack/events", event, func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Signature": sign(st, docTS, event)}
		}, 401},
		{"garbage timestamp", "/slack/events", event, func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": sign(st, "soon", event)}
		}, 401},
		{"oversized body", "/slack/interactions", "payload=" + strings.Repeat("x", DefaultMaxBody), func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": sign(st, docTS, "payload="+strings.Repeat("x", DefaultMaxBody))}
		}, 413},
		{"malformed payload", "/slack/interactions", "payload=%7Bnot-json", func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": sign(st, docTS, "payload=%7Bnot-json")}
		}, 400},
		{"payload missing", "/slack/interactions", "foo=bar", func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": sign(st, docTS, "foo=bar")}
		}, 400},
		{"malformed event", "/slack/events", `{"type":"event_callback"}`, func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": sign(st, docTS, `{"type":"event_callback"}`)}
		}, 400},
		{"command without name", "/slack/commands", "user_id=U1&text=x", func(st *stack) map[string]string {
			return map[string]string{"X-Slack-Request-Timestamp": docTS, "X-Slack-Signature": sign(st, docTS, "user_id=U1&text=x")}
		}, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStack(t, now)
			w := st.do(tc.path, tc.body, tc.hdr(st))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.status, w.Body)
			}
			_ = st.runner.Wait(context.Background())
			if n := st.h.calls(); n != 0 {
				t.Errorf("handler called %d times", n)
			}
			if k := st.keys(t); len(k) != 0 {
				t.Errorf("redis keys written: %v", k)
			}
			if c := st.fake.Calls(""); len(c) != 0 {
				t.Errorf("slack calls made: %v", c)
			}
		})
	}
}

func TestURLVerification(t *testing.T) {
	st := newStack(t, time.Now())
	w := st.signed("/slack/events", `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestEventRetriesDeliveredOnce(t *testing.T) {
	st := newStack(t, time.Now())
	st.h.homeDone = make(chan struct{}, 8)
	body := `{"type":"event_callback","team_id":"T1","event_id":"Ev0A1B2C3","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`
	for i := range 4 { // first delivery plus Slack's three retries
		w := st.signed("/slack/events", body)
		if w.Code != 200 {
			t.Fatalf("delivery %d: %d", i, w.Code)
		}
	}
	other := strings.Replace(body, "Ev0A1B2C3", "Ev0A1B2C4", 1)
	st.signed("/slack/events", other)
	_ = st.runner.Wait(context.Background())
	if len(st.h.homes) != 2 || st.h.homes[0].ID != "U1" {
		t.Fatalf("home opened %d times, want 2 (one per event id): %+v", len(st.h.homes), st.h.homes)
	}
	if k := st.keys(t); len(k) != 2 || !strings.HasPrefix(k[0], st.prefix+"{ledger}:claim:slack:event:Ev0A1B2C") {
		t.Errorf("dedupe keys = %v", k)
	}
	ttl := st.rdb.TTL(context.Background(), st.prefix+"{ledger}:claim:slack:event:Ev0A1B2C3").Val()
	if ttl <= 0 || ttl > time.Minute {
		t.Errorf("ttl = %s", ttl)
	}
	// The messages tab does not publish a Home.
	st.signed("/slack/events", `{"type":"event_callback","event_id":"Ev9","event":{"type":"app_home_opened","user":"U1","tab":"messages"}}`)
	_ = st.runner.Wait(context.Background())
	if len(st.h.homes) != 2 {
		t.Errorf("messages tab handled")
	}
}

func form(payload any) string {
	js, _ := json.Marshal(payload)
	return url.Values{"payload": {string(js)}}.Encode()
}

func TestCommandOpensModalAndReplies(t *testing.T) {
	st := newStack(t, time.Now())
	modal := requestModal()
	st.h.reply = bot.Reply{Modal: &modal}
	cmd := func(trigger string) string {
		return "command=%2Fdynchat&text=add&user_id=U1&user_name=alice&channel_id=C1&team_id=T1&trigger_id=" + trigger +
			"&response_url=" + url.QueryEscape(st.fake.URL()+slackfake.HookPath+"commands/T1/1/x")
	}
	body := cmd("trig-1")
	if w := st.signed("/slack/commands", body); w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	if v := st.fake.Views(); len(v) != 1 || v[0].Method != "views.open" {
		t.Fatalf("views = %+v", v)
	}
	c := st.h.commands[0]
	if c.Text != "add" || c.TriggerID != "trig-1" || c.Respond == nil || c.User.TeamID != "T1" {
		t.Errorf("command = %+v", c)
	}
	// An expired trigger: the modal cannot open and the user is told.
	st.fake.ExpireTrigger("trig-2")
	w := st.signed("/slack/commands", cmd("trig-2"))
	if !strings.Contains(w.Body.String(), `"response_type":"ephemeral"`) || !strings.Contains(w.Body.String(), "could not open the form") {
		t.Errorf("reply = %s", w.Body)
	}
	// A message reply with user text is escaped.
	st.h.reply = bot.Reply{Message: &bot.Message{Text: bot.Textf("Unknown command %q", "<!channel>")}}
	w = st.signed("/slack/commands", cmd("trig-3"))
	var got commandAck
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Text != `Unknown command "&lt;!channel&gt;"` {
		t.Errorf("reply = %s (%v)", w.Body, err)
	}
}

func TestActionUpdatesMessageAfterAck(t *testing.T) {
	st := newStack(t, time.Now())
	ref, err := newTestSender(t, st.fake).Post(context.Background(), "C1", approvalCard())
	if err != nil {
		t.Fatal(err)
	}
	afterRan := make(chan struct{}, 1)
	st.h.actionReply = bot.ActionReply{
		Update:    &bot.Message{Text: bot.Plain("Approved")},
		Ephemeral: &bot.Message{Text: bot.Plain("Thanks")},
		After:     func(context.Context) { afterRan <- struct{}{} },
	}
	payload := map[string]any{
		"type": "block_actions", "trigger_id": "t2", "user": map[string]any{"id": "U2", "username": "bob", "team_id": "T1"},
		"channel":   map[string]any{"id": "C1"},
		"container": map[string]any{"type": "message", "message_ts": ref.ID, "channel_id": "C1"},
		"actions":   []any{map[string]any{"action_id": "approve", "block_id": "decide:DC-1042", "value": "DC-1042", "type": "button"}},
		"message":   st.fake.MessagePayload("C1", ref.ID),
	}
	// A block of a kind nobody knows yet does not spoil the click.
	msg := payload["message"].(map[string]any)
	msg["blocks"] = append(msg["blocks"].([]any), map[string]any{"type": "weird_future_block", "elements": "?"})
	if w := st.signed("/slack/interactions", form(payload)); w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	<-afterRan
	_ = st.runner.Wait(context.Background())
	a := st.h.actions[0]
	if a.ActionID != "approve" || a.Value != "DC-1042" || a.Message == nil || a.Message.ID != ref.ID || a.User.ID != "U2" {
		t.Errorf("action = %+v", a)
	}
	if m, _ := st.fake.Message("C1", ref.ID); m.Text != "Approved" || m.Edits != 1 {
		t.Errorf("message = %+v", m)
	}
	if e := st.fake.Ephemerals(); len(e) != 1 || e[0].User != "U2" {
		t.Errorf("ephemerals = %+v", e)
	}
}

func TestSubmissionReplies(t *testing.T) {
	st := newStack(t, time.Now())
	view := map[string]any{"id": "V1", "hash": "h1", "type": "modal", "callback_id": "request_add", "private_metadata": `{"channel":"C1"}`,
		"state": map[string]any{"values": map[string]any{
			"target":  map[string]any{"email": map[string]any{"type": "email_text_input", "value": "carol@example.com"}},
			"package": map[string]any{"pkg": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "agent"}}},
			"regions": map[string]any{"regions": map[string]any{"type": "multi_static_select", "selected_options": []any{map[string]any{"value": "emea"}, map[string]any{"value": "apac"}}}},
			"user":    map[string]any{"user": map[string]any{"type": "users_select", "selected_user": "U2"}},
		}}}
	body := func(trigger string) string {
		return form(map[string]any{"type": "view_submission", "trigger_id": trigger, "user": map[string]any{"id": "U1"}, "view": view})
	}
	next := requestModal()
	tests := []struct {
		name  string
		reply bot.SubmissionReply
		want  string
	}{
		{"close", bot.SubmissionReply{}, ""},
		{"errors", bot.SubmissionReply{Errors: map[string]string{"target": "Not an email"}}, `{"response_action":"errors","errors":{"target":"Not an email"}}`},
		{"clear", bot.SubmissionReply{Clear: true}, `{"response_action":"clear"}`},
		{"update", bot.SubmissionReply{Update: &next}, `{"response_action":"update","view":{"type":"modal"`},
		{"push", bot.SubmissionReply{Push: &next}, `{"response_action":"push","view":{"type":"modal"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.h.subReply = tc.reply
			w := st.signed("/slack/interactions", body("trig-"+tc.name))
			if w.Code != 200 || !strings.HasPrefix(w.Body.String(), tc.want) || (tc.want == "" && w.Body.Len() != 0) {
				t.Fatalf("%d %s, want prefix %s", w.Code, w.Body, tc.want)
			}
		})
	}
	s := st.h.submissions[0]
	if s.CallbackID != "request_add" || s.PrivateMetadata != `{"channel":"C1"}` || s.ViewID != "V1" {
		t.Errorf("submission = %+v", s)
	}
	if s.Values.Block("target").Text != "carol@example.com" || s.Values.Get("package", "pkg").String() != "agent" ||
		fmt.Sprint(s.Values.Block("regions").Selected) != "[emea apac]" || s.Values.Block("user").String() != "U2" {
		t.Errorf("values = %+v", s.Values)
	}
}
