package slackbot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// TestReplayedRequestsHaveNoEffect: the exact signed bytes of a
// command, click or submission sent again inside the signature window
// are acknowledged and ignored (field failure: an auto-approved
// /dynchat add replayed 14 s later granted the access again).
func TestReplayedRequestsHaveNoEffect(t *testing.T) {
	now := time.Now()
	st := newStack(t, now)
	cmd := "command=%2Fdynchat&text=add+alice%40example.com+agent+30d+x&user_id=U1&channel_id=C1&team_id=T1&trigger_id=398738663015.47445629121.803a0bc887"
	click := form(map[string]any{"type": "block_actions", "trigger_id": "4711.1.a", "user": map[string]any{"id": "U2"},
		"container": map[string]any{"type": "view", "view_id": "V1"}, "view": map[string]any{"id": "V1", "type": "home",
			"blocks": []any{map[string]any{"type": "actions", "block_id": "b", "elements": []any{map[string]any{"type": "button", "action_id": "a", "value": "v"}}}}},
		"actions": []any{map[string]any{"action_id": "a", "block_id": "b", "value": "v", "type": "button"}}})
	closed := form(map[string]any{"type": "view_closed", "user": map[string]any{"id": "U2"}, "view": map[string]any{"id": "V9"}})
	for _, tc := range []struct {
		path, body string
		key        string
	}{
		{"/slack/commands", cmd, "slack:request:trigger:398738663015.47445629121.803a0bc887"},
		{"/slack/interactions", click, "slack:request:trigger:4711.1.a"},
		{"/slack/interactions", closed, "slack:request:body:"},
	} {
		before := st.h.calls()
		ts := now.Unix()
		hdr := map[string]string{"X-Slack-Request-Timestamp": itoa(ts), "X-Slack-Signature": st.v.Sign(itoa(ts), []byte(tc.body))}
		if w := st.do(tc.path, tc.body, hdr); w.Code != http.StatusOK {
			t.Fatalf("%s first: %d", tc.path, w.Code)
		}
		handled := st.h.calls()
		// 14 s later, the same bytes and headers.
		st.now = now.Add(14 * time.Second)
		w := st.do(tc.path, tc.body, hdr)
		st.now = now
		if w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Fatalf("%s replay: %d %q", tc.path, w.Code, w.Body)
		}
		_ = st.runner.Wait(context.Background())
		if got := st.h.calls(); got != handled || (tc.body != closed && handled != before+1) {
			t.Fatalf("%s: handler calls %d → %d → %d; the replay must not reach it", tc.path, before, handled, got)
		}
		found := false
		for _, k := range st.keys(t) {
			if strings.Contains(k, tc.key) {
				found = true
				ttl := st.rdb.TTL(context.Background(), k).Val()
				if ttl <= 0 || ttl > replayTTL {
					t.Errorf("%s ttl %s", k, ttl)
				}
			}
		}
		if !found {
			t.Errorf("no claim %s in %v", tc.key, st.keys(t))
		}
	}
	if len(st.fake.Calls("")) != 0 {
		t.Errorf("slack calls: %+v", st.fake.Calls(""))
	}
}

type brokenClaims struct{}

func (brokenClaims) Claim(context.Context, string, string, time.Duration) (bool, error) {
	return false, errors.New("redis: connection refused")
}

// TestClaimFailureRefuses: when the claim cannot be made the request
// might be a replay, so it is refused and the handler never runs.
func TestClaimFailureRefuses(t *testing.T) {
	f := newFake(t)
	h := &recorder{}
	r := NewRunner(context.Background(), 1, time.Second, zerolog.Nop(), nil)
	d := NewDispatcher(DispatcherConfig{Handler: h, Sender: newTestSender(t, f), Runner: r, Dedupe: NewDedupe(brokenClaims{}, 0), Logger: zerolog.Nop()})
	v := NewVerifier(docSecret, nil)
	mux := http.NewServeMux()
	NewHTTP(v, d).Register(mux)
	body := "command=%2Fdynchat&text=list&user_id=U1&trigger_id=1.2.3"
	ts := itoa(time.Now().Unix())
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", v.Sign(ts, []byte(body)))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	// A slash command is refused with a sentence the person reads
	// (Slack shows a command's answer), not a bare 503.
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "nothing was changed") || h.calls() != 0 {
		t.Fatalf("%d %q, handler calls %d", w.Code, w.Body.String(), h.calls())
	}
}

func TestCheckResponseURL(t *testing.T) {
	api := "http://127.0.0.1:4321/"
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN", true},
		{"https://hooks.slack.com/actions/T1/2/x", true},
		{"https://HOOKS.SLACK.COM/actions/T1/2/x", true},
		{"http://127.0.0.1:4321/hooks/commands/T1/1/x", true},
		{"http://hooks.slack.com/commands/T1/1/x", false},
		{"https://hooks.slack.com.evil.test/commands/T1/1/x", false},
		{"https://evil.test/hooks.slack.com/commands", false},
		{"https://user@hooks.slack.com/commands/T1/1/x", false},
		{"https://hooks.slack.com:8443/commands/T1/1/x", false},
		{"http://127.0.0.1:80/admin", false},
		{"http://127.0.0.1:4322/hooks/x", false},
		{"http://localhost:4321/hooks/x", false},
		{"https://hooks.slack.com", false},
		{"file:///etc/passwd", false},
		{"//hooks.slack.com/x", false},
		{"", false},
	}
	for _, tc := range tests {
		if err := checkResponseURL(tc.url, api); (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
	if checkResponseURL("http://127.0.0.1:4321/hooks/x", "") == nil {
		t.Error("loopback accepted without an API URL override")
	}
}

// TestResponseURLOnlySlackHooks: a response_url in a signed payload that
// points elsewhere (the field failure posted to a loopback address) is
// never called; one on the hooks host is.
func TestResponseURLOnlySlackHooks(t *testing.T) {
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer elsewhere.Close()

	st := newStack(t, time.Now())
	st.h.reply = bot.Reply{After: func(context.Context) {}}
	cmd := func(trigger, hook string) string {
		return "command=%2Fdynchat&text=x&user_id=U1&channel_id=C1&trigger_id=" + trigger + "&response_url=" + url.QueryEscape(hook)
	}
	st.signed("/slack/commands", cmd("t.1", elsewhere.URL+"/commands/T1/1/x"))
	st.signed("/slack/commands", cmd("t.2", st.fake.URL()+slackfake.HookPath+"commands/T1/2/y"))
	if st.h.commands[0].Respond != nil {
		t.Fatal("Respond offered for a foreign response_url")
	}
	ok := st.h.commands[1].Respond
	if ok == nil {
		t.Fatal("no Respond for the hooks URL")
	}
	if err := ok(context.Background(), bot.Response{Message: bot.Message{Text: bot.Plain("done")}}); err != nil {
		t.Fatal(err)
	}
	if r := st.fake.Responses(); len(r) != 1 || r[0].Body["text"] != "done" {
		t.Fatalf("responses %+v", r)
	}

	// A click from an ephemeral message is redrawn through its
	// response_url: with a foreign one, nothing is posted anywhere.
	st.h.actionReply = bot.ActionReply{Update: &bot.Message{Text: bot.Plain("redrawn")}}
	st.signed("/slack/interactions", form(map[string]any{"type": "block_actions", "trigger_id": "t.3", "user": map[string]any{"id": "U2"},
		"response_url": elsewhere.URL + "/actions/T1/3/z",
		"container":    map[string]any{"type": "message", "message_ts": "1.2", "channel_id": "C1", "is_ephemeral": true},
		"actions":      []any{map[string]any{"action_id": "a", "block_id": "b", "value": "v", "type": "button"}}}))
	_ = st.runner.Wait(context.Background())
	// And the Sender refuses such a URL whoever calls it.
	if err := newTestSender(t, st.fake).Respond(context.Background(), elsewhere.URL+"/x", bot.Response{Message: bot.Message{Text: bot.Plain("x")}}); !errors.Is(err, ErrResponseURL) {
		t.Fatalf("Respond: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("foreign response_url called %d times", n)
	}
}

// TestClickMustMatchItsMessage: a signed click whose block, element or
// value is not in the message (or view) it came from is refused with an
// ephemeral and never reaches the handler (field failure: block_id of
// card P, value naming request Q).
func TestClickMustMatchItsMessage(t *testing.T) {
	st := newStack(t, time.Now())
	ref, err := newTestSender(t, st.fake).Post(context.Background(), "C1", approvalCard())
	if err != nil {
		t.Fatal(err)
	}
	click := func(trigger string, action map[string]any, edit func(p map[string]any)) {
		p := map[string]any{"type": "block_actions", "trigger_id": trigger, "user": map[string]any{"id": "U2"},
			"channel":   map[string]any{"id": "C1"},
			"container": map[string]any{"type": "message", "message_ts": ref.ID, "channel_id": "C1"},
			"message":   st.fake.MessagePayload("C1", ref.ID),
			"actions":   []any{action}}
		if edit != nil {
			edit(p)
		}
		if w := st.signed("/slack/interactions", form(p)); w.Code != 200 {
			t.Fatalf("%s: %d", trigger, w.Code)
		}
		_ = st.runner.Wait(context.Background())
	}
	button := func(block, action, value string) map[string]any {
		return map[string]any{"type": "button", "block_id": block, "action_id": action, "value": value}
	}
	bad := []struct {
		name   string
		action map[string]any
		edit   func(map[string]any)
	}{
		{"value of another request", button("decide:DC-1042", "approve", "DC-1043"), nil},
		{"block of another request", button("decide:DC-1043", "approve", "DC-1043"), nil},
		{"element not in the block", button("decide:DC-1042", "dc_retry", "DC-1042"), nil},
		{"option not offered", map[string]any{"type": "static_select", "block_id": "decide:DC-1042", "action_id": "snooze", "selected_option": map[string]any{"value": "1y"}}, nil},
		{"message left out", button("decide:DC-1042", "approve", "DC-1042"), func(p map[string]any) { delete(p, "message") }},
		{"message of another ts", button("decide:DC-1042", "approve", "DC-1042"), func(p map[string]any) {
			p["container"].(map[string]any)["message_ts"] = "1.1"
		}},
		{"view of another id", button("b", "a", "v"), func(p map[string]any) {
			delete(p, "message")
			p["container"] = map[string]any{"type": "view", "view_id": "V2"}
			p["view"] = map[string]any{"id": "V1", "type": "home", "blocks": []any{map[string]any{"type": "actions", "block_id": "b",
				"elements": []any{map[string]any{"type": "button", "action_id": "a", "value": "v"}}}}}
		}},
	}
	for i, tc := range bad {
		click("bad."+itoa(int64(i)), tc.action, tc.edit)
		if n := len(st.h.actions); n != 0 {
			t.Fatalf("%s: reached the handler", tc.name)
		}
		e := st.fake.Ephemerals()
		if len(e) != i+1 || e[i].User != "U2" || !strings.Contains(e[i].Text, "does not match the message") {
			t.Fatalf("%s: ephemerals %+v", tc.name, e)
		}
	}
	if m, _ := st.fake.Message("C1", ref.ID); m.Edits != 0 {
		t.Fatalf("refused clicks edited the card")
	}
	click("good.1", button("decide:DC-1042", "approve", "DC-1042"), nil)
	click("good.2", map[string]any{"type": "static_select", "block_id": "decide:DC-1042", "action_id": "snooze", "selected_option": map[string]any{"value": "1h"}}, nil)
	if n := len(st.h.actions); n != 2 {
		t.Fatalf("matching clicks handled %d times, want 2", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
