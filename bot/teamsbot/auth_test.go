package teamsbot_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// tokenCase builds a token (and maybe changes the activity) for one
// row of the bad-input table.
type tokenCase struct {
	name   string
	token  func(h *harness) string
	change func(a map[string]any)
	status int
}

func claimsWith(h *harness, edit func(jwt.MapClaims)) jwt.MapClaims {
	c := h.fake.Claims(appID)
	edit(c)
	return c
}

func badTokens() []tokenCase {
	return []tokenCase{
		{"missing", func(*harness) string { return "" }, nil, http.StatusUnauthorized},
		{"not bearer", func(*harness) string { return "" }, nil, http.StatusUnauthorized},
		{"expired beyond leeway", func(h *harness) string {
			return h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-6 * time.Minute).Unix() }))
		}, nil, http.StatusForbidden},
		{"no expiry", func(h *harness) string {
			return h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { delete(c, "exp") }))
		}, nil, http.StatusForbidden},
		{"not yet valid", func(h *harness) string {
			return h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(10 * time.Minute).Unix() }))
		}, nil, http.StatusForbidden},
		{"wrong audience", func(h *harness) string {
			return h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["aud"] = "another-app" }))
		}, nil, http.StatusForbidden},
		{"wrong issuer", func(h *harness) string {
			return h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/" }))
		}, nil, http.StatusForbidden},
		{"unsigned", func(h *harness) string {
			parts := strings.Split(h.token(), ".")
			return parts[0] + "." + parts[1] + "."
		}, nil, http.StatusForbidden},
		{"signature of another token", func(h *harness) string {
			a := strings.Split(h.token(), ".")
			b := strings.Split(h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["aud"] = "x" })), ".")
			return a[0] + "." + b[1] + "." + a[2]
		}, nil, http.StatusForbidden},
		{"alg none", func(h *harness) string {
			t := jwt.NewWithClaims(jwt.SigningMethodNone, h.fake.Claims(appID))
			t.Header["kid"] = teamsfake.KeyTeams
			s, _ := t.SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}, nil, http.StatusForbidden},
		{"HS256 keyed with the public key", func(h *harness) string {
			pub := fetchPublicKey(h)
			t := jwt.NewWithClaims(jwt.SigningMethodHS256, h.fake.Claims(appID))
			t.Header["kid"] = teamsfake.KeyTeams
			s, _ := t.SignedString(pub)
			return s
		}, nil, http.StatusForbidden},
		{"key not endorsed for msteams", func(h *harness) string {
			return h.fake.SignWith(teamsfake.KeySkype, h.fake.Claims(appID))
		}, nil, http.StatusForbidden},
		{"serviceurl claim differs", func(h *harness) string {
			return h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["serviceurl"] = "https://evil.example/" }))
		}, nil, http.StatusForbidden},
		{"activity serviceUrl differs", func(h *harness) string { return h.token() },
			func(a map[string]any) { a["serviceUrl"] = "https://evil.example/" }, http.StatusForbidden},
		{"activity channel is not msteams", func(h *harness) string {
			return h.fake.SignWith(teamsfake.KeyTeams, h.fake.Claims(appID))
		}, func(a map[string]any) { a["channelId"] = "webchat" }, http.StatusForbidden},
		{"unknown kid", func(h *harness) string {
			other := teamsfake.New(teamsfake.Config{})
			defer other.Close()
			other.RotateIn("ghost")
			return other.SignWith("ghost", h.fake.Claims(appID))
		}, nil, http.StatusForbidden},
		{"malformed activity", func(h *harness) string { return h.token() },
			func(a map[string]any) { delete(a, "conversation") }, http.StatusBadRequest},
		{"unknown invoke", func(h *harness) string { return h.token() },
			func(a map[string]any) { a["type"], a["name"] = "invoke", "composeExtension/query" }, http.StatusNotImplemented},
		{"adaptiveCard/action without action", func(h *harness) string { return h.token() },
			func(a map[string]any) {
				a["type"], a["name"], a["value"] = "invoke", "adaptiveCard/action", map[string]any{}
			}, http.StatusBadRequest},
	}
}

// fetchPublicKey is the fake's msteams public key in PKIX DER, what an
// attacker would use as an HMAC secret.
func fetchPublicKey(h *harness) []byte {
	resp, err := h.fake.Client().Get(h.fake.URL() + "/keys")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			N   string `json:"n"`
		} `json:"keys"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&set)
	for _, k := range set.Keys {
		if k.Kid == teamsfake.KeyTeams {
			n, _ := base64.RawURLEncoding.DecodeString(k.N)
			return n
		}
	}
	return nil
}

// TestBadInputNothingStoredNothingCalled: every rejected request gets
// its status with no Redis key written, no handler call and no
// connector call.
func TestBadInputNothingStoredNothingCalled(t *testing.T) {
	h := newHarness(t)
	for _, tc := range badTokens() {
		t.Run(tc.name, func(t *testing.T) {
			a := h.fake.Message(appID, alice, personal, "status")
			if tc.change != nil {
				tc.change(a)
			}
			tok := tc.token(h)
			req := teamsfake.Request(h.srv.URL+"/api/messages", a, tok)
			if tc.name == "not bearer" {
				req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("a:b")))
			}
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if keys := h.keys(t); len(keys) != 0 {
				t.Errorf("stored %v", keys)
			}
			if n := h.h.calls(); n != 0 {
				t.Errorf("handler called %d times", n)
			}
			if p := h.fake.Posts(); len(p) != 0 {
				t.Errorf("connector called: %v", p)
			}
		})
	}
}

// TestOversizedActivity: a body over the limit is refused unread.
func TestOversizedActivity(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(appID, alice, personal, strings.Repeat("x", 300<<10))
	status, _ := h.post(t, a, h.token())
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", status)
	}
	if len(h.keys(t)) != 0 || h.h.calls() != 0 {
		t.Fatal("oversized activity left a trace")
	}
}

// TestValidTokenWithinLeeway: a token expired 2 minutes ago is still
// accepted (5 minutes of clock skew).
func TestValidTokenWithinLeeway(t *testing.T) {
	h := newHarness(t)
	tok := h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() }))
	status, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), tok)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	h.h.wait(t, 1)
}

// TestUnknownKidRefreshesKeysOnceAMinute: an unknown key id fetches the
// key set again, at most once a minute, so a rotated key is accepted
// and made-up ids cannot hammer the key endpoint.
func TestUnknownKidRefreshesKeysOnceAMinute(t *testing.T) {
	h := newHarness(t)
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), h.token()); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	h.h.wait(t, 1)
	first := h.fake.KeyFetches()
	h.fake.RotateIn("rotated")
	rotated := h.fake.SignWith("rotated", h.fake.Claims(appID))
	for range 5 {
		if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), rotated); s != http.StatusForbidden {
			t.Fatalf("rotated key accepted before a refresh was allowed: %d", s)
		}
	}
	if got := h.fake.KeyFetches(); got != first {
		t.Fatalf("key set fetched %d times within a minute", got-first)
	}
	h.advance(2 * time.Minute)
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), rotated); s != http.StatusOK {
		t.Fatalf("rotated key refused after a refresh: %d", s)
	}
	if got := h.fake.KeyFetches(); got != first+1 {
		t.Fatalf("key fetches %d, want %d", got, first+1)
	}
}

// TestVerifiedTokenStillExpires: a token checked once is not checked in
// full again, but its expiry still ends it.
func TestVerifiedTokenStillExpires(t *testing.T) {
	h := newHarness(t)
	tok := h.fake.Sign(claimsWith(h, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(10 * time.Minute).Unix() }))
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), tok); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	h.h.wait(t, 1)
	h.advance(16 * time.Minute)
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), tok); s != http.StatusForbidden {
		t.Fatalf("expired token accepted from the cache: %d", s)
	}
}
