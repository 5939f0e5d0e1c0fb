package slackfake

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestShownFindsWhatSlackFormats(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		verbatim bool
		check    func(Shown) bool
	}{
		{"bold and strike", "*APPROVED* ~waived~", true, func(s Shown) bool {
			return slices.Equal(s.Bold, []string{"APPROVED"}) && slices.Equal(s.Strike, []string{"waived"})
		}},
		{"intra-word markers", "first_last@example.com a*b*c", true, func(s Shown) bool { return !s.Live() }},
		{"bare url linked unless verbatim", "open https://evil.example.com/approve", false, func(s Shown) bool { return len(s.Links) > 0 }},
		{"verbatim bare url", "open https://evil.example.com/approve", true, func(s Shown) bool { return !s.Live() }},
		{"bare domain linked unless verbatim", "see evil.example.com", false, func(s Shown) bool { return len(s.Links) > 0 }},
		{"explicit link", "<https://x.test|x>", true, func(s Shown) bool { return slices.Equal(s.Links, []string{"https://x.test"}) }},
		{"mention", "<@U1> <!here>", true, func(s Shown) bool { return len(s.Mentions) == 2 }},
		{"typed here unless verbatim", "hey @here", false, func(s Shown) bool { return len(s.Mentions) == 1 }},
		{"escaped token is text", "&lt;!channel&gt;", true, func(s Shown) bool { return !s.Live() && s.Lines[0] == "<!channel>" }},
		{"quote", "x\n&gt; quoted", true, func(s Shown) bool { return len(s.Quotes) == 1 }},
		{"code", "`x`", true, func(s Shown) bool { return slices.Equal(s.Code, []string{"x"}) }},
		{"bidi", "a\u202eb", true, func(s Shown) bool { return slices.Equal(s.Invisible, []string{"U+202E"}) }},
		{"lookalikes are text", "∗APPROVED∗ ∼waived∼ https∶//evil.example.com", true, func(s Shown) bool { return !s.Live() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s := show("x", "mrkdwn", tc.raw, tc.verbatim); !tc.check(s) {
				t.Errorf("%+v", s)
			}
		})
	}
	if got := ShownBlocks("", "go to https://x.test"); len(got) != 1 || len(got[0].Links) == 0 {
		t.Errorf("top-level text is parsed for links: %+v", got)
	}
}

func TestWorkspaceChanges(t *testing.T) {
	f := New()
	defer f.Close()
	f.AddUser(User{ID: "U1", Name: "Ann", Email: "ann@example.com"})
	f.AddGroup("S1", "U1")
	f.Deactivate("U1")
	if _, out := post(t, f, "users.info", url.Values{"user": {"U1"}}); out["user"].(map[string]any)["deleted"] != true {
		t.Errorf("users.info after deactivation: %v", out)
	}
	if _, out := post(t, f, "users.lookupByEmail", url.Values{"email": {"ann@example.com"}}); out["error"] != "users_not_found" {
		t.Errorf("lookupByEmail after deactivation: %v", out)
	}
	if _, out := post(t, f, "conversations.open", url.Values{"users": {"U1"}}); out["error"] != "user_disabled" {
		t.Errorf("conversations.open after deactivation: %v", out)
	}
	f.Reactivate("U1")
	if _, out := post(t, f, "users.info", url.Values{"user": {"U1"}}); out["user"].(map[string]any)["deleted"] != false {
		t.Errorf("users.info after reactivation: %v", out)
	}
	f.RemoveFromGroup("S1", "U1")
	if _, out := post(t, f, "usergroups.users.list", url.Values{"usergroup": {"S1"}}); len(out["users"].([]any)) != 0 {
		t.Errorf("group after removal: %v", out)
	}
	f.AddToGroup("S1", "U1")
	f.AddToGroup("S1", "U1")
	if _, out := post(t, f, "usergroups.users.list", url.Values{"usergroup": {"S1"}}); len(out["users"].([]any)) != 1 {
		t.Errorf("group after adding: %v", out)
	}
}

func TestResponseURL(t *testing.T) {
	f := New()
	defer f.Close()
	hook := f.URL() + HookPath + "commands/T1/1/x"
	for i := range 6 {
		resp, err := http.Post(hook, "application/json", strings.NewReader(`{"text":"hi","response_type":"ephemeral"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if i == 5 {
			want = http.StatusNotFound // at most 5 posts per response_url
		}
		if resp.StatusCode != want {
			t.Fatalf("post %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	resp, _ := http.Post(f.URL()+HookPath+"actions/T1/2/y", "application/json", strings.NewReader(`{"blocks":[{"type":"nope"}]}`))
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad blocks: %d", resp.StatusCode)
	}
	if r := f.Responses(); len(r) != 7 || r[0].Body["text"] != "hi" {
		t.Fatalf("responses %+v", r)
	}
}
