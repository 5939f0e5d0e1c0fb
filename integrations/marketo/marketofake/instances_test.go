package marketofake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// tokenFor fetches a token with the given credentials; ok is false when
// the identity endpoint refused them.
func (e *env) tokenFor(t *testing.T, id, secret string) (string, bool) {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/identity/oauth/token?grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return body.AccessToken, resp.StatusCode == 200 && body.AccessToken != ""
}

// TestInstancesAreSeparate: two subscriptions are two emulators, each
// with its own munchkin id, credentials, tokens, users and limits.
func TestInstancesAreSeparate(t *testing.T) {
	us := start(t, Options{MunchkinID: "111-AAA-111", ClientID: "us-id", ClientSecret: "us-secret", RateLimit: 2})
	emea := start(t, Options{MunchkinID: "222-BBB-222", ClientID: "emea-id", ClientSecret: "emea-secret"})
	if us.s.MunchkinID() != "111-AAA-111" || emea.s.MunchkinID() != "222-BBB-222" || New(Options{}).MunchkinID() != DefaultMunchkinID {
		t.Fatalf("munchkin ids %q %q", us.s.MunchkinID(), emea.s.MunchkinID())
	}
	if _, ok := emea.tokenFor(t, "us-id", "us-secret"); ok {
		t.Fatal("one instance's credentials work on the other")
	}
	usTok, ok := us.tokenFor(t, "us-id", "us-secret")
	if !ok {
		t.Fatal("no token")
	}
	emeaTok, ok := emea.tokenFor(t, "emea-id", "emea-secret")
	if !ok {
		t.Fatal("no token")
	}
	if st, body := emea.call(t, "GET", "roles.json", usTok, ""); st != 401 || !strings.Contains(body, "601") {
		t.Errorf("one instance's token on the other: %d %s", st, body)
	}
	if err := us.s.AddUser(User{EmailAddress: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := emea.s.User("ann@example.com"); ok {
		t.Error("a user of one instance shows in the other")
	}
	// Use up the first instance's rate; the second answers as before.
	for range 2 {
		us.call(t, "GET", "roles.json", usTok, "")
	}
	if st, body := us.call(t, "GET", "roles.json", usTok, ""); !strings.Contains(body, "606") {
		t.Fatalf("first instance not limited: %d %s", st, body)
	}
	if st, body := emea.call(t, "GET", "roles.json", emeaTok, ""); st != 200 {
		t.Errorf("second instance limited by the first: %d %s", st, body)
	}
}
