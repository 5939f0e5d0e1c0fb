package slackfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, f *Fake, method string, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("token", Token)
	resp, err := http.PostForm(f.URL()+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestFakeAnswersLikeSlack(t *testing.T) {
	f := New()
	defer f.Close()
	f.AddUser(User{ID: "U1", Email: "a@b.c"})
	tests := []struct {
		name   string
		method string
		form   url.Values
		status int
		err    string
	}{
		{"no text", "chat.postMessage", url.Values{"channel": {"C1"}}, 200, "no_text"},
		{"unknown channel", "chat.postMessage", url.Values{"channel": {"CMISSING1"}, "text": {"x"}}, 200, "channel_not_found"},
		{"bad blocks json", "chat.postMessage", url.Values{"channel": {"C1"}, "blocks": {"{"}}, 200, "invalid_blocks_format"},
		{"header too long", "chat.postMessage", url.Values{"channel": {"C1"}, "blocks": {`[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}]`}}, 200, "invalid_blocks"},
		{"101 options", "chat.postMessage", url.Values{"channel": {"C1"}, "blocks": {`[{"type":"actions","elements":[{"type":"static_select","action_id":"s","options":[` + strings.Repeat(`{"text":{"type":"plain_text","text":"o"},"value":"v"},`, 100) + `{"text":{"type":"plain_text","text":"o"},"value":"v"}]}]}]`}}, 200, "invalid_blocks"},
		{"missing message", "chat.update", url.Values{"channel": {"C1"}, "ts": {"1.1"}, "text": {"x"}}, 200, "message_not_found"},
		{"unknown user", "users.info", url.Values{"user": {"U9"}}, 200, "user_not_found"},
		{"ok", "chat.postMessage", url.Values{"channel": {"C1"}, "text": {"x"}}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := post(t, f, tc.method, tc.form)
			if status != tc.status || (out["error"] != nil && out["error"] != tc.err) || (tc.err != "" && out["ok"] != false) {
				t.Fatalf("%d %v", status, out)
			}
		})
	}
	f.RateLimitNext("users.info", 7)
	resp, err := http.PostForm(f.URL()+"users.info", url.Values{"token": {Token}, "user": {"U1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("429: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	f.SetRate("chat.postMessage", 1, time.Minute)
	if s, _ := post(t, f, "chat.postMessage", url.Values{"channel": {"C7"}, "text": {"x"}}); s != 200 {
		t.Fatal(s)
	}
	if s, _ := post(t, f, "chat.postMessage", url.Values{"channel": {"C7"}, "text": {"x"}}); s != 429 {
		t.Fatalf("second post in the minute: %d", s)
	}
	if s, _ := post(t, f, "chat.postMessage", url.Values{"channel": {"C8"}, "text": {"x"}}); s != 200 {
		t.Fatalf("other channel: %d", s)
	}
	if _, out := post(t, f, "chat.postMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "token": {"nope"}}); out["error"] != "invalid_auth" {
		// post() overrides the token; check a raw wrong token below.
		_ = out
	}
	resp, _ = http.PostForm(f.URL()+"auth.test", url.Values{"token": {"xoxb-wrong"}})
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if out["error"] != "invalid_auth" {
		t.Fatalf("wrong token: %v", out)
	}
}

func TestValidateView(t *testing.T) {
	modal := map[string]any{"type": "modal", "title": map[string]any{"type": "plain_text", "text": strings.Repeat("t", 25)},
		"private_metadata": strings.Repeat("m", 3001),
		"blocks":           []any{map[string]any{"type": "input", "label": map[string]any{"type": "plain_text", "text": "l"}, "element": map[string]any{"type": "plain_text_input", "action_id": "a"}}}}
	errs := validateView(modal)
	for _, want := range []string{"view.title", "view.private_metadata", "view.submit"} {
		if !strings.Contains(strings.Join(errs, "\n"), want) {
			t.Errorf("missing %s in %v", want, errs)
		}
	}
}
