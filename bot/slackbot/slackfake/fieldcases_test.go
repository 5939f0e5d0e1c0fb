package slackfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestFakeFieldCases pins the answers the field failures depended on:
// a deactivated member cannot get a DM, JSON without a charset draws
// Slack's missing_charset warning, profiles carry first and last names,
// and an update that changes nothing is counted.
func TestFakeFieldCases(t *testing.T) {
	f := New()
	defer f.Close()
	f.AddUser(User{ID: "UGONE", Name: "Gone Person", Email: "gone@example.com", Deleted: true})
	f.AddUser(User{ID: "URITA", Name: "Rita Requester", DisplayName: "rita", FirstName: "Rita", LastName: "Requester", Email: "rita@example.com"})

	if _, out := post(t, f, "conversations.open", url.Values{"users": {"UGONE"}}); out["error"] != "user_disabled" {
		t.Errorf("conversations.open of a deactivated member: %v, want user_disabled", out)
	}
	_, out := post(t, f, "users.info", url.Values{"user": {"URITA"}})
	profile, _ := out["user"].(map[string]any)["profile"].(map[string]any)
	if profile["first_name"] != "Rita" || profile["last_name"] != "Requester" || profile["display_name"] != "rita" || profile["real_name"] != "Rita Requester" {
		t.Errorf("profile %v", profile)
	}

	body, _ := json.Marshal(map[string]any{"user_id": "URITA", "view": map[string]any{"type": "home", "blocks": []any{}}})
	for _, tc := range []struct {
		contentType string
		warn        bool
	}{{"application/json", true}, {"application/json; charset=utf-8", false}} {
		req, _ := http.NewRequest(http.MethodPost, f.URL()+"views.publish", bytes.NewReader(body))
		req.Header.Set("Content-Type", tc.contentType)
		req.Header.Set("Authorization", "Bearer "+Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var rep map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		calls := f.Calls("views.publish")
		got := calls[len(calls)-1].Warnings
		if (len(got) > 0) != tc.warn || (tc.warn && (got[0] != "missing_charset" || rep["warning"] != "missing_charset")) {
			t.Errorf("%s: warnings %v, answer %v", tc.contentType, got, rep)
		}
		if rep["ok"] != true {
			t.Errorf("%s: %v", tc.contentType, rep)
		}
	}

	_, out = post(t, f, "chat.postMessage", url.Values{"channel": {"C1"}, "text": {"hello"}})
	ts, _ := out["ts"].(string)
	post(t, f, "chat.update", url.Values{"channel": {"C1"}, "ts": {ts}, "text": {"hello"}})
	post(t, f, "chat.update", url.Values{"channel": {"C1"}, "ts": {ts}, "text": {"changed"}})
	if m, _ := f.Message("C1", ts); m.Edits != 2 || m.Identical != 1 {
		t.Errorf("edits %d, identical %d; want 2 and 1", m.Edits, m.Identical)
	}
}
